import { XMLParser, XMLValidator } from "fast-xml-parser";
import {
  arxivIdWithoutVersion,
  cleanText,
  type IncomingPaper,
  nulProblem,
  type Rejection,
  SourceError,
  utcDateOf,
} from "./paper.ts";

/**
 * arXiv's three XML shapes:
 * - the export API (export.arxiv.org/api/query): Atom, ids like http://arxiv.org/abs/2408.01234v2,
 *   <author><name>, <category term>, <arxiv:primary_category>;
 * - the listing feeds rss.arxiv.org/rss/<cat> (RSS 2.0) and rss.arxiv.org/atom/<cat> (Atom):
 *   ids like oai:arXiv.org:2408.01234v2, <dc:creator>A, B and C</dc:creator>,
 *   <arxiv:announce_type> (new, cross, replace, replace-cross) and an abstract prefixed with
 *   "arXiv:… Announce Type: … Abstract:".
 */
export interface ArxivPaper extends IncomingPaper {
  /** Listing feeds only: new, cross, replace or replace-cross; null for the export API. */
  announce_type: string | null;
}

export interface ArxivParseResult {
  papers: ArxivPaper[];
  rejected: Rejection[];
}

export interface ArxivParseOptions {
  /** Edition date to file the papers under; default: the announcement (or publication) date. */
  date?: string;
}

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  // Prefixes differ between feeds (arxiv:, dc:, opensearch:); the local names are what matter.
  removeNSPrefix: true,
  // Keep "2408.01230" a string, not the number 2408.0123.
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => ["entry", "item", "category", "author", "link"].includes(name),
});

/** Parse an arXiv API or listing feed; entries without a usable id or title are rejected. */
export function parseArxivFeed(xml: string, options: ArxivParseOptions = {}): ArxivParseResult {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new SourceError(`not valid XML (line ${valid.err.line}: ${valid.err.msg})`);
  }
  let doc: XmlNode;
  try {
    doc = parser.parse(xml) as XmlNode;
  } catch (error) {
    // The validator lets a few malformed documents through (an unclosed <?pi); the parser then
    // throws a bare Error. It is still bad input: one clear line, not a crash.
    throw new SourceError(`not valid XML (${(error as Error).message})`);
  }
  const feed = doc.feed as XmlNode | undefined;
  const channel = (doc.rss as XmlNode | undefined)?.channel as XmlNode | undefined;
  if (feed) {
    return collect(asArray(feed.entry), (e) => fromAtomEntry(e, options, text(feed.updated)));
  }
  if (channel) {
    const fallback = text(channel.pubDate) || text(channel.lastBuildDate);
    return collect(asArray(channel.item), (i) => fromRssItem(i, options, fallback));
  }
  throw new SourceError("not an arXiv feed (expected an Atom <feed> or RSS <rss>)");
}

function collect(
  nodes: XmlNode[],
  convert: (node: XmlNode) => ArxivPaper | string,
): ArxivParseResult {
  const papers: ArxivPaper[] = [];
  const rejected: Rejection[] = [];
  const seen = new Map<string, number>();
  nodes.forEach((node, index) => {
    const result = convert(node);
    const unstorable = typeof result === "string" ? null : nulProblem(result);
    if (typeof result === "string") {
      rejected.push({ index, reason: result });
    } else if (unstorable) {
      rejected.push({ index, reason: `${result.id}: ${unstorable}` });
    } else if (seen.has(result.id)) {
      rejected.push({ index, reason: `duplicate of item ${seen.get(result.id)} (${result.id})` });
    } else {
      seen.set(result.id, index);
      papers.push(result);
    }
  });
  return { papers, rejected };
}

function fromAtomEntry(
  entry: XmlNode,
  options: ArxivParseOptions,
  feedUpdated: string,
): ArxivPaper | string {
  const rawId = text(entry.id);
  if (rawId.includes("/api/errors")) {
    throw new SourceError(`arXiv API error: ${cleanText(text(entry.summary))}`);
  }
  const announceType = text(entry.announce_type) || null;
  // API ids are URLs (…/abs/ID), listing ids are oai:arXiv.org:ID.
  const id = arxivIdWithoutVersion(rawId.replace(/^.*\/abs\/|^oai:arXiv\.org:/, ""));
  if (!id) return `id '${rawId}' is not an arXiv id`;
  const title = cleanText(text(entry.title));
  if (!title) return `${id}: no title`;
  const creators = text(entry.creator);
  const authors = creators
    ? splitCreators(creators)
    : asArray(entry.author)
        .map((a) => cleanText(text(a.name)))
        .filter(Boolean);
  const primary = attr(entry.primary_category, "term");
  const categories = asArray(entry.category).map((c) => attr(c, "term"));
  const published = text(entry.published) || text(entry.updated) || feedUpdated;
  return paper({
    id,
    title,
    abstract: stripListingPrefix(text(entry.summary)),
    authors,
    categories: [primary, ...categories],
    published,
    listedOn: options.date ?? utcDateOf(published),
    announceType,
    extra: {
      primary_category: primary || null,
      arxiv_comment: cleanText(text(entry.comment)) || null,
      journal_ref: cleanText(text(entry.journal_ref)) || null,
      doi: cleanText(text(entry.doi)) || null,
    },
  });
}

function fromRssItem(
  item: XmlNode,
  options: ArxivParseOptions,
  channelDate: string,
): ArxivPaper | string {
  const guid = text(item.guid);
  const link = text(asArray(item.link)[0]);
  const id = arxivIdWithoutVersion(
    (guid || link).replace(/^.*\/abs\/|^oai:arXiv\.org:/, "").trim(),
  );
  if (!id) return `id '${guid || link}' is not an arXiv id`;
  const title = cleanText(text(item.title));
  if (!title) return `${id}: no title`;
  const published = text(item.pubDate) || channelDate;
  return paper({
    id,
    title,
    abstract: stripListingPrefix(text(item.description)),
    authors: splitCreators(text(item.creator)),
    categories: asArray(item.category).map((c) => text(c)),
    published,
    listedOn: options.date ?? utcDateOf(published),
    announceType: text(item.announce_type) || null,
  });
}

function paper(p: {
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  categories: string[];
  published: string;
  listedOn: string | null;
  announceType: string | null;
  /** What only the Atom feeds carry. */
  extra?: Pick<ArxivPaper, "primary_category" | "arxiv_comment" | "journal_ref" | "doi">;
}): ArxivPaper | string {
  if (!p.listedOn) return `${p.id}: no date (pass --date)`;
  const at = new Date(p.published);
  return {
    id: p.id,
    title: p.title,
    abstract: p.abstract,
    authors: p.authors,
    listed_on: p.listedOn,
    published_at: Number.isNaN(at.getTime()) ? null : at,
    upvotes: 0,
    num_comments: 0,
    ai_summary: null,
    ai_keywords: [],
    arxiv_categories: [...new Set(p.categories.map(cleanText).filter(Boolean))],
    github_repo: null,
    github_stars: null,
    project_page: null,
    thumbnail: null,
    organization: null,
    submitted_by: null,
    primary_category: null,
    arxiv_comment: null,
    journal_ref: null,
    doi: null,
    ...p.extra,
    source: "arxiv",
    announce_type: p.announceType,
  };
}

/** Listing abstracts start "arXiv:2408.01234v1 Announce Type: new \nAbstract: …". */
function stripListingPrefix(summary: string): string {
  return cleanText(summary).replace(/^arXiv:\S+ Announce Type: \S+ Abstract: ?/, "");
}

/** dc:creator is one string: "Ada Lovelace, Alan Turing and Grace Hopper". */
function splitCreators(creators: string): string[] {
  return cleanText(creators)
    .split(/,\s*(?:and\s+)?|\s+and\s+/)
    .map((name) => name.trim())
    .filter(Boolean);
}

function asArray(value: unknown): XmlNode[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as XmlNode[];
}

/** Text content of an element, whether or not it carried attributes. */
function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && "#text" in value) return String(value["#text"]);
  return "";
}

function attr(value: unknown, name: string): string {
  const node = Array.isArray(value) ? value[0] : value;
  if (node && typeof node === "object") return String((node as XmlNode)[`@_${name}`] ?? "");
  return "";
}
