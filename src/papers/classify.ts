/**
 * Topic classification: which of the curated topics (taxonomy.ts) a paper is about. A learned
 * model decides (topic-model.ts: tf-idf + lexicon scores, one logistic regression per topic,
 * trained on data/labels by `npm run train:topics`). The keyword rules it replaced remain only
 * as its baseline, in scripts/topics-baseline.ts. Pure: the caller loads the model once.
 */
import type { ClassifiablePaper, TopicScore } from "./paper.ts";
import { decideTopics, type TopicModel, topicEvidence } from "./topic-model.ts";

/** The topics a paper is about, most probable first; may be empty, at most the model's max. */
export function classifyPaper(model: TopicModel, paper: ClassifiablePaper): TopicScore[] {
  const { probabilities, lexicon } = topicEvidence(model, paper);
  return decideTopics(model, probabilities, lexicon);
}
