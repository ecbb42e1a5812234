import type { EditionPaper } from "../papers/repository.ts";
import type { Topic } from "../platform/db/schema.ts";
import { html, page, safeUrl } from "../platform/http/html.ts";
import { subscribeForm } from "../subscribers/pages.ts";

/** How many of the edition's papers the landing page shows. */
export const LANDING_PAPERS = 12;

/** "A, B, C et al." */
export function shortAuthors(authors: string[], max = 3): string {
  if (authors.length <= max) return authors.join(", ");
  return `${authors.slice(0, max).join(", ")} et al.`;
}

/** The AI summary, or the abstract's first sentence, cut at a word near `max` characters. */
export function oneLine(paper: Pick<EditionPaper, "ai_summary" | "abstract">, max = 220): string {
  const text = (paper.ai_summary || paper.abstract).replace(/\s+/g, " ").trim();
  const sentence = paper.ai_summary ? text : (/^.+?[.!?](?=\s|$)/.exec(text)?.[0] ?? text);
  if (sentence.length <= max) return sentence;
  const cut = sentence.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), max - 20))}…`;
}

const ARXIV_ID = /^\d{4}\.\d{4,5}$/;

function paperItem(paper: EditionPaper, topicNames: Map<string, string>, rank: number) {
  const arxiv = ARXIV_ID.test(paper.id);
  const code = safeUrl(paper.github_repo);
  const project = safeUrl(paper.project_page);
  const tags = paper.topics.slice(0, 3).map((t) => topicNames.get(t.slug) ?? t.slug);
  return html`<li class="paper">
<div class="rank" aria-hidden="true">${rank}</div>
<div class="paper-body">
<h3><a href="https://huggingface.co/papers/${encodeURIComponent(paper.id)}">${paper.title}</a></h3>
<p class="meta"><span class="upvotes" aria-label="${paper.upvotes} upvotes">▲ ${paper.upvotes}</span> · ${shortAuthors(paper.authors)}</p>
<p class="summary">${oneLine(paper)}</p>
${tags.length ? html`<ul class="tags" aria-label="Topics">${tags.map((t) => html`<li class="tag">${t}</li>`)}</ul>` : ""}
<p class="links">${
    arxiv
      ? html`<a href="https://arxiv.org/abs/${paper.id}">arXiv</a><a href="https://arxiv.org/pdf/${paper.id}">PDF</a>`
      : ""
  }${code ? html`<a href="${code}">Code${paper.github_stars ? html` (★ ${paper.github_stars})` : ""}</a>` : ""}${
    project ? html`<a href="${project}">Project page</a>` : ""
  }</p>
</div>
</li>`;
}

export function landingPage(
  editionDate: string | null,
  papers: EditionPaper[],
  topics: Topic[],
): string {
  const names = new Map(topics.map((t) => [t.slug, t.name]));
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
    title: "Trending research papers in your inbox",
    description:
      "A daily or weekly email of the research papers everyone is reading, ranked for the topics you choose.",
    body: html`<div class="landing">
<section class="hero-text" aria-labelledby="hero-title">
<p class="eyebrow">Trending on Hugging Face Daily Papers</p>
<h1 id="hero-title">The papers everyone is reading, in your inbox at your hour.</h1>
<p class="lead">Pick the topics you care about. Every morning (or once a week) Paperboy sends the day’s most upvoted research, ranked for you, with one-line summaries and links to PDF and code.</p>
<ul class="benefits">
<li>Ranked for your topics, keywords and favourite authors</li>
<li>Never the same paper twice</li>
<li>Leave with one click, any time</li>
</ul>
</section>
<aside class="signup" aria-label="Subscribe">${subscribeForm(topics)}</aside>
<section class="trending" aria-labelledby="papers-title">
<h2 id="papers-title">${edition ? html`Trending on ${edition}` : "Trending papers"}</h2>
${
  papers.length
    ? html`<ol class="papers">${papers.slice(0, LANDING_PAPERS).map((p, i) => paperItem(p, names, i + 1))}</ol>`
    : html`<p class="card">No papers yet: the first edition appears after the next ingest.</p>`
}
</section>
</div>`,
  });
}
