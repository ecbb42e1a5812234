import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVictim, fuzzParsers, fuzzRoutes, type Victim } from "../../scripts/chaos/fuzz.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { startApp } from "../web/support.ts";

/** The fuzzing of `npm run chaos`, with fewer cases per route (the full run does 300 each). */
const RUNS = 10;
const SEED = 20260818;
let ctx: TestContext;
let app: FastifyInstance;
let victim: Victim;
beforeAll(async () => {
  ctx = await createTestContext();
  app = await startApp(ctx);
  victim = await createVictim(ctx.deps, "fuzz-victim@example.com");
});
afterAll(async () => {
  await app.close();
  await ctx.close();
});

describe("fuzzing", () => {
  it("no route answers 5xx to any generated request, and rejected ones change nothing", async () => {
    const routes = await fuzzRoutes(app, ctx.deps, victim, { runs: RUNS, seed: SEED });
    const bad = routes
      .filter((r) => r["5xx"] > 0 || r.stateChanges > 0)
      .map(
        (r) =>
          `${r.route}: ${r["5xx"]} × 5xx, ${r.stateChanges} state changes; ${r.examples.join(" / ")}`,
      );
    expect(bad).toEqual([]);
    expect(routes.every((r) => r.cases === RUNS)).toBe(true);
    // The generators reach past validation: some requests are accepted, many rejected.
    const total = (k: "2xx" | "4xx") => routes.reduce((n, r) => n + r[k], 0);
    expect(total("2xx")).toBeGreaterThan(RUNS);
    expect(total("4xx")).toBeGreaterThan(RUNS * 5);
  }, 60_000);

  it("the feed parsers take mutated real files without crashing (rejections are one clear line)", () => {
    const report = fuzzParsers({
      runs: 50,
      seed: SEED,
      hfDir: new URL("../../../shared/data/hf-daily-papers/", import.meta.url),
      arxivDir: new URL("../fixtures/arxiv/", import.meta.url),
    });
    expect(report.examples).toEqual([]);
    expect(report.parserCrashes).toBe(0);
    // Control characters, U+FFFE/U+FFFF and NUL in feeds: stripped, or the item rejected.
    expect(report.unsafeText).toBe(0);
    expect(report.hfCases + report.arxivCases).toBe(300);
  });
});

describe("arXiv parser regression", () => {
  // Found by the parser fuzzing: an unclosed processing instruction passed XMLValidator and
  // made fast-xml-parser throw a bare Error ("Pi Tag is not closed") instead of a SourceError.
  it("rejects an unclosed processing instruction with a SourceError", async () => {
    const { parseArxivFeed } = await import("../../src/papers/arxiv.ts");
    const { SourceError } = await import("../../src/papers/paper.ts");
    const xml = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed><?pi x';
    let thrown: unknown;
    try {
      parseArxivFeed(xml);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SourceError);
  });
});
