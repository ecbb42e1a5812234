import type { EditionPaper } from "../papers/repository.ts";
import { paperHasKeyword, parseKeywords } from "./keywords.ts";
import { authorsOf, normalizeName, readerMatcher } from "./match.ts";
import { type Candidate, rankPapers } from "./rank.ts";
import { editionLogits, type Features, fits } from "./reader-model.ts";
import type { MatchReason, Mutes, Selection, SelectionPreferences } from "./types.ts";

/** How many top papers outside a reader's matches the mail mentions. */
const ALSO_TRENDING_COUNT = 3;

const TRENDING_REASON: MatchReason = { kind: "trending", label: "trending" };

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

  const match = readerMatcher(prefs, topicNames);
  const scored: Candidate[] = [];
  eligible.forEach((paper, order) => {
    const m = match(paper);
    if (m.reasons.length || learning) scored.push({ paper, ...m, order });
  });

  // Scored over the whole edition, whose inverted index all its readers share.
  const logits = learning && features ? editionLogits(learning, papers, features) : undefined;
  const picked = rankPapers(scored, {
    maxPapers: prefs.maxPapers,
    tickedTopics: prefs.topics.length > 0,
    model: learning,
    features,
    logits,
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
