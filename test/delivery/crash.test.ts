import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  enqueueSendBatches,
  LEASE_MS,
  planEdition,
  recoverDeliveries,
} from "../../src/delivery/plan.ts";
import { pendingDeliveries } from "../../src/delivery/repository.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { killableWorker, type PaperboyProcess } from "../helpers/processes.ts";
import { SmtpSink } from "../helpers/smtp.ts";
import { sleep, waitUntil } from "../helpers/wait.ts";
import { addReaders, lostAndDuplicated, seedEdition, settled, statusCounts } from "./seed.ts";

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
    for (let kill = 1; kill <= KILLS; kill++) {
      await waitUntil(() => sink.total >= (READERS * kill) / (KILLS + 1), `kill ${kill}`, {
        timeoutMs: 60_000,
        everyMs: 5,
      });
      await worker.kill();
      worker.start();
    }

    // The survivor drains the queue; the batches the dead workers had claimed wait for their
    // lease. Then the planner's recovery (run here, with the clock past the lease) hands them
    // out again.
    let stranded = 0;
    for (let last = -1; ; ) {
      await sleep(1_000);
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

    expect(await worker.stop()).toBe(0); // graceful: in-flight sends finish, then exit 0
    expect(worker.crashes).toBe(0);

    const { lost, duplicated } = lostAndDuplicated(
      Array.from({ length: READERS }, (_, i) => sink.messageIdsTo(`crash-${i}@r.test`).length),
    );
    console.log(
      `worker crash: ${KILLS} kills, ${READERS} readers, ${sink.total} messages, lost ${lost}, duplicated ${duplicated}, stranded claims ${stranded} recovered ${recovery.released} (${recovery.possibleDuplicates} after hand-off)`,
    );
    expect(lost).toBe(0);
    expect(duplicated).toBeLessThanOrEqual(KILLS);
    expect(duplicated).toBeLessThanOrEqual(recovery.possibleDuplicates);
    expect(recovery.released).toBe(stranded);
    expect(await statusCounts(ctx.deps.db)).toEqual({ sent: READERS });
    // A resend carries the same Message-ID, so the receiver can tell it is the same digest.
    for (let i = 0; i < READERS; i++) {
      expect(new Set(sink.messageIdsTo(`crash-${i}@r.test`)).size).toBe(1);
    }
  }, 180_000);
});
