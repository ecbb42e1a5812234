/**
 * Ordering a reader's candidate papers (pure): a blend of how relevant a paper is to them and
 * how popular it is in the edition, with a relevance floor, so the mail reads sensibly (of two
 * equally relevant papers the far more upvoted one comes first) and a day with few good papers
 * sends few. Relevance is the explicit matches (author > keyword > topic) and, once the reader
 * has voted, their model's score: a paper the model likes enough is a candidate even without a
 * match, says which liked paper it resembles ("like: <title>"), and one like their dislikes
 * falls below the floor.
 */

import { sigmoid } from "../papers/logistic.ts";
import type { EditionPaper } from "../papers/repository.ts";
import { type Match, priorLogit, RELEVANCE_FLOOR } from "./match.ts";
import {
  closestLiked,
  editionLogits,
  type Features,
  fits,
  matchLogit,
  type ReaderModel,
} from "./reader-model.ts";
import type { MatchReason, PickedPaper } from "./types.ts";

export interface Candidate extends Match {
  paper: EditionPaper;
  /** Position in the edition's trending order. */
  order: number;
}

export interface RankOptions {
  maxPapers: number;
  /** Whether the reader ticked any topic (a keyword outside them is weaker evidence: match.ts). */
  tickedTopics: boolean;
  /** The reader's trained model and the edition's paper features; absent before any vote. */
  model?: ReaderModel | null;
  features?: (paper: EditionPaper) => Features;
  /** The model's logit of a paper's text (editionLogits); computed here when absent. */
  logits?: (paper: EditionPaper) => number;
}

/** How much popularity weighs in the order next to relevance. */
const POPULARITY_WEIGHT = 0.35;
/** Model score from which a paper names the liked paper it resembles. */
const LIKE_REASON_FROM = 0.6;
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
  const logits =
    learning &&
    (options.logits ??
      editionLogits(
        learning.model,
        candidates.map((c) => c.paper),
        learning.features,
      ));
  let maxUpvotes = 0;
  for (const c of candidates) maxUpvotes = Math.max(maxUpvotes, c.paper.upvotes);
  const scale = popularityScale(maxUpvotes);
  const ranked: Ranked[] = [];
  for (const candidate of candidates) {
    const relevance = learnedRelevance(candidate, options.tickedTopics, learning, logits);
    if (relevance < RELEVANCE_FLOOR || (!learning && candidate.reasons.length === 0)) continue;
    const pop = scale * Math.log1p(Math.max(candidate.paper.upvotes, 0));
    const total = (1 - POPULARITY_WEIGHT) * relevance + POPULARITY_WEIGHT * pop;
    ranked.push({ candidate, relevance, score: total, model: logits ? relevance : null });
  }
  ranked.sort((a, b) => b.score - a.score || a.candidate.order - b.candidate.order);
  return ranked.slice(0, options.maxPapers).map((r) => ({
    paper: r.candidate.paper,
    reasons: withLikeReason(r, learning),
  }));
}

/**
 * How far (in logits) votes may lower a paper matching a keyword or author the reader chose:
 * enough that "less like this" removes a keyword match they keep voting down (0.7 → 0.3), not
 * enough that dislikes of other papers hide a paper with a ticked topic and a keyword in its
 * title (0.9 → 0.67; such papers were wanted 0.9 of the time on the tuning readers).
 */
const NAMED_MATCH_MAX_DROP = 1.5;

/** What the matches say (priorOf), corrected by the reader's model once they have voted. */
function learnedRelevance(
  candidate: Candidate,
  tickedTopics: boolean,
  learning: { model: ReaderModel } | null,
  logits: ((paper: EditionPaper) => number) | null | undefined,
): number {
  const prior = priorLogit(candidate, tickedTopics);
  if (!learning || !logits) return sigmoid(prior);
  let correction = logits(candidate.paper) + matchLogit(learning.model, candidate.matchFeatures);
  if (namedByReader(candidate)) correction = Math.max(correction, -NAMED_MATCH_MAX_DROP);
  return sigmoid(prior + correction);
}

/** Whether a keyword or author the reader chose matched (not only a topic). */
const namedByReader = (c: Candidate) =>
  c.reasons.some((r) => r.kind === "keyword" || r.kind === "author");

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
