import { codeUrl, paperBlurb, paperPageUrl, pdfUrl, shortAuthors } from "../digests/format.ts";
import type { EditionPaper } from "../papers/repository.ts";
import { html, type SafeHtml, safeUrl } from "../platform/http/html.ts";

/**
 * One paper as a list item, the way Hugging Face Daily Papers shows it (rank, title, upvotes,
 * authors, summary, topics, links). Used by the landing page and the web archive; feed text
 * is escaped by html``, links pass safeUrl.
 */
export function paperCard(
  paper: EditionPaper,
  topicNames: Readonly<Record<string, string>>,
  rank: number,
): SafeHtml {
  const pdf = pdfUrl(paper);
  const code = codeUrl(paper);
  const project = safeUrl(paper.project_page);
  const tags = paper.topics.slice(0, 3).map((t) => topicNames[t.slug] ?? t.slug);
  return html`<li class="paper">
<div class="rank" aria-hidden="true">${rank}</div>
<div class="paper-body">
<h3><a href="${paperPageUrl(paper)}">${paper.title}</a></h3>
<p class="meta"><span class="upvotes" aria-label="${paper.upvotes} upvotes">▲ ${paper.upvotes}</span> · ${shortAuthors(paper.authors)}</p>
<p class="summary">${paperBlurb(paper, 220)}</p>
${tags.length ? html`<ul class="tags" aria-label="Topics">${tags.map((t) => html`<li class="tag">${t}</li>`)}</ul>` : ""}
<p class="links">${pdf ? html`<a href="${pdf.replace("/pdf/", "/abs/")}">arXiv</a><a href="${pdf}">PDF</a>` : ""}${
    code
      ? html`<a href="${code}">Code${paper.github_stars ? html` (★ ${paper.github_stars})` : ""}</a>`
      : ""
  }${project ? html`<a href="${project}">Project page</a>` : ""}</p>
</div>
</li>`;
}
