import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  enqueueSendBatches,
  LEASE_MS,
  planEdition,
  recoverDeliveries,
} from "../../src/delivery/plan.ts";
import { pendingDeliveries } from "../../src/delivery/repository.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { addReaders, seedEdition, settled, statusCounts } from "./seed.ts";
import { SlowSink } from "./sink.ts";

const EDITION = "2026-08-17";
const READERS = 150;
const KILLS = 2;

let ctx: TestContext;
let sink: SlowSink;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  // The spawned workers run on the system clock; the test's clock starts at the same time.
  ctx = await createTestContext({ now: new Date().toISOString() });
  sink = await new SlowSink(15).start();
  await seedEdition(ctx.deps.db, EDITION);
  await addReaders(
    ctx.deps.db,
    Array.from({ length: READERS }, (_, i) => ({ email: `crash-${i}@r.test`, sendHour: 0 })),
  );
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await sink.stop();
  await ctx.close();
});

function startWorkerProcess(): ChildProcess {
  const child = spawn("node", ["bin/paperboy.mjs", "worker"], {
    env: {
      ...process.env,
      ...ctx.env,
      SMTP_URL: sink.url,
      // One message in flight per process: a kill can leave at most one outcome unknown.
      SEND_CONCURRENCY: "1",
      HF_PAPERS_URL: "http://127.0.0.1:9/hf", // the ingest schedule must not reach the internet
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.resume();
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((ok) => child.once("exit", (code) => ok(code)));
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 5));
  }
}

describe("worker crash", () => {
  it("ends with every due reader having their digest after SIGKILLs mid-run (lost = 0)", async () => {
    expect(await planEdition(ctx.deps, EDITION)).toBe(READERS);
    const rows = await pendingDeliveries(ctx.deps.db, {
      edition: EDITION,
      afterId: 0,
      limit: READERS,
    });
    await enqueueSendBatches(ctx.deps, rows, "send");

    let worker = startWorkerProcess();
    for (let kill = 1; kill <= KILLS; kill++) {
      await until(() => sink.total >= (READERS * kill) / (KILLS + 1), 60_000, `kill ${kill}`);
      worker.kill("SIGKILL");
      await exited(worker);
      worker = startWorkerProcess();
    }

    // The survivor drains the queue; the batches the dead workers had claimed wait for their
    // lease. Then the planner's recovery (run here, with the clock past the lease) hands them
    // out again.
    let stranded = 0;
    for (let last = -1; ; ) {
      await new Promise((ok) => setTimeout(ok, 1_000));
      const counts = await statusCounts(ctx.deps.db);
      if (!counts.pending && sink.total === last) {
        stranded = counts.sending ?? 0;
        break;
      }
      last = sink.total;
    }
    ctx.clock.set(new Date(Date.now() + LEASE_MS + 60_000));
    const recovery = await recoverDeliveries(ctx.deps, ctx.clock.now());
    await settled(ctx.deps.db, 60_000);

    worker.kill("SIGTERM");
    expect(await exited(worker)).toBe(0); // graceful: in-flight sends finish, then exit 0

    const perReader = Array.from(
      { length: READERS },
      (_, i) => (sink.received.get(`crash-${i}@r.test`) ?? []).length,
    );
    const lost = perReader.filter((n) => n === 0).length;
    const duplicated = perReader.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    console.log(
      `worker crash: ${KILLS} kills, ${READERS} readers, ${sink.total} messages, lost ${lost}, duplicated ${duplicated}, stranded claims ${stranded} recovered ${recovery.released} (${recovery.possibleDuplicates} after hand-off)`,
    );
    expect(lost).toBe(0);
    expect(duplicated).toBeLessThanOrEqual(KILLS);
    expect(duplicated).toBeLessThanOrEqual(recovery.possibleDuplicates);
    expect(recovery.released).toBe(stranded);
    expect(await statusCounts(ctx.deps.db)).toEqual({ sent: READERS });
    // A resend carries the same Message-ID, so the receiver can tell it is the same digest.
    for (const ids of sink.received.values()) expect(new Set(ids).size).toBe(1);
  }, 180_000);
});
