import { paperCardView } from "../digests/card.ts";
import type { EditionPaper } from "../papers/repository.ts";
import { html, type SafeHtml } from "../platform/http/html.ts";

/** Thumbnails on the site: shown beside the text on wide screens, above it on phones. */
const THUMBNAIL_WIDTH = 240;

/**
 * One paper as a list item, the way Hugging Face Daily Papers shows it (rank, title, thumbnail,
 * organisation, authors, labelled counts, summary, topics, links). The same card data as the
 * mail (digests/card.ts); feed text is escaped by html``, links passed safeUrl there.
 */
export function paperCard(
  paper: EditionPaper,
  topicNames: Readonly<Record<string, string>>,
  rank: number,
): SafeHtml {
  const card = paperCardView(paper, [], { blurbMax: 220, thumbnailWidth: THUMBNAIL_WIDTH });
  const tags = paper.topics.slice(0, 3).map((t) => topicNames[t.slug] ?? t.slug);
  const thumb = card.thumbnail;
  return html`<li class="paper">
<div class="rank" aria-hidden="true">${rank}</div>
<div class="paper-body">
<h3><a href="${card.url}">${card.title}</a></h3>
<p class="meta">${card.organization ? html`<strong>${card.organization}</strong> · ` : ""}${card.authors}</p>
<p class="meta stats">${card.stats}</p>
<p class="summary">${card.blurb}</p>
${tags.length ? html`<ul class="tags" aria-label="Topics">${tags.map((t) => html`<li class="tag">${t}</li>`)}</ul>` : ""}
<p class="links">${card.links.map((l, i) => html`${i ? html`<span class="sep" aria-hidden="true"> · </span>` : ""}<a href="${l.href}" aria-label="${l.name}">${l.label}</a>`)}</p>
</div>
${thumb ? html`<img class="thumb" src="${thumb.src}" width="${thumb.width}" height="${thumb.height}" alt="" loading="lazy" decoding="async">` : ""}
</li>`;
}
