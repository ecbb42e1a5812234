import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest } from "../../src/papers/ingest.ts";
import { reclassifyAll } from "../../src/papers/reclassify.ts";
import { findPapersListedBetween } from "../../src/papers/repository.ts";
import { paperVector, spaceId } from "../../src/papers/topic-features.ts";
import { loadTopicModel } from "../../src/papers/topic-model.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import {
  DISTINCT_PAPERS,
  DUPLICATED_ID,
  type RawItem,
  REAL_DIR,
  realDays,
  TOTAL_ITEMS,
} from "./real-days.ts";

let ctx: TestContext;
const days = realDays();
const tmp = mkdtempSync(path.join(tmpdir(), "paperboy-ingest-"));

beforeAll(async () => {
  ctx = await createTestContext({ now: "2026-08-19T06:00:00Z" });
});
afterAll(() => ctx.close());

const snapshot = async () => ({
  papers: await ctx.deps.db.selectFrom("papers").selectAll().orderBy("id").execute(),
  topics: await ctx.deps.db
    .selectFrom("paper_topics")
    .selectAll()
    .orderBy("paper_id")
    .orderBy("topic_slug")
    .execute(),
  vectors: await ctx.deps.db.selectFrom("paper_vectors").selectAll().orderBy("paper_id").execute(),
});

describe("ingesting the 15 real days", () => {
  it("stores every paper once, the twice-listed one under its first day", async () => {
    const reports = await ingest(ctx.deps, [REAL_DIR]);
    expect(reports).toHaveLength(15);
    reports.forEach((r, i) => {
      expect(r.rejected, r.origin).toEqual([]);
      expect(r.inserted + r.updated + r.unchanged, r.origin).toBe(days[i]!.items.length);
    });
    const sum = (k: "inserted" | "updated" | "unchanged") => reports.reduce((n, r) => n + r[k], 0);
    expect(sum("inserted")).toBe(DISTINCT_PAPERS);
    expect(sum("updated")).toBe(TOTAL_ITEMS - DISTINCT_PAPERS);

    const { papers } = await snapshot();
    expect(papers).toHaveLength(DISTINCT_PAPERS);
    const dup = papers.find((p) => p.id === DUPLICATED_ID)!;
    expect(dup.listed_on).toBe("2026-06-10");
    expect(dup.upvotes).toBe(82); // the later snapshot's count

    const editions = await ctx.deps.db
      .selectFrom("editions")
      .selectAll()
      .orderBy("edition_date")
      .execute();
    expect(editions.map((e) => e.edition_date)).toEqual(days.map((d) => d.date));
    for (const e of editions) {
      const file = days.find((d) => d.date === e.edition_date)!;
      const expected = file.items.length - (e.edition_date === "2026-06-16" ? 1 : 0);
      expect(e.paper_count, e.edition_date).toBe(expected);
    }

    const day = await findPapersListedBetween(ctx.deps.db, "2026-08-18", "2026-08-18");
    expect(day).toHaveLength(29);
    expect(day.filter((p) => p.topics.length > 0).length).toBeGreaterThan(25);
  });

  it("indexes every paper's features at ingest, exactly as readers' models compute them", async () => {
    const model = loadTopicModel();
    const { papers, vectors } = await snapshot();
    expect(vectors).toHaveLength(papers.length);
    for (const [i, paper] of papers.entries()) {
      expect(vectors[i]!.paper_id).toBe(paper.id);
      expect(vectors[i]!.space).toBe(spaceId(model.space));
      expect(vectors[i]!.vector, paper.id).toEqual(paperVector(paper, model.space));
    }
  });

  it("changes nothing when the same files are ingested again", async () => {
    const before = await snapshot();
    ctx.clock.advance(60_000);
    const reports = await ingest(ctx.deps, [REAL_DIR]);
    expect(reports.every((r) => r.inserted === 0 && r.updated === 0)).toBe(true);
    expect(reports.reduce((n, r) => n + r.unchanged, 0)).toBe(TOTAL_ITEMS);
    expect(await snapshot()).toEqual(before);
  });

  it("picks up new upvotes, comments, stars and summary, and keeps the first listing date", async () => {
    const items = structuredClone(days.at(-1)!.items) as RawItem[];
    const item = items[0]!;
    const id = item.paper.id as string;
    item.paper.upvotes = (item.paper.upvotes as number) + 10;
    item.paper.githubStars = 999;
    item.paper.ai_summary = "A revised one-line summary.";
    item.numComments = 42;
    item.paper.submittedOnDailyAt = "2026-08-19T00:00:00.000Z"; // listed again a day later
    const file = path.join(tmp, "later.json");
    writeFileSync(file, JSON.stringify(items));
    ctx.clock.set("2026-08-19T09:00:00Z");

    const [report] = await ingest(ctx.deps, [file]);
    expect(report).toMatchObject({ inserted: 0, updated: 1, unchanged: items.length - 1 });
    const paper = await ctx.deps.db
      .selectFrom("papers")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(paper.upvotes).toBe(49);
    expect(paper.github_stars).toBe(999);
    expect(paper.num_comments).toBe(42);
    expect(paper.ai_summary).toBe("A revised one-line summary.");
    expect(paper.listed_on).toBe("2026-08-18");
    expect(paper.updated_at.toISOString()).toBe("2026-08-19T09:00:00.000Z");
    // The file also touched 2026-08-19, where no paper is listed first.
    const edition = await ctx.deps.db
      .selectFrom("editions")
      .selectAll()
      .where("edition_date", "=", "2026-08-19")
      .executeTakeFirstOrThrow();
    expect(edition.paper_count).toBe(0);
  });

  it("recomputes every paper's topics and features with one call", async () => {
    const before = await snapshot();
    await ctx.deps.db.deleteFrom("paper_topics").execute();
    await ctx.deps.db.deleteFrom("paper_vectors").execute();
    const result = await reclassifyAll(ctx.deps.db);
    expect(result.papers).toBe(DISTINCT_PAPERS);
    expect(result.assignments).toBe(before.topics.length);
    const after = await snapshot();
    expect(after.topics).toEqual(before.topics);
    expect(after.vectors).toEqual(before.vectors);
  });

  it("counts ingested papers in the metrics", async () => {
    const metric = await ctx.deps.metrics.papersIngested.get();
    const value = (outcome: string) =>
      metric.values
        .filter((v) => v.labels.outcome === outcome && v.labels.source === "hf")
        .reduce((n, v) => n + v.value, 0);
    expect(value("inserted")).toBe(DISTINCT_PAPERS);
    expect(value("unchanged")).toBeGreaterThanOrEqual(TOTAL_ITEMS);
  });
});
