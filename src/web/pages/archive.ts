import { longDate } from "../../digests/format.ts";
import type { Edition, EditionPaper } from "../../papers/repository.ts";
import { html } from "../../platform/http/html.ts";
import { page } from "../layout.ts";
import { paperCard } from "../paper-card.ts";

/** Web archive pages: the list of editions and one edition's trending papers. */

export function editionsPage(editions: Edition[]): string {
  const rows = editions.map(
    (e) =>
      html`<li><a href="/digests/${e.edition_date}">${longDate(e.edition_date)}</a> <span class="meta">· ${e.paper_count} ${e.paper_count === 1 ? "paper" : "papers"}</span></li>`,
  );
  return page({
    title: "Archive",
    description: "Every edition of Paperboy's trending research papers.",
    body: html`<h1>Archive</h1>
<p class="lead">Each day's trending papers from Hugging Face Daily Papers, newest first. Also as <a href="/feed.xml">RSS</a> and <a href="/feed.json">JSON Feed</a>.</p>
${editions.length ? html`<ul>${rows}</ul>` : html`<p>No editions yet.</p>`}`,
  });
}

export function editionPage(
  date: string,
  papers: EditionPaper[],
  topicNames: Readonly<Record<string, string>>,
  nav: { previous: string | null; next: string | null },
): string {
  const title = `Trending papers, ${longDate(date)}`;
  return page({
    title,
    description: `The ${papers.length} research papers listed on Hugging Face Daily Papers on ${longDate(date)}, by upvotes.`,
    body: html`<h1>${title}</h1>
<p class="lead"><a href="/#subscribe">Get them by email</a>, ranked for your topics, at your hour.</p>
<h2>${papers.length} ${papers.length === 1 ? "paper" : "papers"}, most upvoted first</h2>
<ol class="papers">${papers.map((p, i) => paperCard(p, topicNames, i + 1))}</ol>
<nav aria-label="Editions" class="links"><p>${nav.previous ? html`<a href="/digests/${nav.previous}" rel="prev">← ${longDate(nav.previous)}</a>` : ""}<a href="/digests">All editions</a>${nav.next ? html`<a href="/digests/${nav.next}" rel="next">${longDate(nav.next)} →</a>` : ""}</p></nav>`,
  });
}
