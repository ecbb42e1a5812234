/**
 * Training the topic model from labelled papers: fit the feature space, one logistic
 * regression per topic, then choose each topic's threshold (and the no-topic fallback) on
 * out-of-fold probabilities, so nothing is tuned on papers a model has seen. Pure and
 * deterministic: the same labels and options give the same model, number for number.
 */
import { classifyPaper } from "./classify.ts";
import { type LogisticOptions, trainLogistic } from "./logistic.ts";
import type { ClassifiablePaper } from "./paper.ts";
import {
  buildVocabulary,
  dimensions,
  type FeatureOptions,
  type FeatureSpace,
  gramsOf,
  paperLexicon,
  paperTerms,
  textVector,
} from "./topic-features.ts";
import { compileLexicon, type LexiconEntry, TOPIC_LEXICON } from "./topic-lexicon.ts";
import { evaluateTopics } from "./topic-metrics.ts";
import { decideTopics, round, type TopicModel, topicProbabilities } from "./topic-model.ts";

export interface LabelledPaper {
  id: string;
  paper: ClassifiablePaper;
  topics: string[];
}

export interface TrainingOptions {
  features: FeatureOptions;
  /** A gram enters the vocabulary when at least this many training papers have it … */
  minDf: number;
  /** … and at most this share of them. */
  maxDfShare: number;
  logistic: LogisticOptions;
  /** Share of l2 on each topic's own lexicon score (1: like every other feature). */
  ownLexiconPenalty: number;
  /** Folds of the cross-validation that chooses thresholds. */
  folds: number;
  /** Thresholds aim at this out-of-fold precision, then at the best F1. */
  minPrecision: number;
  maxTopics: number;
  /** Fallback ratios tried (see TopicModel.fallback); the best out-of-fold micro-F1 wins. */
  fallbacks: number[];
  /** Lexicon-score minimums tried as each topic's rule (TopicModel lexiconMin); [] = none. */
  lexiconRules: number[];
}

/** Chosen by cross-validation on the training part only (docs/TOPICS.md, `npm run bench -- topics`). */
export const DEFAULT_TRAINING: TrainingOptions = {
  features: { title: 3, keywords: 2, abstract: 1, claims: 1, lexicon: 0.25 },
  minDf: 3,
  maxDfShare: 0.5,
  logistic: { l2: 1e-3, iterations: 200, balanced: true },
  ownLexiconPenalty: 0.1,
  folds: 5,
  minPrecision: 0.75,
  maxTopics: 4,
  fallbacks: [Infinity, 1, 0.75, 0.5, 0.25],
  lexiconRules: [],
};

/** Train on every given paper; thresholds from `folds`-fold out-of-fold probabilities. */
export function trainTopicModel(
  labelled: LabelledPaper[],
  slugs: string[],
  options: TrainingOptions = DEFAULT_TRAINING,
): TopicModel {
  const model = fitTopicModel(labelled, slugs, options);
  const scores = outOfFoldProbabilities(labelled, slugs, options);
  return chooseDecision(model, labelled, scores, options);
}

/** Set a fitted model's thresholds and fallback from out-of-fold `scores` of `labelled`. */
export function chooseDecision(
  model: TopicModel,
  labelled: LabelledPaper[],
  scores: number[][],
  options: Pick<TrainingOptions, "minPrecision" | "fallbacks" | "lexiconRules">,
): TopicModel {
  // The lexicon is written, not learned: scoring the training papers with it leaks nothing.
  const lexicon = labelled.map((l) => paperLexicon(paperTerms(l.paper), l.paper, model.space));
  model.topics.forEach((topic, j) => {
    const truth = labelled.map((l) => l.topics.includes(topic.slug));
    const probabilities = scores.map((s) => s[j]!);
    topic.threshold = round(chooseThreshold(probabilities, truth, options.minPrecision));
    const byModel = probabilities.map((p) => p >= topic.threshold);
    topic.lexiconMin = chooseLexiconRule(
      byModel,
      lexicon.map((l) => l[j]!),
      truth,
      options,
    );
  });
  model.fallback = chooseFallback(model, labelled, scores, lexicon, options.fallbacks);
  return model;
}

/**
 * The lexicon minimum whose rule, added to the model's decisions, gives the best F1 at or over
 * the precision floor; Infinity (no rule) unless one does strictly better than the model alone.
 */
export function chooseLexiconRule(
  byModel: boolean[],
  lexicon: number[],
  truth: boolean[],
  options: Pick<TrainingOptions, "minPrecision" | "lexiconRules">,
): number {
  const f1Of = (minimum: number) => {
    let tp = 0;
    let predicted = 0;
    byModel.forEach((given, i) => {
      if (!given && lexicon[i]! < minimum) return;
      predicted++;
      if (truth[i]) tp++;
    });
    const positives = truth.filter(Boolean).length;
    const precise = predicted === 0 || tp / predicted >= options.minPrecision;
    return precise && positives > 0 ? (2 * tp) / (predicted + positives) : -1;
  };
  let best = { minimum: Infinity, f1: f1Of(Infinity) };
  for (const minimum of options.lexiconRules) {
    const f1 = f1Of(minimum);
    if (f1 > best.f1) best = { minimum, f1 };
  }
  return best.minimum;
}

/** Fit the space and the regressions; thresholds 0.5, no fallback (trainTopicModel sets them). */
export function fitTopicModel(
  labelled: LabelledPaper[],
  slugs: string[],
  options: TrainingOptions,
): TopicModel {
  const texts = labelled.map((l) => paperTerms(l.paper));
  const bags = texts.map((text) => gramsOf(text, options.features));
  const vocabulary = buildVocabulary(bags, options.minDf, options.maxDfShare);
  const lexicon: Record<string, LexiconEntry> = {};
  for (const slug of slugs) if (TOPIC_LEXICON[slug]) lexicon[slug] = TOPIC_LEXICON[slug];
  const space: FeatureSpace = {
    options: options.features,
    index: new Map(vocabulary.terms.map((gram, i) => [gram, i])),
    idf: Float64Array.from(vocabulary.idf, round),
    lexicon: compileLexicon(slugs, lexicon),
  };
  const xs = labelled.map((l, i) =>
    textVector(bags[i]!, paperLexicon(texts[i]!, l.paper, space), space),
  );
  const size = dimensions(space);
  const topics = slugs.map((slug, t) => {
    const ys = labelled.map((l) => l.topics.includes(slug));
    // A topic's own lexicon score is prior knowledge: penalise its weight less than the rest.
    const own = new Map(
      options.features.lexicon > 0 ? [[space.idf.length + t, options.ownLexiconPenalty]] : [],
    );
    const fitted = trainLogistic(xs, ys, size, options.logistic, own);
    return {
      slug,
      bias: round(fitted.bias),
      threshold: 0.5,
      lexiconMin: Infinity,
      weights: Float64Array.from(fitted.weights, round),
    };
  });
  return { space, topics, maxTopics: options.maxTopics, fallback: Infinity, lexicon };
}

/** Deterministic folds: papers in id order, dealt round-robin. */
export function foldOf(labelled: { id: string }[], folds: number): number[] {
  const order = labelled.map((l, i) => ({ id: l.id, i })).sort((a, b) => (a.id < b.id ? -1 : 1));
  const fold = new Array<number>(labelled.length);
  order.forEach(({ i }, rank) => {
    fold[i] = rank % folds;
  });
  return fold;
}

/** For each paper, every topic's probability from a model fitted without that paper's fold. */
export function outOfFoldProbabilities(
  labelled: LabelledPaper[],
  slugs: string[],
  options: TrainingOptions,
): number[][] {
  return perFold(labelled, options.folds, (part) => {
    const model = fitTopicModel(part, slugs, options);
    return (paper) => topicProbabilities(model, paper);
  });
}

/**
 * For each fold: `train` on the other folds, then apply what it returns to the fold's papers.
 * The answers come back in the input's order.
 */
function perFold<T>(
  labelled: LabelledPaper[],
  folds: number,
  train: (part: LabelledPaper[]) => (paper: ClassifiablePaper) => T,
): T[] {
  const fold = foldOf(labelled, folds);
  const answers = new Array<T>(labelled.length);
  for (let f = 0; f < folds; f++) {
    const apply = train(labelled.filter((_, i) => fold[i] !== f));
    labelled.forEach((l, i) => {
      if (fold[i] === f) answers[i] = apply(l.paper);
    });
  }
  return answers;
}

/**
 * The threshold with the best F1 among those reaching `minPrecision`; ties go to the higher
 * threshold (fewer false positives). When none does (a topic with too few labelled papers to
 * learn), 1: the topic is then only ever given as a paper's fallback, since a wrong topic
 * costs a reader more than a missed one.
 */
export function chooseThreshold(scores: number[], truth: boolean[], minPrecision: number): number {
  const ranked = scores.map((s, i) => ({ s, y: truth[i]! })).sort((a, b) => b.s - a.s);
  const positives = ranked.filter((r) => r.y).length;
  let best = { threshold: 1, f1: -1 };
  let tp = 0;
  for (let k = 0; k < ranked.length; k++) {
    if (ranked[k]!.y) tp++;
    // Only cut between distinct scores: everything down to ranked[k] is predicted positive.
    if (k + 1 < ranked.length && ranked[k + 1]!.s === ranked[k]!.s) continue;
    const precision = tp / (k + 1);
    const f1 = positives ? (2 * tp) / (k + 1 + positives) : 0;
    if (precision < minPrecision || f1 <= best.f1) continue;
    best = { threshold: (ranked[k]!.s + (ranked[k + 1]?.s ?? 0)) / 2, f1 };
  }
  return Math.min(Math.max(best.threshold, 1e-6), 1);
}

function chooseFallback(
  model: TopicModel,
  labelled: LabelledPaper[],
  scores: number[][],
  lexicon: number[][],
  fallbacks: number[],
): number {
  let best = { fallback: Infinity, f1: -1 };
  for (const fallback of fallbacks) {
    const trial = { ...model, fallback };
    const predicted = scores.map((s, i) => decideTopics(trial, s, lexicon[i]).map((t) => t.slug));
    const { micro } = evaluateTopics(
      labelled.map((l) => l.topics),
      predicted,
      model.topics.map((t) => t.slug),
    );
    if (micro.f1 > best.f1) best = { fallback, f1: micro.f1 };
  }
  return best.fallback;
}

/** Cross-validated predictions: each paper's topics from a model trained without its fold. */
export function crossValidatedTopics(
  labelled: LabelledPaper[],
  slugs: string[],
  options: TrainingOptions = DEFAULT_TRAINING,
): string[][] {
  return perFold(labelled, options.folds, (part) => {
    const model = trainTopicModel(part, slugs, options);
    return (paper) => classifyPaper(model, paper).map((t) => t.slug);
  });
}
