import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest } from "../../src/papers/ingest.ts";
import { upsertPapers } from "../../src/papers/repository.ts";
import { buildServer } from "../../src/processes/server.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";

const API_QUERY = fileURLToPath(new URL("../fixtures/arxiv/api-query.xml", import.meta.url));
const HF_DAY = fileURLToPath(
  new URL("../../../shared/data/hf-daily-papers/hf-daily-papers-2026-08-17.json", import.meta.url),
);

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const paper = (id: string) =>
  ctx.deps.db.selectFrom("papers").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

describe("every field the sources give is kept", () => {
  it("arXiv: primary category, categories, comment, journal reference", async () => {
    await ingest(ctx.deps, [API_QUERY], { source: "arxiv", date: "2026-08-10" });
    expect(await paper("hep-ex/0307015")).toMatchObject({
      primary_category: "hep-ex",
      arxiv_comment: "23 pages, 8 figures and 4 tables",
      journal_ref: "Eur.Phys.J. C31 (2003) 17-29",
      organization: null,
    });
    const attention = await paper("1706.03762");
    expect(attention.primary_category).toBe("cs.CL");
    expect(attention.arxiv_comment).toBe("15 pages, 5 figures");
    expect(attention.arxiv_categories).toContain("cs.CL");
  });

  it("Hugging Face: organization, submitter, comments, stars, project page, thumbnail", async () => {
    await ingest(ctx.deps, [HF_DAY], { source: "hf" });
    const rows = await ctx.deps.db
      .selectFrom("papers")
      .select(["organization", "submitted_by", "thumbnail", "num_comments"])
      .where("source", "=", "hf")
      .execute();
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.filter((r) => r.organization).length).toBeGreaterThan(0);
    expect(rows.every((r) => r.submitted_by)).toBe(true);
    expect(rows.filter((r) => r.thumbnail).length).toBeGreaterThan(0);
    // The organization's display name ("Hugging Face"), not its handle.
    expect(rows.map((r) => r.organization)).toContain("Hugging Face");
  });

  it("a later source that lacks a field never erases it", async () => {
    const before = await paper("hep-ex/0307015");
    const { created_at, updated_at, ...incoming } = before;
    const bare = {
      ...incoming,
      published_at: before.published_at,
      primary_category: null,
      arxiv_comment: null,
      journal_ref: null,
      doi: null,
    };
    const counts = await upsertPapers(ctx.deps.db, [bare], ctx.clock.now());
    expect(counts.unchanged).toBe(1);
    expect(await paper("hep-ex/0307015")).toMatchObject({
      primary_category: "hep-ex",
      journal_ref: "Eur.Phys.J. C31 (2003) 17-29",
    });
  });

  it("are in the JSON API: GET /api/editions/:date", async () => {
    const app = await buildServer(ctx.deps);
    try {
      const list = await app.inject("/api/editions");
      expect(list.statusCode).toBe(200);
      expect(list.json().editions).toEqual(
        expect.arrayContaining([{ date: "2026-08-10", paper_count: 3 }]),
      );
      const res = await app.inject("/api/editions/2026-08-10");
      expect(res.statusCode).toBe(200);
      const hep = res.json().papers.find((p: { id: string }) => p.id === "hep-ex/0307015");
      expect(hep).toMatchObject({
        primary_category: "hep-ex",
        journal_ref: "Eur.Phys.J. C31 (2003) 17-29",
        arxiv_comment: "23 pages, 8 figures and 4 tables",
        doi: null,
        organization: null,
        source: "arxiv",
      });
      expect(hep.published_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      const hf = (await app.inject("/api/editions/2026-08-17")).json().papers;
      expect(
        hf.some((p: { organization: string | null }) => p.organization === "Hugging Face"),
      ).toBe(true);
      expect(hf.every((p: { submitted_by: string | null }) => p.submitted_by)).toBe(true);
      expect((await app.inject("/api/editions/2001-01-01")).statusCode).toBe(404);
      expect((await app.inject("/api/editions/yesterday")).statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });
});
