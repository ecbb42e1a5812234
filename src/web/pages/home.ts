import type { EditionPaper } from "../../papers/repository.ts";
import type { Topic } from "../../platform/db/schema.ts";
import { html } from "../../platform/http/html.ts";
import type { FieldErrors } from "../field-errors.ts";
import { page } from "../layout.ts";
import { paperCard } from "../paper-card.ts";
import { type SubscribeFormValues, subscribeForm } from "./subscribe.ts";

/** How many of the edition's papers the landing page shows. */
const LANDING_PAPERS = 12;

export function landingPage(
  editionDate: string | null,
  papers: EditionPaper[],
  topics: Topic[],
  /** A subscribe post that needs fixing: the form again, with the reader's values and errors. */
  form?: { values: SubscribeFormValues; errors: FieldErrors },
): string {
  const names = Object.fromEntries(topics.map((t) => [t.slug, t.name]));
  const edition = editionDate
    ? new Date(`${editionDate}T00:00:00Z`).toLocaleDateString("en-US", {
        weekday: "long",
        month: "long",
        day: "numeric",
        year: "numeric",
        timeZone: "UTC",
      })
    : null;
  return page({
    title: form ? "Check the form" : "Trending research papers in your inbox",
    noindex: Boolean(form),
    description:
      "A daily or weekly email of the research papers everyone is reading, ranked for the topics you choose.",
    body: html`<div class="landing">
<section class="hero-text" aria-labelledby="hero-title">
<p class="eyebrow">Trending on Hugging Face Daily Papers</p>
<h1 id="hero-title">The papers everyone is reading, in your inbox at your hour.</h1>
</section>
<aside class="signup" aria-label="Subscribe">${subscribeForm(topics, form?.values, form?.errors)}</aside>
<div class="hero-more">
<p class="lead">Pick the topics you care about. Every morning (or once a week) Paperboy sends the day’s most upvoted research, ranked for you, with one-line summaries and links to PDF and code.</p>
<ul class="benefits">
<li>Ranked for your topics, keywords and favourite authors</li>
<li>Never the same paper twice</li>
<li>Leave with one click, any time</li>
</ul>
</div>
<section class="trending" aria-labelledby="papers-title">
<h2 id="papers-title">${edition ? html`Trending on ${edition}` : "Trending papers"}</h2>
${
  papers.length
    ? html`<ol class="papers">${papers.slice(0, LANDING_PAPERS).map((p, i) => paperCard(p, names, i + 1))}</ol>`
    : html`<p class="card">No papers yet: the first edition appears after the next ingest.</p>`
}
</section>
</div>`,
  });
}
