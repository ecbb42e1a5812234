import type { Db } from "../platform/db/index.ts";
import { classifyPaper } from "./classify.ts";
import { papersForClassification, replacePaperTopics, syncTopics } from "./repository.ts";
import { loadTopicModel, type TopicModel } from "./topic-model.ts";

const PAGE = 1000;

/**
 * After the taxonomy or the topic model change: sync the topics table, then recompute every
 * paper's topics, all in one transaction so readers never see a half-classified catalogue.
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
      const entries = page.map((p) => ({ paperId: p.id, topics: classifyPaper(model, p) }));
      await replacePaperTopics(trx, entries);
      papers += page.length;
      assignments += entries.reduce((n, e) => n + e.topics.length, 0);
      afterId = page.at(-1)!.id;
    }
    return { papers, assignments };
  });
}
