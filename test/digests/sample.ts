import { readFileSync } from "node:fs";
import { parseHfDailyPapers } from "../../src/papers/hf.ts";
import type { EditionPaper } from "../../src/papers/repository.ts";
import type { Db } from "../../src/platform/db/index.ts";

/** The real Hugging Face Daily Papers samples shared next to the repository. */
const DATA_DIR = new URL("../../../shared/data/hf-daily-papers/", import.meta.url);

export const SAMPLE_DATES = [
  "2026-08-10",
  "2026-08-11",
  "2026-08-12",
  "2026-08-13",
  "2026-08-14",
  "2026-08-17",
  "2026-08-18",
] as const;

/** Topics as the classifier would assign them; selection treats them as given input. */
export type TopicAssignments = Record<string, Array<[slug: string, score: number]>>;

/** One sample day's papers as the repository returns them: trending order, with topics. */
export function samplePapers(date: string, topics: TopicAssignments = {}): EditionPaper[] {
  const body = JSON.parse(readFileSync(new URL(`hf-daily-papers-${date}.json`, DATA_DIR), "utf8"));
  const { papers } = parseHfDailyPapers(body, { date });
  const at = new Date(`${date}T08:00:00Z`);
  return trendingOrder(
    papers.map((p) => ({
      ...p,
      organization: p.organization ?? null,
      created_at: at,
      updated_at: at,
      topics: (topics[p.id] ?? []).map(([slug, score]) => ({ slug, score })),
    })),
  );
}

/** Upvotes, then GitHub stars (none last), then id — the order findPapersListedBetween gives. */
export function trendingOrder(papers: EditionPaper[]): EditionPaper[] {
  return [...papers].sort(
    (a, b) =>
      b.upvotes - a.upvotes ||
      (b.github_stars ?? -1) - (a.github_stars ?? -1) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** Store papers, their topics and their editions, as ingestion would. */
export async function storePapers(db: Db, papers: EditionPaper[]): Promise<void> {
  if (papers.length === 0) return;
  await db
    .insertInto("papers")
    .values(papers.map(({ topics: _topics, ...p }) => p))
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  const topicRows = papers.flatMap((p) =>
    p.topics.map((t) => ({ paper_id: p.id, topic_slug: t.slug, score: t.score })),
  );
  if (topicRows.length) {
    await db
      .insertInto("paper_topics")
      .values(topicRows)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  const counts = new Map<string, number>();
  for (const p of papers) counts.set(p.listed_on, (counts.get(p.listed_on) ?? 0) + 1);
  await db
    .insertInto("editions")
    .values([...counts].map(([edition_date, paper_count]) => ({ edition_date, paper_count })))
    .onConflict((oc) =>
      oc
        .column("edition_date")
        .doUpdateSet((eb) => ({ paper_count: eb.ref("excluded.paper_count") })),
    )
    .execute();
}
