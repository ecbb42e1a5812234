import { paperHasKeyword, parseKeywords } from "../../src/digests/keywords.ts";
import { normalizeName } from "../../src/digests/match.ts";
import type { EditionPaper } from "../../src/papers/repository.ts";
import type { Judgements, Persona } from "./relevance-data.ts";

/**
 * Scoring of the relevance benchmark (pure): what each arm sent on the scoring days against
 * the judgements, and the two baselines computed from the same editions.
 */

/** One reader's tally over the scoring days. */
export interface Tally {
  sent: number;
  /** Sent papers judged ≥ 1. */
  good: number;
  /** Judged-2 papers in the scoring editions, and how many of them were sent. */
  must: number;
  mustSent: number;
  /** Scoring days on which the reader got no digest. */
  emptyDays: number;
}

export const emptyTally = (): Tally => ({ sent: 0, good: 0, must: 0, mustSent: 0, emptyDays: 0 });

/** Add one edition: the papers it listed and the ids a reader was sent from it. */
export function addEdition(
  tally: Tally,
  persona: string,
  edition: readonly { id: string }[],
  sent: readonly string[],
  judgements: Judgements,
): void {
  const grade = (id: string) => judgements[id]?.[persona] ?? 0;
  const sentSet = new Set(sent);
  tally.sent += sentSet.size;
  for (const id of sentSet) if (grade(id) >= 1) tally.good++;
  for (const { id } of edition) {
    if (grade(id) !== 2) continue;
    tally.must++;
    if (sentSet.has(id)) tally.mustSent++;
  }
  if (sentSet.size === 0) tally.emptyDays++;
}

export function sumTallies(tallies: Tally[]): Tally {
  const total = emptyTally();
  for (const t of tallies) {
    total.sent += t.sent;
    total.good += t.good;
    total.must += t.must;
    total.mustSent += t.mustSent;
    total.emptyDays += t.emptyDays;
  }
  return total;
}

/** Share of sent papers judged ≥ 1 (1 when nothing was sent: nothing wrong was sent). */
export const precision = (t: Tally) => (t.sent === 0 ? 1 : t.good / t.sent);
/** Share of must-reads sent (1 when the editions held none). */
export const recall = (t: Tally) => (t.must === 0 ? 1 : t.mustSent / t.must);

/** Baseline "trending only": the edition's top max_papers by upvotes, nothing repeated. */
export function trendingPick(
  persona: Persona,
  edition: readonly EditionPaper[],
  alreadySent: ReadonlySet<string>,
): string[] {
  return [...edition]
    .filter((p) => !alreadySent.has(p.id))
    .sort((a, b) => b.upvotes - a.upvotes)
    .slice(0, persona.max_papers)
    .map((p) => p.id);
}

const RULE_WEIGHT = { author: 3, keyword: 2, topic: 1 } as const;

/**
 * Baseline "today's rules": the selection as it was before readers could vote (main before
 * this round): every paper matching a chosen topic (learned classifier), keyword or author,
 * strongest match first, then upvotes, up to max_papers; no relevance floor, no model (the
 * trending list for a reader who chose nothing).
 */
export function rulesPick(
  persona: Persona,
  edition: readonly EditionPaper[],
  alreadySent: ReadonlySet<string>,
): string[] {
  // A reader who chose nothing got the trending list then as now.
  if (persona.topics.length + persona.keywords.length + persona.authors.length === 0) {
    return trendingPick(persona, edition, alreadySent);
  }
  const topics = new Set(persona.topics);
  const keywords = parseKeywords(persona.keywords);
  const authors = new Set(persona.authors.map(normalizeName).filter((n) => n !== ""));
  const scored: { paper: EditionPaper; strength: number; order: number }[] = [];
  edition.forEach((paper, order) => {
    if (alreadySent.has(paper.id)) return;
    let strength = 0;
    for (const t of paper.topics) {
      if (topics.has(t.slug))
        strength += RULE_WEIGHT.topic * (1 + Math.min(Math.max(t.score, 0), 1));
    }
    for (const k of keywords) if (paperHasKeyword(paper, k)) strength += RULE_WEIGHT.keyword;
    for (const name of paper.authors) {
      if (authors.has(normalizeName(name))) strength += RULE_WEIGHT.author;
    }
    if (strength > 0) scored.push({ paper, strength, order });
  });
  scored.sort(
    (a, b) => b.strength - a.strength || b.paper.upvotes - a.paper.upvotes || a.order - b.order,
  );
  return scored.slice(0, persona.max_papers).map((s) => s.paper.id);
}
