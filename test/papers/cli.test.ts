import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { type RawItem, realDays } from "./real-days.ts";

let ctx: TestContext;
const tmp = mkdtempSync(path.join(tmpdir(), "paperboy-cli-"));
const day = realDays().find((d) => d.date === "2026-08-13")!;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const paperboy = (...args: string[]) =>
  spawnSync("node", ["bin/paperboy.mjs", ...args], {
    encoding: "utf8",
    env: { ...process.env, ...ctx.env },
  });

describe("paperboy ingest / topics", () => {
  it("prints inserted / updated / unchanged / rejected, with each rejection's reason", () => {
    const items = JSON.parse(readFileSync(day.path, "utf8")) as RawItem[];
    items[1]!.paper.title = "";
    const file = path.join(tmp, "hf-daily-papers-2026-08-13.json");
    writeFileSync(file, JSON.stringify(items));
    const first = paperboy("ingest", file);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`${file}: 19 inserted, 0 updated, 0 unchanged, 1 rejected`);
    expect(first.stdout).toContain("rejected item 1: paper.title: is empty");

    const again = paperboy("ingest", day.path, "--source", "hf");
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("1 inserted, 0 updated, 19 unchanged, 0 rejected");
  });

  it.each([
    [["ingest", "does-not-exist.json"], /cannot read does-not-exist\.json: ENOENT/],
    [["ingest", "README.md"], /README\.md: neither JSON nor XML/],
    [["ingest", "package.json"], /expected a JSON array/],
    [["ingest"], /at least one file/],
    [["ingest", "x.json", "--source", "rss"], /--source must be hf or arxiv/],
    [["ingest", "x.json", "--date", "yesterday"], /--date must be a date/],
    [["topics", "shuffle"], /only subcommand is 'reclassify'/],
  ])("fails with one line for %j", (args, message) => {
    const r = paperboy(...args);
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it("reclassifies every paper", () => {
    const r = paperboy("topics", "reclassify");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Reclassified 20 papers: \d+ topic assignments\./);
  });
});
