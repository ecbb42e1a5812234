import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest } from "../../src/papers/ingest.ts";
import { SourceError } from "../../src/papers/paper.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { type RawItem, realDays } from "./real-days.ts";

let ctx: TestContext;
const tmp = mkdtempSync(path.join(tmpdir(), "paperboy-bad-"));
const day = realDays().find((d) => d.date === "2026-08-17")!;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const paperCount = async () =>
  Number(
    (
      await ctx.deps.db
        .selectFrom("papers")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe("ingesting bad input", () => {
  it("fails a non-JSON file cleanly, writing nothing (not even the good file before it)", async () => {
    const bad = path.join(tmp, "broken.json");
    writeFileSync(bad, '[{"paper": {"id": "2608.00001"');
    await expect(ingest(ctx.deps, [day.path, bad])).rejects.toThrow(SourceError);
    await expect(ingest(ctx.deps, [day.path, bad])).rejects.toThrow(/broken\.json: not valid JSON/);
    await expect(ingest(ctx.deps, [path.join(tmp, "missing.json")])).rejects.toThrow(
      /cannot read .*missing\.json: no such file or directory$/,
    );
    const text = path.join(tmp, "notes.txt");
    writeFileSync(text, "hello");
    await expect(ingest(ctx.deps, [text])).rejects.toThrow(/neither JSON nor XML/);
    expect(await paperCount()).toBe(0);
    const editions = await ctx.deps.db.selectFrom("editions").selectAll().execute();
    expect(editions).toEqual([]);
  });

  it("loads the good items of a file with broken ones and reports each broken one", async () => {
    const items = JSON.parse(readFileSync(day.path, "utf8")) as RawItem[];
    delete items[2]!.paper.id;
    items[4]!.paper.authors = "Someone";
    items[6]!.numComments = -1;
    const file = path.join(tmp, "hf-daily-papers-2026-08-17.json");
    writeFileSync(file, JSON.stringify(items));

    const [report] = await ingest(ctx.deps, [file]);
    expect(report!.inserted).toBe(items.length - 3);
    expect(report!.rejected.map((r) => r.index)).toEqual([2, 4, 6]);
    expect(report!.rejected[0]!.reason).toContain("paper.id");
    expect(report!.rejected[1]!.reason).toContain("paper.authors");
    expect(report!.rejected[2]!.reason).toContain("numComments");
    expect(await paperCount()).toBe(items.length - 3);
  });
});
