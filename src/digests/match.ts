import type { EditionPaper } from "../papers/repository.ts";
import { paperKeywordHit, parseKeywords } from "./keywords.ts";
import type { MatchReason, SelectionPreferences } from "./types.ts";

/**
 * How a paper matches what a reader chose (pure): the reason tags the mail shows, how likely
 * that makes it wanted (priorOf), and a few numbers a reader's model learns weights for
 * (reader-model.ts), so that votes teach how far each kind of match is to be trusted: a reader
 * whose topic ticks bring mostly papers they vote down learns to want more than a tick.
 */
export type MatchablePaper = Pick<
  EditionPaper,
  "title" | "abstract" | "ai_keywords" | "authors" | "topics"
>;

export interface Match {
  /** Explicit reasons, strongest first; empty when nothing the reader chose matched. */
  reasons: MatchReason[];
  /** One value per MATCH_FEATURES entry (reader-model.ts). */
  matchFeatures: number[];
}

/**
 * How likely a reader wants a paper, from how it matches what they chose alone, before any vote.
 * Measured on the relevance benchmark's tuning readers (BENCHMARKS.md, "Relevance", the match
 * table: papers judged ≥ 1 among those matching each way), rounded towards 0.5 because five
 * readers are few: a ticked topic with a keyword the paper is about 0.94 → 0.9; with a keyword
 * in passing 0.73 → 0.7; a topic alone 0.56 → 0.55; a keyword outside the ticked topics 0.16 →
 * 0.2 (common words: "optimizer", "world model" turn up everywhere), in passing 0.10 → 0.12;
 * nothing 0.02 → 0.03. A followed author counts as a topic with a keyword (no reader data).
 */
const PRIOR = {
  topicAndKeyword: 0.9,
  topicAndPassing: 0.7,
  topic: 0.55,
  keywordOutsideTopics: 0.2,
  passingOutsideTopics: 0.12,
  nothing: 0.03,
  /** A reader without topics, a keyword mentioned once in passing (no data: set below the floor). */
  passingAlone: 0.35,
} as const;

/**
 * Below this relevance a paper is not sent. A little under even odds: on the tuning readers,
 * 0.45 kept more must-reads for the same precision as 0.5 (BENCHMARKS.md, "Relevance").
 */
export const RELEVANCE_FLOOR = 0.45;

const logit = (p: number) => Math.log(p / (1 - p));

/**
 * The prior probability that the reader wants the paper (PRIOR). A reader who ticked no topic
 * chose keywords or authors as their whole interest: a keyword the paper is about counts as a
 * ticked topic with a keyword in passing would, and a single passing mention stays below the
 * floor (too weak alone, as for readers with topics).
 */
export function priorOf(match: Pick<Match, "matchFeatures">, tickedTopics: boolean): number {
  const [topic, keyword, passing, author] = match.matchFeatures;
  if (author || (topic && keyword)) return PRIOR.topicAndKeyword;
  if (topic) return passing ? PRIOR.topicAndPassing : PRIOR.topic;
  if (keyword) return tickedTopics ? PRIOR.keywordOutsideTopics : PRIOR.topicAndPassing;
  if (passing) return tickedTopics ? PRIOR.passingOutsideTopics : PRIOR.passingAlone;
  return PRIOR.nothing;
}

/** priorOf as a logit: the starting point a reader's model corrects with their votes. */
export function priorLogit(match: Pick<Match, "matchFeatures">, tickedTopics: boolean): number {
  const p = priorOf(match, tickedTopics);
  return PRIOR_LOGITS.get(p) ?? logit(p);
}

// Selection asks for a prior per candidate per reader: the few values' logits once.
const PRIOR_LOGITS = new Map<number, number>(Object.values(PRIOR).map((p) => [p, logit(p)]));

/** Lower-case, strip accents and punctuation, collapse spaces: "José  Pérez-Gil" → "jose perez gil". */
export function normalizeName(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/**
 * Per-paper author names, normalised once per paper object: the edition's papers are shared by
 * all its readers (delivery caches them), so a planner run over 100,000 readers does not
 * rebuild them 100,000 times. Keywords are matched and cached in keywords.ts.
 */
const authorsCache = new WeakMap<object, { name: string; normalized: string }[]>();

export function authorsOf(paper: Pick<EditionPaper, "authors">): {
  name: string;
  normalized: string;
}[] {
  let authors = authorsCache.get(paper);
  if (!authors) {
    authors = paper.authors.map((name) => ({ name, normalized: normalizeName(name) }));
    authorsCache.set(paper, authors);
  }
  return authors;
}

export type ReaderInterests = Pick<SelectionPreferences, "topics" | "keywords" | "authors">;

/** A reader's matcher: parse their topics, keywords and authors once, match many papers. */
export function readerMatcher<P extends MatchablePaper>(
  interests: ReaderInterests,
  topicNames: Record<string, string> = {},
): (paper: P) => Match {
  const topics = new Set(interests.topics);
  const keywords = parseKeywords(interests.keywords);
  const authors = new Set(interests.authors.map(normalizeName).filter((n) => n !== ""));
  return (paper) => {
    const reasons: MatchReason[] = [];
    const features = [0, 0, 0, 0];
    for (const t of paper.topics) {
      if (!topics.has(t.slug)) continue;
      const sure = Math.min(Math.max(t.score, 0), 1);
      reasons.push({
        kind: "topic",
        label: `topic: ${topicNames[t.slug] ?? t.slug}`,
        value: t.slug,
      });
      features[0] = Math.max(features[0]!, sure);
    }
    for (const k of keywords) {
      const hit = paperKeywordHit(paper, k);
      if (hit === 0) continue;
      reasons.push({ kind: "keyword", label: `keyword: ${k.label}`, value: k.label });
      features[hit === 2 ? 1 : 2] = 1;
    }
    if (features[1] === 1) features[2] = 0;
    if (authors.size) {
      for (const { name, normalized } of authorsOf(paper)) {
        if (!authors.has(normalized)) continue;
        reasons.push({ kind: "author", label: `author: ${name}`, value: name });
        features[3] = 1;
      }
    }
    if (reasons.length === 0) return NO_MATCH;
    return { reasons: sortReasons(reasons), matchFeatures: features };
  };
}

/** Most papers match nothing a reader chose: one shared answer for them (never mutated). */
const NO_MATCH: Match = Object.freeze({
  reasons: Object.freeze([]) as unknown as MatchReason[],
  matchFeatures: Object.freeze([0, 0, 0, 0]) as unknown as number[],
});

const KIND_ORDER: Record<MatchReason["kind"], number> = {
  author: 0,
  keyword: 1,
  like: 2,
  topic: 3,
  trending: 4,
};

/** Strongest reasons first, so a shortened tag list keeps the ones that matter. */
function sortReasons(reasons: MatchReason[]): MatchReason[] {
  return reasons.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
}
