import type { EditionPaper } from "../papers/repository.ts";
import { paperHasKeyword, paperKeywordHit, parseKeywords } from "./keywords.ts";
import { type Candidate, rankPapers } from "./rank.ts";
import { editionScores, type Features, fits } from "./reader-model.ts";
import type { MatchReason, Mutes, Selection, SelectionPreferences } from "./types.ts";

/** How many top papers outside a reader's matches the mail mentions. */
const ALSO_TRENDING_COUNT = 3;

/**
 * Match strength per reason: a followed author is the strongest signal of interest, an explicit
 * keyword next, a topic (weighted by how surely the classifier placed the paper) last.
 */
const WEIGHT = { author: 3, keyword: 2, topic: 1 } as const;

const TRENDING_REASON: MatchReason = { kind: "trending", label: "trending" };

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
const authorsCache = new WeakMap<EditionPaper, { name: string; normalized: string }[]>();

function authorsOf(paper: EditionPaper): { name: string; normalized: string }[] {
  let authors = authorsCache.get(paper);
  if (!authors) {
    authors = paper.authors.map((name) => ({ name, normalized: normalizeName(name) }));
    authorsCache.set(paper, authors);
  }
  return authors;
}

/**
 * One reader's papers from an edition (papers in trending order). Pure: the same inputs give
 * the same selection. `topicNames` maps slugs to the names readers see in reason tags.
 */
export function selectPapers(
  prefs: SelectionPreferences,
  papers: EditionPaper[],
  alreadySent: ReadonlySet<string>,
  topicNames: Record<string, string>,
  /** A paper's features for the reader's model (reader-model.ts); needed only with a model. */
  features?: (paper: EditionPaper) => Features,
): Selection {
  const muted = mutedTest(prefs.mutes);
  const fresh = papers.filter((p) => !alreadySent.has(p.id) && !muted(p));
  const eligible = fresh.filter((p) => p.upvotes >= prefs.minUpvotes);
  const first = papers[0];
  // A model from another feature space (a retrained vocabulary) waits for its retraining.
  const learning =
    prefs.model && features && first && fits(prefs.model, features(first)) ? prefs.model : null;
  const personal =
    prefs.topics.length + prefs.keywords.length + prefs.authors.length > 0 || learning !== null;

  if (!personal) {
    return {
      papers: eligible
        .slice(0, prefs.maxPapers)
        .map((paper) => ({ paper, reasons: [TRENDING_REASON] })),
      alsoTrending: [],
    };
  }

  const topics = new Set(prefs.topics);
  const keywords = parseKeywords(prefs.keywords);
  const authors = new Set(prefs.authors.map(normalizeName).filter((n) => n !== ""));

  const scored: Candidate[] = [];
  eligible.forEach((paper, order) => {
    const reasons: MatchReason[] = [];
    let strength = 0;
    for (const t of paper.topics) {
      if (!topics.has(t.slug)) continue;
      reasons.push({
        kind: "topic",
        label: `topic: ${topicNames[t.slug] ?? t.slug}`,
        value: t.slug,
      });
      strength += WEIGHT.topic * (1 + Math.min(Math.max(t.score, 0), 1));
    }
    for (const k of keywords) {
      const hit = paperKeywordHit(paper, k);
      if (hit === 0) continue;
      reasons.push({ kind: "keyword", label: `keyword: ${k.label}`, value: k.label });
      // A single mention in the abstract counts half: the paper may only pass by the subject.
      strength += hit === 2 ? WEIGHT.keyword : WEIGHT.keyword / 2;
    }
    if (authors.size) {
      for (const { name, normalized } of authorsOf(paper)) {
        if (!authors.has(normalized)) continue;
        reasons.push({ kind: "author", label: `author: ${name}`, value: name });
        strength += WEIGHT.author;
      }
    }
    if (reasons.length || learning) {
      scored.push({ paper, reasons: sortReasons(reasons), strength, order });
    }
  });

  // Scored over the whole edition, whose inverted index all its readers share.
  const scores = learning && features ? editionScores(learning, papers, features) : undefined;
  const picked = rankPapers(scored, {
    maxPapers: prefs.maxPapers,
    model: learning,
    features,
    scores,
  });
  const pickedIds = new Set(picked.map((p) => p.paper.id));
  return {
    papers: picked,
    alsoTrending: fresh.filter((p) => !pickedIds.has(p.id)).slice(0, ALSO_TRENDING_COUNT),
  };
}

/**
 * A reader's mutes as one test: a paper with a muted topic, containing a muted keyword (matched
 * as keywords are) or by a muted author is never sent, in any path (also the trending list).
 */
function mutedTest(mutes: Mutes | undefined): (paper: EditionPaper) => boolean {
  if (!mutes) return () => false;
  const topics = new Set(mutes.topics);
  const keywords = parseKeywords(mutes.keywords);
  const authors = new Set(mutes.authors.map(normalizeName).filter((n) => n !== ""));
  if (topics.size + keywords.length + authors.size === 0) return () => false;
  return (paper) =>
    paper.topics.some((t) => topics.has(t.slug)) ||
    keywords.some((k) => paperHasKeyword(paper, k)) ||
    (authors.size > 0 && authorsOf(paper).some((a) => authors.has(a.normalized)));
}

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
