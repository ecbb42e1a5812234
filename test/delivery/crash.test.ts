import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueSendBatches, planEdition } from "../../src/delivery/plan.ts";
import { pendingDeliveries } from "../../src/delivery/repository.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { killableWorker, type PaperboyProcess } from "../helpers/processes.ts";
import { SmtpSink } from "../helpers/smtp.ts";
import { waitUntil } from "../helpers/wait.ts";
import { addReaders, lostAndDuplicated, seedEdition, statusCounts } from "./seed.ts";

const EDITION = "2026-08-17";
const READERS = 150;
const KILLS = 2;

let ctx: TestContext;
let sink: SmtpSink;
let worker: PaperboyProcess;

beforeAll(async () => {
  // The spawned workers run on the system clock; the test's clock starts at the same time.
  ctx = await createTestContext({ now: new Date().toISOString() });
  // Answers 250 only 15 ms after it has the message: a kill in that gap leaves it unknown.
  sink = await new SmtpSink({ replyDelayMs: 15 }).start();
  worker = killableWorker(ctx.env, sink.url);
  await seedEdition(ctx.deps.db, EDITION);
  await addReaders(
    ctx.deps.db,
    Array.from({ length: READERS }, (_, i) => ({ email: `crash-${i}@r.test`, sendHour: 0 })),
  );
});
afterAll(async () => {
  worker.close();
  await sink.stop();
  await ctx.close();
});

describe("worker crash", () => {
  it("ends with every due reader having their digest after SIGKILLs mid-run (lost = 0)", async () => {
    expect(await planEdition(ctx.deps, EDITION)).toBe(READERS);
    const rows = await pendingDeliveries(ctx.deps.db, {
      edition: EDITION,
      afterId: 0,
      limit: READERS,
    });
    await enqueueSendBatches(ctx.deps, rows, "send");

    worker.start();
    let stranded = 0;
    let lastKill = 0;
    for (let kill = 1; kill <= KILLS; kill++) {
      await waitUntil(() => sink.total >= (READERS * kill) / (KILLS + 1), `kill ${kill}`, {
        timeoutMs: 60_000,
        everyMs: 5,
      });
      await worker.kill();
      lastKill = Date.now();
      stranded += (await statusCounts(ctx.deps.db)).sending ?? 0;
      worker.start();
    }

    // No clock moved, no lease waited for: the restarted worker sees that the dead process's
    // liveness lock is free and takes its claims over within seconds (RECLAIM_EVERY_MS).
    await waitUntil(
      async () => JSON.stringify(await statusCounts(ctx.deps.db)) === `{"sent":${READERS}}`,
      "every delivery sent",
      { timeoutMs: 60_000, everyMs: 100 },
    );
    const recoveredIn = (Date.now() - lastKill) / 1000;

    expect(await worker.stop()).toBe(0); // graceful: in-flight sends finish, then exit 0
    expect(worker.crashes).toBe(0);

    const { lost, duplicated } = lostAndDuplicated(
      Array.from({ length: READERS }, (_, i) => sink.messageIdsTo(`crash-${i}@r.test`).length),
    );
    console.log(
      `worker crash: ${KILLS} kills, ${READERS} readers, ${sink.total} messages, lost ${lost}, duplicated ${duplicated}, stranded claims ${stranded}, all sent ${recoveredIn.toFixed(1)} s after the last kill`,
    );
    expect(stranded).toBeGreaterThan(0);
    expect(lost).toBe(0);
    expect(duplicated).toBeLessThanOrEqual(KILLS);
    expect(recoveredIn).toBeLessThan(60);
    // A resend carries the same Message-ID, so the receiver can tell it is the same digest.
    for (let i = 0; i < READERS; i++) {
      expect(new Set(sink.messageIdsTo(`crash-${i}@r.test`)).size).toBe(1);
    }
  }, 180_000);
});
