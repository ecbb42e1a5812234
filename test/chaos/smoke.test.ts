import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChaosSink } from "../../scripts/chaos/sink.ts";
import {
  enqueueSendBatches,
  LEASE_MS,
  planEdition,
  recoverDeliveries,
} from "../../src/delivery/plan.ts";
import { pendingDeliveries } from "../../src/delivery/repository.ts";
import { addReaders, lostAndDuplicated, seedEdition, statusCounts } from "../delivery/seed.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { killableWorker, type PaperboyProcess } from "../helpers/processes.ts";
import { sleep, waitUntil } from "../helpers/wait.ts";

/**
 * `npm run chaos` in small (the full run is in scripts/chaos): 60 readers, a relay that
 * answers 421 to 10% and cuts 2% mid-DATA, one worker SIGKILL and every database connection
 * terminated mid-run. Nothing may be lost; a kill may duplicate at most one message.
 */
const EDITION = "2026-08-14";
const READERS = 60;
let ctx: TestContext;
let sink: ChaosSink;
let worker: PaperboyProcess;

beforeAll(async () => {
  ctx = await createTestContext({ now: new Date().toISOString() });
  let seed = 42;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  sink = await new ChaosSink(random).start();
  worker = killableWorker(ctx.env, sink.url);
  await seedEdition(ctx.deps.db, EDITION);
  await addReaders(
    ctx.deps.db,
    Array.from({ length: READERS }, (_, i) => ({ email: `smoke-${i}@r.test`, sendHour: 0 })),
  );
  await addReaders(ctx.deps.db, [{ email: "smoke-left@r.test", status: "unsubscribed" }]);
});
afterAll(async () => {
  worker.close();
  await sink.stop();
  await ctx.close();
});

const sent = () => sink.perEdition.get(EDITION) ?? 0;

/** Wait for `n` digests; past 30 s go on anyway (the drain below has its own deadline). */
const waitSent = (n: number) => waitUntil(() => sent() >= n, `${n} sent`).catch(() => {});

describe("chaos smoke", () => {
  it("delivers every digest once through 421s, drops, a worker kill and cut DB connections", async () => {
    sink.faults = { tempFailRate: 0.1, dropRate: 0.02 };
    expect(await planEdition(ctx.deps, EDITION)).toBe(READERS);
    worker.start();
    const { rows } = await sql<{ id: number; edition_date: string }>`
      select id, edition_date::text from deliveries where status = 'pending' order by id`.execute(
      ctx.deps.db,
    );
    await enqueueSendBatches(ctx.deps, rows, "send");

    await waitSent(READERS * 0.3);
    await worker.kill();
    worker.start();
    await waitSent(READERS * 0.5);
    const name = new URL(ctx.env.DATABASE_URL!).pathname.slice(1);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
              where datname = ${name} and pid <> pg_backend_pid()`
      .execute(ctx.deps.db)
      .catch(() => {});

    // Drain: retries skip their backoff; claims of the killed worker go back after the lease.
    for (const deadline = Date.now() + 40_000; Date.now() < deadline; ) {
      await sleep(300);
      const counts = await statusCounts(ctx.deps.db).catch(() => null);
      if (counts && !counts.pending && !counts.sending) break;
      await ctx.deps.queues.send.promoteJobs().catch(() => {});
      const jobs = await ctx.deps.queues.send.getJobCounts("waiting", "delayed");
      if (!jobs.waiting && !jobs.delayed) {
        // What the planner's tick does once the lease and the orphan age have passed (the
        // killed worker's job still counts as active until BullMQ sees it stalled, ~30-60 s):
        // stranded claims and pending rows whose retry job died with the worker go out again.
        await recoverDeliveries(ctx.deps, new Date(Date.now() + LEASE_MS + 60_000)).catch(() => {});
        const orphans = await pendingDeliveries(ctx.deps.db, { afterId: 0, limit: READERS });
        await enqueueSendBatches(ctx.deps, orphans, `sweep${Date.now()}`);
      }
    }
    await worker.stop();

    const { lost, duplicated } = lostAndDuplicated(
      Array.from({ length: READERS }, (_, i) => sink.digests.get(`smoke-${i}@r.test`)?.length ?? 0),
    );
    console.log(
      `chaos smoke: ${sink.injected.tempFailures} × 421, ${sink.injected.drops} drops, lost ${lost}, duplicated ${duplicated}`,
    );
    expect(sink.injected.tempFailures + sink.injected.drops).toBeGreaterThan(0);
    expect(lost).toBe(0);
    expect(duplicated).toBeLessThanOrEqual(1);
    expect(sink.digests.has("smoke-left@r.test")).toBe(false);
    expect(await statusCounts(ctx.deps.db)).toEqual({ sent: READERS });
  }, 120_000);
});
