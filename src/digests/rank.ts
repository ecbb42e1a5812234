/**
 * Ordering a reader's candidate papers (pure): a blend of how relevant a paper is to them and
 * how popular it is in the edition, with a relevance floor, so the mail reads sensibly (of two
 * equally relevant papers the far more upvoted one comes first) and a day with few good papers
 * sends few. Relevance is the explicit matches (author > keyword > topic) and, once the reader
 * has voted, their model's score: a paper the model likes enough is a candidate even without a
 * match, says which liked paper it resembles ("like: <title>"), and one like their dislikes
 * falls below the floor.
 */
import type { EditionPaper } from "../papers/repository.ts";
import {
  closestLiked,
  editionScores,
  type Features,
  fits,
  type ReaderModel,
} from "./reader-model.ts";
import type { MatchReason, PickedPaper } from "./types.ts";

export interface Candidate {
  paper: EditionPaper;
  /** Explicit match reasons; empty when the paper matched nothing the reader chose. */
  reasons: MatchReason[];
  /** Sum of the explicit matches' weights (select.ts: author 3, keyword 2, topic 1–2). */
  strength: number;
  /** Position in the edition's trending order. */
  order: number;
}

export interface RankOptions {
  maxPapers: number;
  /** The reader's trained model and the edition's paper features; absent before any vote. */
  model?: ReaderModel | null;
  features?: (paper: EditionPaper) => Features;
  /** The model's score of a paper (editionScores); computed here when absent. */
  scores?: (paper: EditionPaper) => number;
}

/** Below this relevance (0–1) a paper is not sent, however popular. */
export const RELEVANCE_FLOOR = 0.4;
/** How much popularity weighs in the order next to relevance. */
const POPULARITY_WEIGHT = 0.35;
/** Model score from which a paper names the liked paper it resembles. */
const LIKE_REASON_FROM = 0.6;
/** Explicit strength that counts as relevance 1 − 1/e. */
const STRENGTH_SCALE = 2.5;

/** Relevance of explicit matches in [0, 1): one topic ≈ 0.5, a keyword 0.55, an author 0.7. */
export function explicitRelevance(strength: number): number {
  return 1 - Math.exp(-Math.max(strength, 0) / STRENGTH_SCALE);
}

/** Popularity in [0, 1]: log upvotes relative to the edition's most upvoted candidate. */
export function popularity(upvotes: number, maxUpvotes: number): number {
  return popularityScale(maxUpvotes) * Math.log1p(Math.max(upvotes, 0));
}

const popularityScale = (maxUpvotes: number) => (maxUpvotes > 0 ? 1 / Math.log1p(maxUpvotes) : 0);

interface Ranked {
  candidate: Candidate;
  relevance: number;
  score: number;
  model: number | null;
}

export function rankPapers(candidates: Candidate[], options: RankOptions): PickedPaper[] {
  const { model, features } = options;
  const first = candidates[0]?.paper;
  // A model from another feature space (a retrained vocabulary) waits for its retraining.
  const learning =
    model && features && first && fits(model, features(first)) ? { model, features } : null;
  const scores =
    learning &&
    (options.scores ??
      editionScores(
        learning.model,
        candidates.map((c) => c.paper),
        learning.features,
      ));
  let maxUpvotes = 0;
  for (const c of candidates) maxUpvotes = Math.max(maxUpvotes, c.paper.upvotes);
  const scale = popularityScale(maxUpvotes);
  const ranked: Ranked[] = [];
  for (const candidate of candidates) {
    const explicit = explicitRelevance(candidate.strength);
    let relevance = explicit;
    const score = scores ? scores(candidate.paper) : null;
    if (score !== null) relevance = 0.5 * explicit + 0.5 * score;
    if (relevance < RELEVANCE_FLOOR || (!learning && candidate.reasons.length === 0)) continue;
    const pop = scale * Math.log1p(Math.max(candidate.paper.upvotes, 0));
    const total = (1 - POPULARITY_WEIGHT) * relevance + POPULARITY_WEIGHT * pop;
    ranked.push({ candidate, relevance, score: total, model: score });
  }
  ranked.sort((a, b) => b.score - a.score || a.candidate.order - b.candidate.order);
  return ranked.slice(0, options.maxPapers).map((r) => ({
    paper: r.candidate.paper,
    reasons: withLikeReason(r, learning),
  }));
}

/** Add "like: <title>" after author and keyword reasons when the model drew the paper in. */
function withLikeReason(
  r: Ranked,
  learning: { model: ReaderModel; features: (p: EditionPaper) => Features } | null,
): MatchReason[] {
  const { reasons, paper } = r.candidate;
  if (!learning || r.model === null || r.model < LIKE_REASON_FROM) return reasons;
  // A paper drawn in by the model alone names its closest liked paper, however far.
  const floor = reasons.length ? 0.1 : -1;
  const liked = closestLiked(learning.model, learning.features(paper), paper.id, floor);
  if (!liked && reasons.length) return reasons;
  const like: MatchReason = {
    kind: "like",
    label: liked ? `like: ${liked.title}` : "like: papers you liked",
  };
  const at = reasons.findIndex((x) => x.kind !== "author" && x.kind !== "keyword");
  return at === -1 ? [...reasons, like] : [...reasons.slice(0, at), like, ...reasons.slice(at)];
}
