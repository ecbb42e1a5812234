import { paperStats } from "../../digests/card.ts";
import { excerpt, longDate, paperPageUrl } from "../../digests/format.ts";
import { latexToText } from "../../digests/latex.ts";
import type { Edition, EditionPaper } from "../../papers/repository.ts";
import type { Topic } from "../../platform/db/schema.ts";
import { html } from "../../platform/http/html.ts";
import { page } from "../layout.ts";
import { paperCard } from "../paper-card.ts";

/** Web archive pages: the list of editions and one edition's trending papers. */

const TOP_PER_EDITION = 3;

/**
 * The archive index: each edition with its top papers (the newest ones, whose papers are
 * given), the rest as dates; `topic` keeps only that topic's papers and the editions with any.
 */
export function editionsPage(
  editions: Edition[],
  papers: EditionPaper[],
  topics: Topic[],
  topic?: string,
): string {
  const byDate = new Map<string, EditionPaper[]>();
  for (const p of topic ? papers.filter((x) => x.topics.some((t) => t.slug === topic)) : papers) {
    byDate.set(p.listed_on, [...(byDate.get(p.listed_on) ?? []), p]);
  }
  const shown = topic ? editions.filter((e) => byDate.has(e.edition_date)) : editions;
  const topicName = topics.find((t) => t.slug === topic)?.name;
  const rows = shown.map((e) => {
    const tops = (byDate.get(e.edition_date) ?? []).slice(0, TOP_PER_EDITION);
    const count = topic ? (byDate.get(e.edition_date)?.length ?? 0) : e.paper_count;
    return html`<li class="edition"><h2><a href="/digests/${e.edition_date}">${longDate(e.edition_date)}</a></h2>
<p class="meta">${count} ${count === 1 ? "paper" : "papers"}${topicName ? ` on ${topicName}` : ""}</p>
${tops.length ? html`<ol class="tops">${tops.map((p) => html`<li><a href="${paperPageUrl(p)}">${excerpt(latexToText(p.title), 140)}</a> <span class="meta">${paperStats(p)}</span></li>`)}</ol>` : ""}</li>`;
  });
  return page({
    title: topicName ? `Archive: ${topicName}` : "Archive",
    description: "Every edition of Paperboy's trending research papers.",
    body: html`<h1>${topicName ? `Archive: ${topicName}` : "Archive"}</h1>
<p class="lead">Each day's trending papers from Hugging Face Daily Papers, newest first. Also as <a href="/feed.xml">RSS</a> and <a href="/feed.json">JSON Feed</a>.</p>
<form method="get" action="/digests" class="filter">
<label for="topic">Topic</label>
<select id="topic" name="topic"><option value="">All topics</option>${topics.map((t) => html`<option value="${t.slug}"${t.slug === topic ? html` selected` : ""}>${t.name}</option>`)}</select>
<button type="submit">Show</button>
</form>
${shown.length ? html`<ol class="editions">${rows}</ol>` : html`<p>${topic ? "No recent papers on this topic." : "No editions yet."}</p>`}`,
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
