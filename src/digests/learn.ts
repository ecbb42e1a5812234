import { spaceId } from "../papers/topic-features.ts";
import { loadTopicModel, type TopicModel } from "../papers/topic-model.ts";
import type { Deps } from "../platform/deps.ts";
import { enqueue, type JobHandlers, type Queues } from "../platform/queues.ts";
import { readerContexts, saveReaderModel } from "../subscribers/repository.ts";
import { type Match, priorLogit, type ReaderInterests, readerMatcher } from "./match.ts";
import {
  type PaperVector,
  paperFeatures,
  type ReaderModel,
  storedVector,
  trainReaderModel,
} from "./reader-model.ts";
import { type TrainingPaper, trainingPapers } from "./repository.ts";

/**
 * Retraining a reader's model after their votes: each vote (re)schedules one job a few seconds
 * later (BullMQ debounce: the same deduplication id extends the delay and replaces the job),
 * so a reader clicking through a digest costs one training, not one per click.
 */
export const RETRAIN_DELAY_MS = 5_000;

export function scheduleRetraining(
  queues: Queues,
  subscriberId: number,
  delayMs = RETRAIN_DELAY_MS,
) {
  const id = `train-reader-model:${subscriberId}`;
  return enqueue(
    queues,
    "train-reader-model",
    { subscriberId },
    {
      delay: delayMs,
      deduplication: { id, ttl: delayMs, extend: true, replace: true },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 1000 },
      attempts: 3,
      backoff: { type: "exponential", delay: 2_000 },
    },
  );
}

const matchOf = (m: Match, ticked: boolean) => ({
  match: m.matchFeatures,
  prior: priorLogit(m, ticked),
});

/** A training paper's features: as stored at ingest when in this model's space, else computed. */
function trainingVector(p: TrainingPaper, topicModel: TopicModel): PaperVector {
  const { space } = topicModel;
  if (p.vector && p.vector_space === spaceId(space)) return storedVector(p.vector, space);
  return paperFeatures(p, space);
}

/** Train a reader's model from what trainingPapers returns and their interests (pure). */
export function modelFromPapers(
  papers: TrainingPaper[],
  interests: ReaderInterests,
  topicModel: TopicModel,
): ReaderModel | null {
  const match = readerMatcher(interests);
  const ticked = interests.topics.length > 0;
  return trainReaderModel(
    papers.map((p) => ({
      paper: { id: p.id, title: p.title },
      features: trainingVector(p, topicModel),
      ...matchOf(match(p), ticked),
      vote: p.vote,
    })),
  );
}

/** Retrain and store one reader's model (removed when they have no votes left). */
export async function retrainReader(
  deps: Pick<Deps, "db" | "clock">,
  subscriberId: number,
  topicModel: TopicModel,
): Promise<{ votes: number; trained: boolean }> {
  const now = deps.clock.now();
  const [papers, [reader]] = await Promise.all([
    trainingPapers(deps.db, subscriberId, now),
    readerContexts(deps.db, [subscriberId]),
  ]);
  const model = reader ? modelFromPapers(papers, reader, topicModel) : null;
  const votes = papers.filter((p) => p.vote !== 0).length;
  await saveReaderModel(deps.db, subscriberId, model, votes, now);
  return { votes, trained: model !== null };
}

export function learnJobHandlers(deps: Deps): Pick<JobHandlers, "train-reader-model"> {
  let topicModel: TopicModel | undefined;
  return {
    "train-reader-model": async (data) => {
      topicModel ??= loadTopicModel();
      return retrainReader(deps, data.subscriberId, topicModel);
    },
  };
}
