/**
 * A reader's own relevance model: class-balanced logistic regression over a paper's tf-idf
 * unigrams and bigrams (title, AI keywords, abstract) plus its topic-lexicon scores, in the
 * feature space of the shipped topic model (src/papers/topic-features.ts), trained on the
 * reader's votes ("more like this" = positive, "less like this" = negative) and, as weak
 * negatives, papers they were sent and did not vote on. Pure functions on plain data. Weights
 * are stored by feature index with the space's fingerprint: a model trained in another
 * vocabulary (a retrained topic model) is ignored until the reader's next retraining.
 */
import { createHash } from "node:crypto";
import type { ClassifiablePaper } from "../papers/classify.ts";
import { type SparseVector, sigmoid, trainLogistic } from "../papers/logistic.ts";
import { dimensions, type FeatureSpace, paperVector } from "../papers/topic-features.ts";

/** A paper in a feature space: its sparse vector, and its unit tf-idf part as a dense array. */
export interface Features {
  space: string;
  dims: number;
  vector: SparseVector;
  /** The vector by index (the tf-idf part has unit length), for model scores and cosines. */
  dense: Float32Array;
  /** Where the topic-lexicon features start (the tf-idf part is below). */
  lexiconFrom: number;
}

export interface LikedPaper {
  id: string;
  title: string;
  /** Its strongest tf-idf features, scaled to unit length, for "like: <title>". */
  indices: number[];
  values: number[];
}

export interface ReaderModel {
  format: 2;
  /** Fingerprint of the feature space the weights index into. */
  space: string;
  bias: number;
  indices: number[];
  weights: number[];
  /** The latest liked papers, newest first. */
  liked: LikedPaper[];
}

export interface TrainingExample {
  paper: { id: string; title: string };
  features: Features;
  /** 1 more like this, -1 less like this, 0 sent and not voted on (a weak negative). */
  vote: 1 | -1 | 0;
}

/**
 * A light penalty: a reader's few dozen votes are all the evidence there is, and a heavy one
 * squeezed every score towards 0.5 so the relevance floor could not tell papers apart.
 */
const OPTIONS = { l2: 0.002, iterations: 100, balanced: true } as const;
/** Each example's strongest features that training looks at (keeps a training < 50 ms). */
const TRAINING_FEATURES = 60;
/** Weak negatives count at most this many times the explicit votes. */
const WEAK_NEGATIVES_PER_VOTE = 2;
/** A model keeps its largest weights only: scoring a paper costs one read per weight. */
const MODEL_WEIGHTS = 300;
const LIKED_KEPT = 20;
const LIKED_FEATURES = 40;
const DIGITS = 4;

const fingerprints = new WeakMap<FeatureSpace, string>();

/** A short fingerprint of a space's vocabulary and lexicon (computed once per space). */
export function spaceId(space: FeatureSpace): string {
  let id = fingerprints.get(space);
  if (!id) {
    const hash = createHash("sha256");
    for (const term of space.index.keys()) hash.update(term).update("\n");
    for (const entry of space.lexicon) hash.update(`topic:${entry.slug}\n`);
    id = hash.digest("base64url").slice(0, 16);
    fingerprints.set(space, id);
  }
  return id;
}

const cache = new WeakMap<object, Features>();

/** A paper's features (cached per paper object: an edition's papers are shared by readers). */
export function paperFeatures(paper: ClassifiablePaper, space: FeatureSpace): Features {
  let features = cache.get(paper);
  if (!features) {
    const vector = paperVector(paper, space);
    const dims = dimensions(space);
    const dense = new Float32Array(dims);
    for (let k = 0; k < vector.indices.length; k++) dense[vector.indices[k]!] = vector.values[k]!;
    features = { space: spaceId(space), dims, vector, dense, lexiconFrom: space.idf.length };
    cache.set(paper, features);
  }
  return features;
}

/**
 * Train a reader's model from their votes. With only likes (or only dislikes) an all-zero
 * example of the other class anchors the bias, so the weights, not the bias, carry the signal.
 */
export function trainReaderModel(examples: TrainingExample[]): ReaderModel | null {
  const voted = examples.filter((e) => e.vote !== 0);
  if (voted.length === 0) return null;
  const weak = examples
    .filter((e) => e.vote === 0)
    .slice(0, WEAK_NEGATIVES_PER_VOTE * voted.length);
  const used = [...voted, ...weak];
  const { space, dims } = voted[0]!.features;
  const xs = used.map((e) => strongestPart(e.features, TRAINING_FEATURES, true));
  const ys = used.map((e) => e.vote === 1);
  for (const label of [true, false]) {
    if (ys.includes(label)) continue;
    ys.push(label);
    xs.push({ indices: [], values: [] });
  }
  const fitted = trainLogistic(xs, ys, dims, OPTIONS);
  const kept = [...fitted.weights.keys()]
    .filter((i) => round(fitted.weights[i]!) !== 0)
    .sort((a, b) => Math.abs(fitted.weights[b]!) - Math.abs(fitted.weights[a]!) || a - b)
    .slice(0, MODEL_WEIGHTS)
    .sort((a, b) => a - b);
  const indices = kept;
  const weights = kept.map((i) => round(fitted.weights[i]!));
  const liked = voted
    .filter((e) => e.vote === 1)
    .slice(0, LIKED_KEPT)
    .map((e) => ({ id: e.paper.id, title: e.paper.title, ...likedPart(e.features) }));
  return { format: 2, space, bias: round(fitted.bias), indices, weights, liked };
}

/** Whether a model was trained in the space these features are in. */
export function fits(model: ReaderModel, features: Features): boolean {
  return model.space === features.space;
}

/** The model's probability that the reader wants this paper (same space: see fits). */
export function modelScore(model: ReaderModel, features: Features): number {
  const { dense } = features;
  const { indices, weights } = model;
  let z = model.bias;
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
 * modelScore for every paper of an edition at once, through the edition's inverted index
 * (built once per papers array and shared by its readers): the cost is the model's weights
 * times the few papers each feature occurs in, not papers times weights. Returns a paper's
 * score (0.5 for a paper not in `papers`).
 */
export function editionScores<P extends object>(
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
    return position === undefined ? 0.5 : sigmoid(z[position]!);
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
  if (m.format !== 2 || typeof m.bias !== "number" || typeof m.space !== "string") return null;
  if (!Array.isArray(m.indices) || !Array.isArray(m.weights)) return null;
  if (m.indices.length !== m.weights.length) return null;
  return {
    format: 2,
    space: m.space,
    bias: m.bias,
    indices: m.indices,
    weights: m.weights,
    liked: Array.isArray(m.liked) ? m.liked : [],
  };
}

/** The `count` largest tf-idf features (and every topic-lexicon one, when asked). */
function strongestPart(features: Features, count: number, withTopics: boolean): SparseVector {
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

function likedPart(features: Features): { indices: number[]; values: number[] } {
  const part = strongestPart(features, LIKED_FEATURES, false);
  const norm = Math.sqrt(part.values.reduce((sum, v) => sum + v * v, 0)) || 1;
  return { indices: part.indices, values: part.values.map((v) => round(v / norm)) };
}

const round = (x: number) => Number(x.toFixed(DIGITS));
