import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { runPaperboy } from "../helpers/processes.ts";
import { type RawItem, realDays } from "./real-days.ts";

let ctx: TestContext;
const tmp = mkdtempSync(path.join(tmpdir(), "paperboy-cli-"));
const day = realDays().find((d) => d.date === "2026-08-13")!;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const paperboy = (...args: string[]) => runPaperboy(args, ctx.env);

describe("paperboy ingest / topics", () => {
  it("prints inserted / updated / unchanged / rejected, with each rejection's reason", async () => {
    const items = JSON.parse(readFileSync(day.path, "utf8")) as RawItem[];
    items[1]!.paper.title = "";
    const file = path.join(tmp, "hf-daily-papers-2026-08-13.json");
    writeFileSync(file, JSON.stringify(items));
    const first = await paperboy("ingest", file);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`${file}: 19 inserted, 0 updated, 0 unchanged, 1 rejected`);
    expect(first.stdout).toContain("rejected item 1: paper.title: is empty");

    const again = await paperboy("ingest", day.path, "--source", "hf");
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("1 inserted, 0 updated, 19 unchanged, 0 rejected");
  });

  it("exits non-zero when every item of an input was rejected, saying why for each", async () => {
    const file = path.join(tmp, "all-bad.json");
    writeFileSync(file, JSON.stringify([{}, { paper: "2608.00001" }]));
    const r = await paperboy("ingest", file, "--date", "2026-08-13");
    expect(r.status).toBe(2);
    expect(r.stdout).toContain("rejected item 0: paper: is missing");
    expect(r.stdout).toContain("rejected item 1: paper: should be an object, not a string");
    expect(r.stderr.trim().split("\n")).toEqual([
      `paperboy ingest: ${file}: every item was rejected`,
    ]);
  });

  it.each([
    [
      ["ingest", "does-not-exist.json"],
      /cannot read does-not-exist\.json: no such file or directory$/,
    ],
    [["ingest", "README.md"], /README\.md: neither JSON nor XML/],
    [["ingest", "package.json"], /expected a JSON array/],
    [["ingest"], /missing required argument 'input'/],
    [["ingest", "x.json", "--source", "rss"], /Allowed choices are hf, arxiv/],
    [["ingest", "x.json", "--date", "yesterday"], /Expected a date like 2026-08-18/],
    [["topics", "shuffle"], /unknown command 'shuffle'/],
  ])("fails with one line for %j", async (args, message) => {
    const r = await paperboy(...args);
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it("reclassifies every paper", async () => {
    const r = await paperboy("topics", "reclassify");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Reclassified 20 papers: \d+ topic assignments\./);
  });
});
