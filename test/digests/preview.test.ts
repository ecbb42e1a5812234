import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { runPaperboy } from "../helpers/processes.ts";
import { samplePapers, storePapers } from "./sample.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
  await storePapers(ctx.deps.db, [...samplePapers("2026-08-17"), ...samplePapers("2026-08-18")]);
  const { id } = await ctx.deps.db
    .insertInto("subscribers")
    .values({ email: "cli.reader@example.com", status: "active" })
    .returning("id")
    .executeTakeFirstOrThrow();
  await ctx.deps.db
    .insertInto("preferences")
    .values({ subscriber_id: id, keywords: ["diffusion"], skip_empty: true })
    .execute();
});
afterAll(() => ctx.close());

const paperboy = (args: string[]) => runPaperboy(args, ctx.env);

describe("paperboy preview", () => {
  it("prints the subject and the plain-text digest of the newest edition", async () => {
    const r = await paperboy(["preview", "--email", "CLI.Reader@example.com"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Subject: An Empirical Study.* \+ 2 more\n/);
    expect(r.stdout).toContain("Your papers for Aug 18");
    expect(r.stdout).toContain("keyword: diffusion");
    expect(r.stdout.replace(/\s+/g, " ")).toMatch(
      /Unsubscribe: https:\/\/paperboy\.test\/unsubscribe\//,
    );
  });

  it("writes the HTML of a chosen date to --out", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "paperboy-preview-")), "d.html");
    const r = await paperboy([
      "preview",
      "--email",
      "cli.reader@example.com",
      "--date",
      "2026-08-17",
      "--out",
      out,
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`HTML written to ${out}`);
    expect(readFileSync(out, "utf8")).toContain("Your papers for Aug 17</h1>");
  });

  it("fails with one line for an unknown address or a bad date", async () => {
    const unknown = await paperboy(["preview", "--email", "nobody@example.com"]);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr.trim().split("\n")).toEqual([
      "paperboy preview: no subscriber with that email address",
    ]);
    const bad = await paperboy(["preview", "--email", "cli.reader@example.com", "--date", "soon"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    const missing = await paperboy(["preview"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--email");
  });
});
