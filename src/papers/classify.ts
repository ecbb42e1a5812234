/**
 * Topic classification: which of the curated topics (taxonomy.ts) a paper is about. A learned
 * model decides (topic-model.ts: tf-idf + lexicon scores, one logistic regression per topic,
 * trained on data/labels by `npm run train:topics`). The keyword rules it replaced remain only
 * as its baseline, in scripts/topics-baseline.ts. Pure: the caller loads the model once.
 */
import type { SparseVector } from "./logistic.ts";
import type { ClassifiablePaper, TopicScore } from "./paper.ts";
import { decideTopics, type TopicModel, topicEvidence } from "./topic-model.ts";

/** A paper's topics (classifyPaper) and its features in the model's space, stored at ingest. */
export interface PaperIndex {
  topics: TopicScore[];
  vector: SparseVector;
}

export function indexPaper(model: TopicModel, paper: ClassifiablePaper): PaperIndex {
  const { probabilities, lexicon, vector } = topicEvidence(model, paper);
  return { topics: decideTopics(model, probabilities, lexicon), vector };
}

/** The topics a paper is about, most probable first; may be empty, at most the model's max. */
export function classifyPaper(model: TopicModel, paper: ClassifiablePaper): TopicScore[] {
  return indexPaper(model, paper).topics;
}
