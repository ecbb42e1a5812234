/**
 * The trained topic model as data: its feature space, one logistic regression per topic with
 * a decision threshold, and how many topics a paper may get. It is shipped as
 * data/models/topics.json (written by `npm run train:topics`), loaded once by the process
 * that classifies and passed in; scoring is a pure function of (model, paper).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { dot, type SparseVector } from "./logistic.ts";
import type { ClassifiablePaper, TopicScore } from "./paper.ts";
import {
  dimensions,
  type FeatureSpace,
  gramsOf,
  paperLexicon,
  paperTerms,
  textVector,
} from "./topic-features.ts";
import { compileLexicon, type LexiconEntry } from "./topic-lexicon.ts";

export interface TopicModel {
  space: FeatureSpace;
  topics: {
    slug: string;
    bias: number;
    threshold: number;
    /**
     * The topic is also given when its lexicon score reaches this (Infinity: never): a rule
     * kept per topic where cross-validation found it adds to the model (few labelled papers).
     */
    lexiconMin: number;
    weights: Float64Array;
  }[];
  /** At most this many topics per paper. */
  maxTopics: number;
  /**
   * When no topic reaches its threshold, the best one is still given if its probability is at
   * least this share of its threshold (Infinity: never). Few labelled papers have no topic.
   */
  fallback: number;
  /** The lexicon as written (space.lexicon is it compiled), kept so the file is self-contained. */
  lexicon: Record<string, LexiconEntry>;
}

export const SHIPPED_MODEL_FILE = fileURLToPath(
  new URL("../../data/models/topics.json", import.meta.url),
);

/** Each topic's probability for a paper, in the model's topic order. */
export function topicProbabilities(model: TopicModel, paper: ClassifiablePaper): number[] {
  return topicEvidence(model, paper).probabilities;
}

/** What the decision looks at: each topic's probability and lexicon score, in topic order. */
export interface TopicEvidence {
  probabilities: number[];
  lexicon: number[];
  /** The paper's features in the model's space (paperVector's answer). */
  vector: SparseVector;
}

export function topicEvidence(model: TopicModel, paper: ClassifiablePaper): TopicEvidence {
  const text = paperTerms(paper);
  const lexicon = paperLexicon(text, paper, model.space);
  const x = textVector(gramsOf(text, model.space.options), lexicon, model.space);
  const probabilities = model.topics.map((t) => 1 / (1 + Math.exp(-(dot(t.weights, x) + t.bias))));
  return { probabilities, lexicon, vector: x };
}

/**
 * Topics over their threshold or lexicon rule, most probable first, each scored with its
 * probability. Without lexicon scores only the thresholds decide.
 */
export function decideTopics(
  model: TopicModel,
  probabilities: number[],
  lexicon: number[] = [],
): TopicScore[] {
  const ranked = model.topics
    .map((t, i) => ({
      slug: t.slug,
      score: probabilities[i]!,
      ratio: Math.max(probabilities[i]! / t.threshold, (lexicon[i] ?? 0) >= t.lexiconMin ? 1 : 0),
    }))
    .sort((a, b) => b.ratio - a.ratio || a.slug.localeCompare(b.slug));
  let chosen = ranked.filter((t) => t.ratio >= 1);
  if (chosen.length === 0 && ranked[0] && ranked[0].ratio >= model.fallback) chosen = [ranked[0]];
  return chosen
    .slice(0, model.maxTopics)
    .map(({ slug, score }) => ({ slug, score }))
    .sort((a, b) => b.score - a.score || a.slug.localeCompare(b.slug));
}

// --- the file format ---------------------------------------------------------------------

const FORMAT = "paperboy-topic-model/1";
const finite = z.number().refine(Number.isFinite, "is not a finite number");

const fileSchema = z.object({
  format: z.literal(FORMAT),
  features: z.object({
    title: finite,
    keywords: finite,
    abstract: finite,
    // Absent in files written before contribution sentences were weighed: none.
    claims: finite.default(0),
    lexicon: finite,
  }),
  maxTopics: z.number().int().positive(),
  fallback: z.number().nullable(),
  topics: z.array(
    z.object({
      slug: z.string(),
      bias: finite,
      threshold: finite.positive(),
      lexiconMin: finite.nullable().default(null),
    }),
  ),
  /** The phrases and categories the lexicon features were trained with (topic-lexicon.ts). */
  lexicon: z.record(
    z.string(),
    z.object({
      core: z.array(z.string()),
      broad: z.array(z.string()),
      categories: z.array(z.string()),
    }),
  ),
  /** One row per gram: [gram, idf, weight of topic 0, weight of topic 1, …]. */
  terms: z.array(z.tuple([z.string(), finite], finite)),
  /** One row per topic's lexicon score: ["<slug>", weight of topic 0, …]. */
  evidence: z.array(z.tuple([z.string()], finite)),
});

/** Significant digits kept in the file; training rounds to them, so a reload scores the same. */
export const DIGITS = 5;
export const round = (x: number) => Number(x.toPrecision(DIGITS));

/** The model as file text: one line per gram, so a retrain's diff reads term by term. */
export function serialiseTopicModel(model: TopicModel): string {
  const { space, topics } = model;
  const terms = [...space.index].map(([gram, i]) => [
    gram,
    space.idf[i]!,
    ...topics.map((t) => t.weights[i]!),
  ]);
  const base = space.idf.length;
  const evidence = space.options.lexicon
    ? space.lexicon.map((entry, r) => [entry.slug, ...topics.map((t) => t.weights[base + r]!)])
    : [];
  const head = {
    format: FORMAT,
    features: space.options,
    maxTopics: model.maxTopics,
    fallback: Number.isFinite(model.fallback) ? model.fallback : null,
    topics: topics.map(({ slug, bias, threshold, lexiconMin }) => ({
      slug,
      bias,
      threshold,
      lexiconMin: Number.isFinite(lexiconMin) ? lexiconMin : null,
    })),
    lexicon: model.lexicon,
  };
  const rows = (name: string, list: unknown[][]) =>
    `  "${name}": [\n${list.map((r) => `    ${JSON.stringify(r)}`).join(",\n")}\n  ]`;
  const headText = JSON.stringify(head, null, 2).slice(0, -2);
  return `${headText},\n${rows("terms", terms)},\n${rows("evidence", evidence)}\n}\n`;
}

/** Parse model file text; a damaged or foreign file gets a one-line error. */
export function parseTopicModel(text: string): TopicModel {
  const parsed = fileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`not a topic model: ${issue.path.join(".")} ${issue.message}`);
  }
  const file = parsed.data;
  const width = file.topics.length;
  if (file.terms.some((row) => row.length !== 2 + width)) {
    throw new Error(`not a topic model: terms rows must have ${2 + width} entries`);
  }
  const lexiconRows = file.features.lexicon > 0 ? width : 0;
  if (file.evidence.length !== lexiconRows || file.evidence.some((r) => r.length !== 1 + width)) {
    throw new Error(`not a topic model: evidence must be ${lexiconRows} rows of ${1 + width}`);
  }
  const space: FeatureSpace = {
    options: file.features,
    index: new Map(file.terms.map((row, i) => [row[0], i])),
    idf: Float64Array.from(file.terms, (row) => row[1]),
    lexicon: compileLexicon(
      file.topics.map((t) => t.slug),
      file.lexicon,
    ),
  };
  const size = dimensions(space);
  const topics = file.topics.map((t, j) => {
    const weights = new Float64Array(size);
    file.terms.forEach((row, i) => {
      weights[i] = (row as unknown as number[])[2 + j] ?? 0;
    });
    file.evidence.forEach((row, e) => {
      weights[space.idf.length + e] = (row as unknown as number[])[1 + j] ?? 0;
    });
    return { ...t, lexiconMin: t.lexiconMin ?? Infinity, weights };
  });
  return {
    space,
    topics,
    maxTopics: file.maxTopics,
    fallback: file.fallback ?? Infinity,
    lexicon: file.lexicon,
  };
}

/** Read the shipped model (or another file); call once per process and pass it down. */
export function loadTopicModel(file = SHIPPED_MODEL_FILE): TopicModel {
  try {
    return parseTopicModel(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`topic model ${file}: ${(error as Error).message}`);
  }
}
