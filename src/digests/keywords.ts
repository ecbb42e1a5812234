import type { EditionPaper } from "../papers/repository.ts";
import { hasPhrase, indexTerms, terms } from "../papers/text.ts";

/**
 * Keyword matching as a reader expects it, on the project's text core (src/papers/text.ts):
 * whole words with their inflections (Porter2 stems: "transformer" finds "transformers",
 * "reasoning" finds "reason"), case and accents ignored, a hyphen the same as a space
 * ("chain-of-thought" finds "chain of thought"), a phrase as consecutive words, and never
 * part of a word ("RL" is not in "URL"). Pure and total: any text is a keyword that either
 * matches or does not; nothing here throws.
 */

export interface Keyword {
  /** What the reader typed, trimmed: shown in reason tags and used as the mute value. */
  label: string;
  /** Its stemmed words; empty when it has no letters or digits (it then matches nothing). */
  terms: string[];
  /** Cache key: the stemmed words joined. */
  key: string;
}

// Readers share keywords: each distinct text is stemmed once (bounded, so it cannot grow forever).
const parsed = new Map<string, Keyword>();
const PARSED_LIMIT = 50_000;

/** A reader's keyword, stemmed. */
export function parseKeyword(text: string): Keyword {
  let keyword = parsed.get(text);
  if (!keyword) {
    const stems = terms(text);
    keyword = { label: text.trim(), terms: stems, key: stems.join(" ") };
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    parsed.set(text, keyword);
  }
  return keyword;
}

/** A reader's keywords, stemmed; those without any word are left out. */
export function parseKeywords(texts: readonly string[]): Keyword[] {
  const out: Keyword[] = [];
  for (const text of texts) {
    const k = parseKeyword(text);
    if (k.terms.length) out.push(k);
  }
  return out;
}

/**
 * A paper's searchable text (title, abstract, AI keywords) as one stemmed token stream with a
 * position index, built once per paper object (an edition's papers are shared by all its
 * readers), plus each keyword's answer once computed. Fields are separated by a token no text
 * produces, so a phrase never runs from the title into the abstract.
 */
interface PaperTerms {
  stream: string[];
  index: Map<string, number[]>;
  /** Where the abstract lies in the stream: [from, to). */
  abstract: [number, number];
  hits: Map<string, KeywordHit>;
}
const FIELD_BREAK = "\u0000";
/** What keyword matching reads of a paper. */
export type KeywordPaper = Pick<EditionPaper, "title" | "abstract" | "ai_keywords">;

const paperTerms = new WeakMap<KeywordPaper, PaperTerms>();

function termsOf(paper: KeywordPaper): PaperTerms {
  let cached = paperTerms.get(paper);
  if (!cached) {
    const stream: string[] = [];
    const abstract: [number, number] = [0, 0];
    [paper.title, paper.abstract, ...paper.ai_keywords].forEach((field, i) => {
      if (stream.length) stream.push(FIELD_BREAK);
      if (i === 1) abstract[0] = stream.length;
      for (const term of terms(field ?? "")) stream.push(term);
      if (i === 1) abstract[1] = stream.length;
    });
    cached = { stream, index: indexTerms(stream), abstract, hits: new Map() };
    paperTerms.set(paper, cached);
  }
  return cached;
}

/**
 * How a keyword occurs in a paper: 0 not at all; 1 mentioned (once, in the abstract only);
 * 2 what the paper is about (in its title or AI keywords, or repeated in the abstract). A
 * passing mention is weaker evidence of interest, as for topics.
 */
export type KeywordHit = 0 | 1 | 2;

function keywordHit(t: PaperTerms, needle: readonly string[]): KeywordHit {
  const starts = t.index.get(needle[0]!);
  if (!starts) return 0;
  let inAbstract = 0;
  for (const start of starts) {
    if (!needle.every((term, j) => t.stream[start + j] === term)) continue;
    if (start < t.abstract[0] || start >= t.abstract[1]) return 2;
    if (++inAbstract > 1) return 2;
  }
  return inAbstract === 1 ? 1 : 0;
}

/** How the keyword occurs in the paper's title, abstract or AI keywords (see KeywordHit). */
export function paperKeywordHit(paper: KeywordPaper, keyword: Keyword): KeywordHit {
  if (keyword.terms.length === 0) return 0;
  const t = termsOf(paper);
  let hit = t.hits.get(keyword.key);
  if (hit === undefined) {
    hit = keywordHit(t, keyword.terms);
    t.hits.set(keyword.key, hit);
  }
  return hit;
}

/** Whether the keyword occurs in the paper's title, abstract or AI keywords. */
export function paperHasKeyword(paper: KeywordPaper, keyword: Keyword): boolean {
  return paperKeywordHit(paper, keyword) > 0;
}

/** Whether the keyword occurs in a piece of text (tests and one-off checks; selection caches). */
export function textHasKeyword(text: string, keyword: string): boolean {
  const k = parseKeyword(keyword);
  if (k.terms.length === 0) return false;
  const stream = terms(text);
  return hasPhrase(stream, indexTerms(stream), k.terms);
}
