/**
 * A reader's own relevance model: class-balanced logistic regression over a paper's tf-idf
 * unigrams and bigrams (title, AI keywords, abstract) plus its topic-lexicon scores, in the
 * feature space of the shipped topic model (src/papers/topic-features.ts), trained on the
 * reader's votes ("more like this" = positive, "less like this" = negative) and, as weak
 * negatives, papers they were sent and did not vote on. Pure functions on plain data; the
 * stored form keys weights by feature name, so a retrained vocabulary never misreads them.
 */
import type { ClassifiablePaper } from "../papers/classify.ts";
import { type SparseVector, sigmoid, trainLogistic } from "../papers/logistic.ts";
import { type FeatureSpace, paperVector } from "../papers/topic-features.ts";

/** A paper as named features: vocabulary grams, and "topic:<slug>" for lexicon scores. */
export type Features = Map<string, number>;

export interface LikedPaper {
  id: string;
  title: string;
  /** Its strongest features, for "like: <title>" (cosine with a candidate). */
  features: Record<string, number>;
}

export interface ReaderModel {
  format: 1;
  bias: number;
  weights: Record<string, number>;
  /** The latest liked papers, newest first. */
  liked: LikedPaper[];
}

export interface TrainingExample {
  paper: { id: string; title: string };
  features: Features;
  /** 1 more like this, -1 less like this, 0 sent and not voted on (a weak negative). */
  vote: 1 | -1 | 0;
}

const OPTIONS = { l2: 0.05, iterations: 100, balanced: true } as const;
/** Each example's strongest features that training looks at (keeps a training < 50 ms). */
const TRAINING_FEATURES = 60;
/** Weak negatives count at most this many times the explicit votes. */
const WEAK_NEGATIVES_PER_VOTE = 2;
const LIKED_KEPT = 20;
const LIKED_FEATURES = 40;
const DIGITS = 4;

const names = new WeakMap<FeatureSpace, string[]>();

/** Feature names of a space, in index order (computed once per space). */
function featureNames(space: FeatureSpace): string[] {
  let list = names.get(space);
  if (!list) {
    list = [...space.index.keys()];
    if (space.options.lexicon > 0) for (const e of space.lexicon) list.push(`topic:${e.slug}`);
    names.set(space, list);
  }
  return list;
}

const cache = new WeakMap<object, Features>();

/** A paper's named features (cached per paper object: an edition's papers are shared). */
export function paperFeatures(paper: ClassifiablePaper, space: FeatureSpace): Features {
  let features = cache.get(paper);
  if (!features) {
    const vector = paperVector(paper, space);
    const list = featureNames(space);
    features = new Map();
    for (let k = 0; k < vector.indices.length; k++) {
      features.set(list[vector.indices[k]!]!, vector.values[k]!);
    }
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
  const index = new Map<string, number>();
  const xs: SparseVector[] = used.map((e) => {
    const x: SparseVector = { indices: [], values: [] };
    for (const [name, value] of strongestEntries(e.features, TRAINING_FEATURES, true)) {
      let i = index.get(name);
      if (i === undefined) {
        i = index.size;
        index.set(name, i);
      }
      x.indices.push(i);
      x.values.push(value);
    }
    return x;
  });
  const ys = used.map((e) => e.vote === 1);
  for (const label of [true, false]) {
    if (ys.includes(label)) continue;
    ys.push(label);
    xs.push({ indices: [], values: [] });
  }
  const fitted = trainLogistic(xs, ys, index.size, OPTIONS);
  const weights: Record<string, number> = {};
  for (const [name, i] of index) {
    const w = round(fitted.weights[i]!);
    if (w !== 0) weights[name] = w;
  }
  const liked = voted
    .filter((e) => e.vote === 1)
    .slice(0, LIKED_KEPT)
    .map((e) => ({ id: e.paper.id, title: e.paper.title, features: strongest(e.features) }));
  return { format: 1, bias: round(fitted.bias), weights, liked };
}

/** The model's probability that the reader wants this paper. */
export function modelScore(model: ReaderModel, features: Features): number {
  let z = model.bias;
  for (const [name, value] of features) z += (model.weights[name] ?? 0) * value;
  return sigmoid(z);
}

/** The liked paper most like this one (cosine of their features), if any is close enough. */
export function closestLiked(
  model: ReaderModel,
  features: Features,
  paperId: string,
  minCosine = 0.1,
): LikedPaper | null {
  let best: LikedPaper | null = null;
  let bestCos = minCosine;
  let own = 0;
  for (const value of features.values()) own += value * value;
  for (const liked of model.liked) {
    if (liked.id === paperId) continue;
    let dotProduct = 0;
    let normSq = 0;
    for (const [name, value] of Object.entries(liked.features)) {
      normSq += value * value;
      dotProduct += value * (features.get(name) ?? 0);
    }
    const cos = dotProduct / (Math.sqrt(normSq * own) || 1);
    if (cos > bestCos) [best, bestCos] = [liked, cos];
  }
  return best;
}

/** A stored model read back, or null for anything that is not one (never throws). */
export function asReaderModel(value: unknown): ReaderModel | null {
  if (typeof value !== "object" || value === null) return null;
  const m = value as Partial<ReaderModel>;
  if (m.format !== 1 || typeof m.bias !== "number" || typeof m.weights !== "object") return null;
  return { format: 1, bias: m.bias, weights: m.weights ?? {}, liked: m.liked ?? [] };
}

/** The `count` largest features (topic-lexicon ones too, beyond the count, when asked). */
function strongestEntries(features: Features, count: number, withTopics: boolean) {
  const grams: [string, number][] = [];
  const topics: [string, number][] = [];
  for (const entry of features) (entry[0].startsWith("topic:") ? topics : grams).push(entry);
  grams.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const top = grams.slice(0, count);
  return withTopics ? [...top, ...topics] : top;
}

function strongest(features: Features): Record<string, number> {
  const top = strongestEntries(features, LIKED_FEATURES, false);
  return Object.fromEntries(top.map(([name, value]) => [name, round(value)]));
}

const round = (x: number) => Number(x.toFixed(DIGITS));
