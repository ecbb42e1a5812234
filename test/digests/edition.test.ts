import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEditionPapers } from "../../src/digests/edition.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { SAMPLE_DATES, samplePapers, storePapers, trendingOrder } from "./sample.ts";

let ctx: TestContext;
const all = SAMPLE_DATES.flatMap((d) => samplePapers(d));
beforeAll(async () => {
  ctx = await createTestContext();
  await storePapers(ctx.deps.db, all);
});
afterAll(() => ctx.close());

describe("loadEditionPapers", () => {
  it("loads one day's papers in trending order for daily readers", async () => {
    const papers = await loadEditionPapers(ctx.deps.db, "2026-08-18", "daily");
    expect(papers.map((p) => p.id)).toEqual(samplePapers("2026-08-18").map((p) => p.id));
  });

  it("loads the seven days up to the date for weekly readers", async () => {
    const papers = await loadEditionPapers(ctx.deps.db, "2026-08-18", "weekly");
    const expected = trendingOrder(all.filter((p) => p.listed_on >= "2026-08-12"));
    expect(papers.map((p) => p.id)).toEqual(expected.map((p) => p.id));
    expect(papers.some((p) => p.listed_on === "2026-08-11")).toBe(false);
    expect(papers.some((p) => p.listed_on === "2026-08-12")).toBe(true);
  });
});
