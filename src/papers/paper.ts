import { utcDate } from "../platform/clock.ts";

/** What topic classification and the relevance features read of a paper. */
export interface ClassifiablePaper {
  title: string;
  abstract: string;
  ai_keywords: string[];
  arxiv_categories: string[];
}

export interface TopicScore {
  slug: string;
  /** The model's probability that the paper is about the topic, in (0, 1]. */
  score: number;
}

/** One paper as a source describes it, normalised; what the upsert writes to `papers`. */
export interface IncomingPaper {
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  listed_on: string;
  published_at: Date | null;
  upvotes: number;
  num_comments: number;
  ai_summary: string | null;
  ai_keywords: string[];
  arxiv_categories: string[];
  github_repo: string | null;
  github_stars: number | null;
  project_page: string | null;
  thumbnail: string | null;
  /** Hugging Face only (null = unknown). */
  organization: string | null;
  submitted_by: string | null;
  /** arXiv's Atom feeds only (null = unknown). */
  primary_category: string | null;
  arxiv_comment: string | null;
  journal_ref: string | null;
  doi: string | null;
  source: "hf" | "arxiv";
}

/** An item of a source file that could not be used, and why (index is 0-based). */
export interface Rejection {
  index: number;
  reason: string;
}

export interface ParseResult {
  papers: IncomingPaper[];
  rejected: Rejection[];
}

/** A whole input is unusable (unreadable, HTTP error, not JSON, not a feed): one-line message. */
export class SourceError extends Error {}

// New-style ids (2408.01234) and old-style ones (hep-th/9901001), optionally versioned.
const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})(v\d+)?$/;

/** '2408.01234v2' → '2408.01234'; null when it is not an arXiv id. */
export function arxivIdWithoutVersion(raw: string): string | null {
  const match = ARXIV_ID.exec(raw.trim());
  return match ? match[1]! : null;
}

/**
 * Characters XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE, U+FFFF; unpaired
 * surrogates): one in a stored title would make /feed.xml not well-formed. NUL is not here: an
 * item holding one is rejected instead (nulProblem), as Postgres text cannot store it.
 */
const XML_FORBIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0001-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Feed text as stored: every run of whitespace collapsed (feeds wrap titles and abstracts at
 * 80 columns) and the characters XML 1.0 forbids dropped.
 */
export function cleanText(text: string): string {
  return text.replace(/\s+/g, " ").replace(XML_FORBIDDEN, "").replace(/ {2,}/g, " ").trim();
}

/** Why an item cannot be stored: a NUL (U+0000) in any of its text, or null when it can. */
export function nulProblem(paper: IncomingPaper): string | null {
  const fields: [string, unknown][] = Object.entries(paper);
  for (const [field, value] of fields) {
    const texts = Array.isArray(value) ? value : [value];
    if (texts.some((t) => typeof t === "string" && t.includes("\u0000"))) {
      return `${field}: contains a NUL character (U+0000)`;
    }
  }
  return null;
}

/** The UTC edition date of an instant, or null when it does not parse. */
export function utcDateOf(value: string | undefined | null): string | null {
  if (!value) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : utcDate(at);
}
