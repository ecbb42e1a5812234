/**
 * Topic classification: which of the curated topics (taxonomy.ts) a paper is about. A learned
 * model decides (topic-model.ts: tf-idf + lexicon scores, one logistic regression per topic,
 * trained on data/labels by `npm run train:topics`). The keyword rules it replaced remain only
 * as its baseline, in scripts/topics-baseline.ts. Pure: the caller loads the model once.
 */
import { decideTopics, type TopicModel, topicEvidence } from "./topic-model.ts";

export interface ClassifiablePaper {
  title: string;
  abstract: string;
  ai_keywords: string[];
  arxiv_categories: string[];
}

export interface TopicScore {
  slug: string;
  /** The model's probability that the paper is about the topic, in (0, 1]. */
  score: number;
}

/** The topics a paper is about, most probable first; may be empty, at most the model's max. */
export function classifyPaper(model: TopicModel, paper: ClassifiablePaper): TopicScore[] {
  const { probabilities, lexicon } = topicEvidence(model, paper);
  return decideTopics(model, probabilities, lexicon);
}
