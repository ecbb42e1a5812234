/**
 * A reader's own relevance model: class-balanced logistic regression over a paper's tf-idf
 * unigrams and bigrams (title, AI keywords, abstract) plus its topic-lexicon scores, in the
 * feature space of the shipped topic model (src/papers/topic-features.ts), trained on the
 * reader's votes ("more like this" = positive, "less like this" = negative) and, as weak
 * negatives, papers they were sent and did not vote on; plus one weight per kind of explicit
 * match (match.ts), so the model learns how much this reader's topic ticks or keywords are
 * worth. Pure functions on plain data. Weights
 * are stored by feature index with the space's fingerprint: a model trained in another
 * vocabulary (a retrained topic model) is ignored until the reader's next retraining.
 */
import { type SparseVector, sigmoid, trainLogistic } from "../papers/logistic.ts";
import type { ClassifiablePaper } from "../papers/paper.ts";
import { dimensions, type FeatureSpace, paperVector, spaceId } from "../papers/topic-features.ts";

/**
 * How a paper matches the reader (match.ts), in this order: the classifier's surest ticked topic
 * (0–1), a keyword the paper is about, a keyword mentioned once in passing, a followed author.
 * Stored models index their weights by this order: add new ones at the end.
 */
export const MATCH_FEATURES = ["topic", "keyword", "keyword-in-passing", "author"] as const;

/** A paper in a feature space: its sparse vector (what training reads). */
export interface PaperVector {
  space: string;
  dims: number;
  vector: SparseVector;
  /** Where the topic-lexicon features start (the tf-idf part is below). */
  lexiconFrom: number;
}

/** …and as a dense array too, for scoring an edition's papers. */
export interface Features extends PaperVector {
  /** The vector by index (the tf-idf part has unit length), for model scores and cosines. */
  dense: Float32Array;
}

export interface LikedPaper {
  id: string;
  title: string;
  /** Its strongest tf-idf features, scaled to unit length, for "like: <title>". */
  indices: number[];
  values: number[];
}

export interface ReaderModel {
  format: 3;
  /** Fingerprint of the feature space the weights index into. */
  space: string;
  bias: number;
  indices: number[];
  weights: number[];
  /** One weight per MATCH_FEATURES entry (match.ts). */
  match: number[];
  /** The latest liked papers, newest first. */
  liked: LikedPaper[];
}

export interface TrainingExample {
  paper: { id: string; title: string };
  features: PaperVector;
  /** How the paper matches the reader's topics, keywords and authors (Match.matchFeatures). */
  match: readonly number[];
  /** What those matches alone say (priorLogit): the model learns corrections to it. */
  prior: number;
  /** 1 more like this, -1 less like this, 0 sent and not voted on (a weak negative). */
  vote: 1 | -1 | 0;
}

/**
 * Penalties (chosen on the relevance benchmark's tuning readers, BENCHMARKS.md "Relevance"):
 * words are penalised lightly, because a reader's few dozen votes are all the evidence there
 * is; the weights of the kinds of match (MATCH_FEATURES) need several votes to move; there is
 * no bias (the prior is the baseline), so that a run of "less like this" lowers papers like
 * those, not every paper.
 * Class-balanced: a voter who mostly dislikes would otherwise teach the model to want nothing.
 */
const OPTIONS = {
  l2: 0.02,
  iterations: 100,
  balanced: true,
  fitBias: false,
} as const;
const MATCH_L2_SHARE = 50;
/** Each example's strongest features that training looks at (keeps a training < 50 ms). */
const TRAINING_FEATURES = 60;
/** Weak negatives count at most this many times the explicit votes… */
const WEAK_NEGATIVES_PER_VOTE = 2;
/** …and each weighs this much of a vote: not voting on a paper is not saying "less like this". */
const WEAK_NEGATIVE_WEIGHT = 0.3;
/** A model keeps its largest weights only: scoring a paper costs one read per weight. */
const MODEL_WEIGHTS = 300;
const LIKED_KEPT = 20;
const LIKED_FEATURES = 40;
const DIGITS = 4;

const cache = new WeakMap<object, Features>();

/** A paper's features (cached per paper object: an edition's papers are shared by readers). */
export function paperFeatures(paper: ClassifiablePaper, space: FeatureSpace): Features {
  let features = cache.get(paper);
  if (!features) {
    const vector = paperVector(paper, space);
    const dims = dimensions(space);
    const dense = new Float32Array(dims);
    for (let k = 0; k < vector.indices.length; k++) dense[vector.indices[k]!] = vector.values[k]!;
    features = {
      space: spaceId(space),
      dims,
      vector,
      dense,
      lexiconFrom: space.idf.length,
    };
    cache.set(paper, features);
  }
  return features;
}

/** A vector stored at ingest (papers/reclassify.ts) as training reads it, in `space`. */
export function storedVector(vector: SparseVector, space: FeatureSpace): PaperVector {
  return { space: spaceId(space), dims: dimensions(space), vector, lexiconFrom: space.idf.length };
}

/** Train a reader's model from their votes: corrections to what their matches alone say. */
export function trainReaderModel(examples: TrainingExample[]): ReaderModel | null {
  const voted = examples.filter((e) => e.vote !== 0);
  if (voted.length === 0) return null;
  const weak = examples
    .filter((e) => e.vote === 0)
    .slice(0, WEAK_NEGATIVES_PER_VOTE * voted.length);
  const used = [...voted, ...weak];
  const { space, dims } = voted[0]!.features;
  const matchIndices = MATCH_FEATURES.map((_, j) => dims + j);
  // Trained over the features the examples use (a few hundred of the space's thousands): the
  // others' weights stay 0 under L2, so leaving them out changes nothing but the cost.
  const { xs, full } = compactSpace(
    used.map((e) => withMatch(strongestPart(e.features, TRAINING_FEATURES, true), e, dims)),
    matchIndices,
  );
  const ys = used.map((e) => e.vote === 1);
  const fitted = trainLogistic(
    xs,
    ys,
    full.length,
    {
      ...OPTIONS,
      exampleWeights: used.map((e) => (e.vote === 0 ? WEAK_NEGATIVE_WEIGHT : 1)),
      offsets: used.map((e) => e.prior),
    },
    new Map(matchIndices.map((_, j) => [j, MATCH_L2_SHARE])),
  );
  const words = [...fitted.weights.keys()].filter(
    (k) => full[k]! < dims && round(fitted.weights[k]!) !== 0,
  );
  const kept = words
    .sort(
      (a, b) => Math.abs(fitted.weights[b]!) - Math.abs(fitted.weights[a]!) || full[a]! - full[b]!,
    )
    .slice(0, MODEL_WEIGHTS)
    .sort((a, b) => full[a]! - full[b]!);
  const liked = voted
    .filter((e) => e.vote === 1)
    .slice(0, LIKED_KEPT)
    .map((e) => ({ id: e.paper.id, title: e.paper.title, ...likedPart(e.features) }));

  return {
    format: 3,
    space,
    bias: round(fitted.bias),
    indices: kept.map((k) => full[k]!),
    weights: kept.map((k) => round(fitted.weights[k]!)),
    match: MATCH_FEATURES.map((_, j) => round(fitted.weights[j]!)),
    liked,
  };
}

/**
 * The examples over only the features they use, renumbered: `first` (the match features) take
 * 0, 1, …, the rest follow in order of appearance; full[k] is compact feature k's index.
 */
function compactSpace(
  examples: SparseVector[],
  first: number[],
): { xs: SparseVector[]; full: number[] } {
  const at = new Map<number, number>(first.map((i, k) => [i, k]));
  const full = [...first];
  const xs = examples.map(({ indices, values }) => ({
    indices: indices.map((i) => {
      let k = at.get(i);
      if (k === undefined) {
        k = full.push(i) - 1;
        at.set(i, k);
      }
      return k;
    }),
    values,
  }));
  return { xs, full };
}

/** An example's match features appended after the paper's own (indices dims, dims + 1, …). */
function withMatch(x: SparseVector, example: TrainingExample, dims: number): SparseVector {
  const indices = [...x.indices];
  const values = [...x.values];
  example.match.forEach((value, j) => {
    if (value === 0) return;
    indices.push(dims + j);
    values.push(value);
  });
  return { indices, values };
}

/** What the model adds to a paper's logit for how it matches the reader (Match.features). */
export function matchLogit(model: ReaderModel, match: readonly number[]): number {
  let z = 0;
  for (let j = 0; j < model.match.length; j++) z += model.match[j]! * (match[j] ?? 0);
  return z;
}

/** Whether a model was trained in the space these features are in. */
export function fits(model: ReaderModel, features: Features): boolean {
  return model.space === features.space;
}

/**
 * The model's probability that the reader wants this paper (same space: see fits), from the
 * prior of its matches (0 = at the floor) and how it matches.
 */
export function modelScore(
  model: ReaderModel,
  features: Features,
  match: readonly number[] = [],
  prior = 0,
): number {
  const { dense } = features;
  const { indices, weights } = model;
  let z = prior + model.bias + matchLogit(model, match);
  for (let k = 0; k < indices.length; k++) z += weights[k]! * (dense[indices[k]!] ?? 0);
  return sigmoid(z);
}

/** Each feature's papers in an edition, by feature index: [position, value, position, value, …]. */
interface EditionIndex {
  postings: (number[] | undefined)[];
  positions: Map<object, number>;
}
const indexCache = new WeakMap<readonly object[], EditionIndex>();

function editionIndex<P extends object>(
  papers: readonly P[],
  features: (p: P) => Features,
): EditionIndex {
  let index = indexCache.get(papers);
  if (!index) {
    const postings: (number[] | undefined)[] = [];
    const positions = new Map<object, number>();
    papers.forEach((paper, position) => {
      positions.set(paper, position);
      const { indices, values } = features(paper).vector;
      for (let k = 0; k < indices.length; k++) {
        const list = postings[indices[k]!];
        if (list) list.push(position, values[k]!);
        else postings[indices[k]!] = [position, values[k]!];
      }
    });
    index = { postings, positions };
    indexCache.set(papers, index);
  }
  return index;
}

/**
 * The model's logit from a paper's text (bias included, match part not) for every paper of an
 * edition at once, through the edition's inverted index (built once per papers array and
 * shared by its readers): the cost is the model's weights times the few papers each feature
 * occurs in, not papers times weights. Returns a paper's logit (0 for a paper not in `papers`).
 */
export function editionLogits<P extends object>(
  model: ReaderModel,
  papers: readonly P[],
  features: (p: P) => Features,
): (paper: P) => number {
  const { postings, positions } = editionIndex(papers, features);
  const z = new Float64Array(papers.length).fill(model.bias);
  const { indices, weights } = model;
  for (let k = 0; k < indices.length; k++) {
    const list = postings[indices[k]!];
    if (!list) continue;
    const w = weights[k]!;
    for (let j = 0; j < list.length; j += 2) z[list[j]!]! += w * list[j + 1]!;
  }
  return (paper) => {
    const position = positions.get(paper);
    return position === undefined ? 0 : z[position]!;
  };
}

/** The liked paper most like this one (cosine of tf-idf), if any is close enough. */
export function closestLiked(
  model: ReaderModel,
  features: Features,
  paperId: string,
  minCosine = 0.1,
): LikedPaper | null {
  let best: LikedPaper | null = null;
  let bestCos = minCosine;
  const { dense } = features;
  for (const liked of model.liked) {
    if (liked.id === paperId) continue;
    let cos = 0;
    for (let k = 0; k < liked.indices.length; k++) {
      cos += liked.values[k]! * (dense[liked.indices[k]!] ?? 0);
    }
    if (cos > bestCos) [best, bestCos] = [liked, cos];
  }
  return best;
}

/** A stored model read back, or null for anything that is not one (never throws). */
export function asReaderModel(value: unknown): ReaderModel | null {
  if (typeof value !== "object" || value === null) return null;
  const m = value as Partial<ReaderModel>;
  const format = m.format as number;
  if (format !== 2 && format !== 3) return null;
  if (typeof m.bias !== "number" || typeof m.space !== "string") return null;
  if (!Array.isArray(m.indices) || !Array.isArray(m.weights)) return null;
  if (m.indices.length !== m.weights.length) return null;
  // A format-2 model (before match weights) scores as if every match weight were 0.
  const match = format === 3 && Array.isArray(m.match) ? m.match : [];
  return {
    format: 3,
    space: m.space,
    bias: m.bias,
    indices: m.indices,
    weights: m.weights,
    match: MATCH_FEATURES.map((_, j) => (typeof match[j] === "number" ? match[j] : 0)),
    liked: Array.isArray(m.liked) ? m.liked : [],
  };
}

/** The `count` largest tf-idf features (and every topic-lexicon one, when asked). */
function strongestPart(features: PaperVector, count: number, withTopics: boolean): SparseVector {
  const grams: number[] = [];
  const topics: number[] = [];
  const { indices, values } = features.vector;
  for (let k = 0; k < indices.length; k++) {
    (indices[k]! < features.lexiconFrom ? grams : topics).push(k);
  }
  grams.sort((a, b) => values[b]! - values[a]! || indices[a]! - indices[b]!);
  const kept = withTopics ? [...grams.slice(0, count), ...topics] : grams.slice(0, count);
  return { indices: kept.map((k) => indices[k]!), values: kept.map((k) => values[k]!) };
}

function likedPart(features: PaperVector): { indices: number[]; values: number[] } {
  const part = strongestPart(features, LIKED_FEATURES, false);
  const norm = Math.sqrt(part.values.reduce((sum, v) => sum + v * v, 0)) || 1;
  return { indices: part.indices, values: part.values.map((v) => round(v / norm)) };
}

const round = (x: number) => Number(x.toFixed(DIGITS));
