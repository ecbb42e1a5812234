import type { EditionPaper } from "../papers/repository.ts";
import { type Candidate, rankPapers } from "./rank.ts";
import { editionScores, type Features, fits } from "./reader-model.ts";
import type { MatchReason, Selection, SelectionPreferences } from "./types.ts";

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
 * A whole-word, case-insensitive matcher for a keyword typed by a reader. Regex metacharacters
 * are literal ("C++" is fine), inner spaces match any whitespace, and a word boundary is any
 * non-letter/digit, so "RL" never matches inside "URL".
 */
export function keywordMatcher(keyword: string): RegExp | null {
  const words = keyword.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return null;
  const body = words.map((w) => w.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")).join("\\s+");
  return new RegExp(`(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])`, "iu");
}

/**
 * Per-paper facts every reader's selection needs, computed once per paper object: the edition's
 * papers are shared by all its readers (delivery caches them), so a planner run over 100,000
 * readers no longer rebuilds the same text and names 100,000 times. Keyword results are cached
 * per paper and keyword text, since readers share keywords.
 */
interface PaperFacts {
  haystack: string;
  authors: { name: string; normalized: string }[];
  keywordHits: Map<string, boolean>;
}
const factsCache = new WeakMap<EditionPaper, PaperFacts>();

function factsOf(paper: EditionPaper): PaperFacts {
  let facts = factsCache.get(paper);
  if (!facts) {
    facts = {
      haystack: [paper.title, paper.abstract, ...paper.ai_keywords].join("\n"),
      authors: paper.authors.map((name) => ({ name, normalized: normalizeName(name) })),
      keywordHits: new Map(),
    };
    factsCache.set(paper, facts);
  }
  return facts;
}

function keywordHit(facts: PaperFacts, keyword: { label: string; re: RegExp }): boolean {
  let hit = facts.keywordHits.get(keyword.label);
  if (hit === undefined) {
    hit = keyword.re.test(facts.haystack);
    facts.keywordHits.set(keyword.label, hit);
  }
  return hit;
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
  const fresh = papers.filter((p) => !alreadySent.has(p.id));
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
  const keywords = prefs.keywords
    .map((k) => ({ label: k.trim(), re: keywordMatcher(k) }))
    .filter((k): k is { label: string; re: RegExp } => k.re !== null);
  const authors = new Set(prefs.authors.map(normalizeName).filter((n) => n !== ""));

  const scored: Candidate[] = [];
  eligible.forEach((paper, order) => {
    const reasons: MatchReason[] = [];
    let strength = 0;
    for (const t of paper.topics) {
      if (!topics.has(t.slug)) continue;
      reasons.push({ kind: "topic", label: `topic: ${topicNames[t.slug] ?? t.slug}` });
      strength += WEIGHT.topic * (1 + Math.min(Math.max(t.score, 0), 1));
    }
    if (keywords.length) {
      const facts = factsOf(paper);
      for (const k of keywords) {
        if (!keywordHit(facts, k)) continue;
        reasons.push({ kind: "keyword", label: `keyword: ${k.label}` });
        strength += WEIGHT.keyword;
      }
    }
    if (authors.size) {
      for (const { name, normalized } of factsOf(paper).authors) {
        if (!authors.has(normalized)) continue;
        reasons.push({ kind: "author", label: `author: ${name}` });
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
