import type { Db } from "../platform/db/index.ts";
import { indexPaper } from "./classify.ts";
import type { ClassifiablePaper } from "./paper.ts";
import {
  papersForClassification,
  replacePaperTopics,
  replacePaperVectors,
  syncTopics,
} from "./repository.ts";
import { spaceId } from "./topic-features.ts";
import { loadTopicModel, type TopicModel } from "./topic-model.ts";

const PAGE = 1000;

/**
 * Classify papers and store what the model says of each: its topics and its features in the
 * model's space (read by readers' retraining). Returns how many topics were assigned.
 */
export async function indexPapers(
  db: Db,
  model: TopicModel,
  papers: (ClassifiablePaper & { id: string })[],
): Promise<number> {
  const entries = papers.map((p) => ({ paperId: p.id, ...indexPaper(model, p) }));
  await replacePaperTopics(db, entries);
  await replacePaperVectors(db, spaceId(model.space), entries);
  return entries.reduce((n, e) => n + e.topics.length, 0);
}

/**
 * After the taxonomy or the topic model change: sync the topics table, then recompute every
 * paper's topics and features, all in one transaction so readers never see a half-classified
 * catalogue.
 */
export async function reclassifyAll(
  db: Db,
  model: TopicModel = loadTopicModel(),
): Promise<{ papers: number; assignments: number }> {
  return db.transaction().execute(async (trx) => {
    await syncTopics(trx);
    let papers = 0;
    let assignments = 0;
    let afterId: string | null = null;
    for (;;) {
      const page = await papersForClassification(trx, { afterId, limit: PAGE });
      if (page.length === 0) break;
      assignments += await indexPapers(trx, model, page);
      papers += page.length;
      afterId = page.at(-1)!.id;
    }
    return { papers, assignments };
  });
}
