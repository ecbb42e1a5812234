import { Feed } from "feed";
import type { EditionPaper } from "../papers/repository.ts";
import { html } from "../platform/http/html.ts";
import { paperStats } from "./card.ts";
import { excerpt, longDate, paperBlurb, paperPageUrl } from "./format.ts";
import { latexToText } from "./latex.ts";

/**
 * RSS 2.0 and JSON Feed 1.1 of the latest editions, one item per edition: a feed reader wants
 * one entry a day (like the newsletter), not thirty that bury everything else in the list.
 * Each item's content is that day's top papers with links; its link is the archive page.
 */

export const FEED_EDITIONS = 14;
const PAPERS_PER_ITEM = 10;

export interface FeedEdition {
  date: string;
  /** When ingestion first and last touched the edition. */
  publishedAt: Date;
  updatedAt: Date;
  /** In trending order. */
  papers: EditionPaper[];
}

/** What differs in a reader's private feed: its own title, address and item wording. */
export interface FeedIdentity {
  id: string;
  title: string;
  description: string;
  feedLinks: { rss: string; json: string };
  /** "your digest": item descriptions speak of the reader's papers, not the day's list. */
  personal?: boolean;
}

export function buildFeed(
  publicUrl: string,
  editions: FeedEdition[],
  identity: FeedIdentity = {
    id: `${publicUrl}/`,
    title: "Paperboy: trending research papers",
    description: "The most upvoted papers of each day on Hugging Face Daily Papers.",
    feedLinks: { rss: `${publicUrl}/feed.xml`, json: `${publicUrl}/feed.json` },
  },
): Feed {
  const feed = new Feed({
    id: identity.id,
    title: identity.title,
    description: identity.description,
    link: `${publicUrl}/digests`,
    language: "en",
    // Deterministic output: the feed changes only when an edition does.
    updated: new Date(Math.max(0, ...editions.map((e) => e.updatedAt.getTime()))),
    generator: "Paperboy",
    feedLinks: identity.feedLinks,
  });
  for (const e of editions) {
    const url = `${publicUrl}/digests/${e.date}`;
    const top = e.papers[0];
    const title = `${longDate(e.date)}: ${e.papers.length} papers${top ? `, top: ${excerpt(latexToText(top.title), 90)}` : ""}`;
    feed.addItem({
      id: identity.personal ? `${identity.id}#${e.date}` : url,
      link: url,
      // CDATA cannot hold "]]>"; the title is plain text, so nothing is lost.
      title: title.replaceAll("]]>", "]] >"),
      // Dated by the edition, not by ingestion: a back-filled week keeps its own days, in order.
      date: editionInstant(e.date),
      published: editionInstant(e.date),
      description: identity.personal
        ? `The ${e.papers.length} papers of your digest for ${longDate(e.date)}.`
        : `The ${e.papers.length} papers listed on ${longDate(e.date)}, most upvoted first.`,
      content: editionContent(e.papers.slice(0, PAPERS_PER_ITEM), url, e.papers.length).value,
    });
  }
  return feed;
}

/** An edition's day as an instant (its UTC midnight). */
function editionInstant(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

function editionContent(papers: EditionPaper[], url: string, total: number) {
  return html`<ol>${papers.map(
    (p) =>
      html`<li><p><a href="${paperPageUrl(p)}">${latexToText(p.title)}</a> (${paperStats(p)})</p><p>${latexToText(paperBlurb(p, 240))}</p></li>`,
  )}</ol>${total > papers.length ? html`<p><a href="${url}">All ${total} papers of the day</a></p>` : ""}`;
}

export function rssFeed(feed: Feed): string {
  return feed.rss2();
}

/** The `feed` package writes JSON Feed 1.0; 1.1 renames `author` to `authors` and adds `language`. */
export function jsonFeed(feed: Feed): string {
  const doc = JSON.parse(feed.json1()) as Record<string, unknown>;
  doc.version = "https://jsonfeed.org/version/1.1";
  doc.language = "en";
  delete doc.author;
  return JSON.stringify(doc);
}
