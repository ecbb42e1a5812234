import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestJobHandlers } from "../../src/papers/jobs.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { createDeps, type Deps } from "../../src/platform/deps.ts";
import { upsertSchedules } from "../../src/processes/schedules.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";

const FIXTURES = new URL("../fixtures/arxiv/", import.meta.url);
const FEEDS: Record<string, string> = {
  "/rss/cs.AI": readFileSync(new URL("rss-cs.AI.xml", FIXTURES), "utf8"),
  "/rss/cs.LG": readFileSync(new URL("atom-cs.LG.xml", FIXTURES), "utf8"),
};

/** A local arXiv: the fixture feeds by category; remembers who asked and when. */
let server: Server;
const requests: { path: string; headers: IncomingHttpHeaders; at: number }[] = [];
let base = "";
let ctx: TestContext;
let deps: Deps;
const DELAY_MS = 300;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ path: req.url ?? "", headers: req.headers, at: Date.now() });
    const feed = FEEDS[req.url ?? ""];
    if (!feed) return res.writeHead(404).end("no such category");
    res.writeHead(200, { "content-type": "application/xml" }).end(feed);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rss`;
  ctx = await createTestContext();
  deps = createDeps(
    loadConfig({
      ...ctx.env,
      ARXIV_CATEGORIES: "cs.AI, cs.LG",
      ARXIV_RSS_URL: base,
      ARXIV_DELAY_MS: String(DELAY_MS),
    }),
    { clock: ctx.clock },
  );
});
afterAll(async () => {
  await deps.close();
  await ctx.close();
  await new Promise((ok) => server.close(ok));
});

describe("arXiv on a schedule", () => {
  it("is scheduled once a day after the announcement, and removed when turned off", async () => {
    await upsertSchedules(deps.queues, deps.config);
    const scheduler = await deps.queues.ingest.getJobScheduler("ingest-arxiv-today");
    expect(scheduler).toMatchObject({ pattern: "30 0 * * *", tz: "America/New_York" });
    const off = loadConfig({ ...ctx.env });
    await upsertSchedules(deps.queues, off);
    expect(await deps.queues.ingest.getJobScheduler("ingest-arxiv-today")).toBeFalsy();
    // The Hugging Face schedule is untouched.
    expect(await deps.queues.ingest.getJobScheduler("ingest-hf-today")).toBeTruthy();
  });

  it("fetches each category politely, naming the operator, and stores the papers", async () => {
    const handler = ingestJobHandlers(deps)["ingest-arxiv-today"];
    const result = (await handler({}, undefined as never)) as { inserted: number }[];
    expect(requests.map((r) => r.path)).toEqual(["/rss/cs.AI", "/rss/cs.LG"]);
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(DELAY_MS - 5);
    for (const r of requests) {
      expect(r.headers["user-agent"]).toBe(
        "Paperboy/0.1 (+https://paperboy.test; mailto:digest@paperboy.test)",
      );
    }
    expect(result.every((r) => r.inserted > 0)).toBe(true);
    const papers = await deps.db
      .selectFrom("papers")
      .select(["id", "source", "arxiv_categories"])
      .where("source", "=", "arxiv")
      .execute();
    expect(papers.map((p) => p.id)).toEqual(expect.arrayContaining(["2509.13332", "2508.13435"]));
    // Run again (a retry, a second worker): nothing new.
    const again = (await handler({}, undefined as never)) as { inserted: number }[];
    expect(again.every((r) => r.inserted === 0)).toBe(true);
  });

  it("keeps going past a failing category, then fails the job naming it", async () => {
    const broken = createDeps(
      loadConfig({
        ...ctx.env,
        ARXIV_CATEGORIES: "cs.XX,cs.AI",
        ARXIV_RSS_URL: base,
        ARXIV_DELAY_MS: "0",
      }),
      { clock: ctx.clock },
    );
    requests.length = 0;
    try {
      const handler = ingestJobHandlers(broken)["ingest-arxiv-today"];
      await expect(handler({}, undefined as never)).rejects.toThrow(/cs\.XX: .*HTTP 404/);
      expect(requests.map((r) => r.path)).toEqual(["/rss/cs.XX", "/rss/cs.AI"]);
    } finally {
      await broken.close();
    }
  });

  it("refuses a category that is not one", () => {
    expect(() => loadConfig({ ...ctx.env, ARXIV_CATEGORIES: "cs.AI,../etc" })).toThrow(
      /ARXIV_CATEGORIES must be arXiv categories/,
    );
  });
});
