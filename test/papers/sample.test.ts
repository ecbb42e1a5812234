import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyPaper } from "../../src/papers/classify.ts";
import { parseHfDailyPapers } from "../../src/papers/hf.ts";
import { ingestSample, SAMPLE_FILE } from "../../src/papers/ingest.ts";
import { latestEditionDate } from "../../src/papers/repository.ts";
import { loadTopicModel } from "../../src/papers/topic-model.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe("bundled sample papers", () => {
  it("is a valid Daily Papers answer spanning three days", () => {
    const { papers, rejected } = parseHfDailyPapers(JSON.parse(readFileSync(SAMPLE_FILE, "utf8")));
    expect(rejected).toEqual([]);
    expect(papers).toHaveLength(12);
    expect([...new Set(papers.map((p) => p.listed_on))].sort()).toEqual([
      "2026-11-25",
      "2026-11-26",
      "2026-11-27",
    ]);
  });

  it("loads once for `paperboy dev` and is a no-op on every later start", async () => {
    expect(await ingestSample(ctx.deps)).toMatchObject({ inserted: 12, rejected: [] });
    expect(await ingestSample(ctx.deps)).toMatchObject({ inserted: 0, updated: 0, unchanged: 12 });
    expect(await latestEditionDate(ctx.deps.db)).toBe("2026-11-27");
    const topics = await ctx.deps.db
      .selectFrom("paper_topics")
      .select("paper_id")
      .distinct()
      .execute();
    // Every paper the model files is stored with its topics. Two demo papers (music generation,
    // an optimizer paper) are only about topics the model has switched off (docs/TOPICS.md).
    const model = loadTopicModel();
    const { papers } = parseHfDailyPapers(JSON.parse(readFileSync(SAMPLE_FILE, "utf8")));
    const filed = papers.filter((p) => classifyPaper(model, p).length > 0).length;
    expect(topics).toHaveLength(filed);
    expect(filed).toBeGreaterThanOrEqual(10);
  });
});
