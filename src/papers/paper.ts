import { utcDate } from "../platform/clock.ts";

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
  /** The organisation a paper is listed under, when the source names one. */
  organization?: string | null;
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

/** Feeds wrap titles and abstracts at 80 columns; collapse every run of whitespace. */
export function cleanText(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** The UTC edition date of an instant, or null when it does not parse. */
export function utcDateOf(value: string | undefined | null): string | null {
  if (!value) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : utcDate(at);
}
