import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverEdition } from "../../../src/delivery/deliver-edition.ts";
import { loadConfig } from "../../../src/platform/config.ts";
import { createDeps } from "../../../src/platform/deps.ts";
import { enqueue, startWorkers } from "../../../src/platform/queues.ts";
import { buildServer } from "../../../src/processes/server.ts";
import { jobHandlers } from "../../../src/processes/worker.ts";
import { addReaders, seedEdition } from "../../delivery/seed.ts";
import { createTestContext, type TestContext } from "../../helpers/context.ts";
import { waitUntil } from "../../helpers/wait.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

/** The operator's credentials: metrics are not public. */
const operator = () => ({ authorization: `Bearer ${ctx.config.ADMIN_TOKEN}` });

/** One sample's value in a Prometheus text exposition, or undefined. */
function sample(text: string, name: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe("metrics that count work", () => {
  it("show deliveries sent by another process (a `paperboy digest` run)", async () => {
    const app = await buildServer(ctx.deps);
    const before = (await app.inject({ url: "/metrics", headers: operator() })).body;
    expect(sample(before, 'paperboy_deliveries_total{status="sent"}')).toBe(0);

    await seedEdition(ctx.deps.db, "2026-08-17");
    await addReaders(ctx.deps.db, [
      { email: "m-1@r.test" },
      { email: "m-2@r.test" },
      { email: "m-3@r.test" },
    ]);
    // Another process: its own deps, metrics registry and connections.
    const other = createDeps(ctx.config, { clock: ctx.clock, name: "digest-cli" });
    const run = await deliverEdition(other, "2026-08-17", () => {}, { retryBaseMs: 10 });
    await other.close();
    expect(run.sent).toBe(3);

    const after = (await app.inject({ url: "/metrics", headers: operator() })).body;
    expect(sample(after, 'paperboy_deliveries_total{status="sent"}')).toBe(3);
    expect(sample(after, 'paperboy_mails_sent_total{kind="digest"}')).toBe(3);
    expect(sample(after, 'paperboy_subscribers{status="active"}')).toBe(3);
    expect(sample(after, 'paperboy_deliveries_open{status="pending"}')).toBe(0);
    expect(sample(after, 'paperboy_papers{source="hf"}')).toBeGreaterThan(0);
    expect(sample(after, "paperboy_last_ingest_timestamp_seconds")).toBeGreaterThan(0);
    await app.close();
  });

  it("a failed job is logged with its name and reason", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: "info" },
      new Writable({
        write(chunk, _e, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    );
    // No network: the scheduled Hugging Face ingest cannot reach its source.
    const config = loadConfig({ ...ctx.env, HF_PAPERS_URL: "http://127.0.0.1:9/api/daily_papers" });
    const deps = createDeps(config, { clock: ctx.clock, logger });
    const workers = startWorkers(jobHandlers(deps), {
      connection: deps.redis,
      prefix: config.REDIS_PREFIX,
      logger,
    });
    await enqueue(deps.queues, "ingest-hf-today", {}, { attempts: 2, backoff: 10 });
    await waitUntil(() => lines.some((l) => l.level === 50), "the final failure's error line");
    await Promise.all(workers.map((w) => w.close()));
    await deps.close();
    const failures = lines.filter((l) => l.job === "ingest-hf-today");
    expect(failures.map((l) => l.level)).toEqual([40, 50]); // warn, then error when it gives up
    expect(failures[1]).toMatchObject({ queue: "ingest", attempt: 2, attempts: 2 });
    expect(String(failures[1]!.msg)).toMatch(/^job ingest-hf-today failed: .+/);
    expect(String(failures[1]!.reason).length).toBeGreaterThan(0);
  });
});
