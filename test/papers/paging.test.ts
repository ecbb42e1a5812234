import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestHfDay } from "../../src/papers/ingest.ts";
import { ingestJobHandlers } from "../../src/papers/jobs.ts";
import { HF_MAX_PAGES } from "../../src/papers/sources.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { realDays } from "./real-days.ts";

const run = promisify(execFile);
const PAGE = 10; // smaller than the requested limit, so one day spans several pages
const days = realDays();

/** A Daily Papers mirror serving the real files in pages; `/stuck` ignores `p`. */
let server: Server;
let base: string;
const requests: URL[] = [];
let ctx: TestContext;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, "http://localhost");
    requests.push(url);
    if (url.pathname === "/down/api/daily_papers") {
      res.writeHead(503).end("maintenance");
      return;
    }
    const day = days.find((d) => d.date === url.searchParams.get("date"));
    const page = url.pathname.startsWith("/stuck") ? 0 : Number(url.searchParams.get("p") ?? 0);
    const items = (day?.items ?? []).slice(page * PAGE, (page + 1) * PAGE);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(items));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx = await createTestContext({
    now: "2026-08-18T15:00:00Z",
    env: { HF_PAPERS_URL: `${base}/api/daily_papers` },
  });
});
afterAll(async () => {
  await ctx.close();
  await new Promise((ok) => server.close(ok));
});

describe("Hugging Face URL ingestion", () => {
  it("follows pages until an empty one (the scheduled job, for today's UTC date)", async () => {
    requests.length = 0;
    const handlers = ingestJobHandlers(ctx.deps);
    const result = await handlers["ingest-hf-today"]({}, {} as never);
    expect(result).toMatchObject({ date: "2026-08-18", inserted: 29, rejected: 0 });
    expect(requests.map((u) => u.searchParams.get("p"))).toEqual(["0", "1", "2", "3"]);
    expect(requests.every((u) => u.searchParams.get("limit") === "100")).toBe(true);
    expect(requests.every((u) => u.searchParams.get("date") === "2026-08-18")).toBe(true);
    const metric = await ctx.deps.metrics.papersIngested.get();
    const inserted = metric.values.find((v) => v.labels.outcome === "inserted");
    expect(inserted?.value).toBe(29);
  });

  it("stops paging a server that ignores p, without duplicates", async () => {
    requests.length = 0;
    const deps = { ...ctx.deps, config: { ...ctx.config, HF_PAPERS_URL: `${base}/stuck` } };
    const report = await ingestHfDay(deps, "2026-08-17");
    expect(report.inserted + report.unchanged).toBe(PAGE);
    expect(report.rejected).toEqual([]);
    expect(requests.length).toBeLessThan(HF_MAX_PAGES);
  });

  it("fails with the HTTP status when the server errors", async () => {
    const deps = {
      ...ctx.deps,
      config: { ...ctx.config, HF_PAPERS_URL: `${base}/down/api/daily_papers` },
    };
    await expect(ingestHfDay(deps, "2026-08-17")).rejects.toThrow(/answered HTTP 503/);
  });

  it("pages a Daily Papers URL given to the CLI and prints the counts", async () => {
    const { stdout } = await run(
      "node",
      ["bin/paperboy.mjs", "ingest", `${base}/api/daily_papers?date=2026-08-14`],
      { env: { ...process.env, ...ctx.env } },
    );
    expect(stdout).toMatch(/date=2026-08-14: 23 inserted, 0 updated, 0 unchanged, 0 rejected/);
  });
});
