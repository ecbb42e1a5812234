import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueSendBatches, planEdition } from "../../src/delivery/plan.ts";
import { pendingDeliveries } from "../../src/delivery/repository.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { killableWorker, type PaperboyProcess } from "../helpers/processes.ts";
import { SmtpSink } from "../helpers/smtp.ts";
import { waitUntil } from "../helpers/wait.ts";
import { addReaders, lostAndDuplicated, seedEdition, statusCounts } from "./seed.ts";

const EDITION = "2026-08-17";
const READERS = 60; // one batch, claimed at once by the worker

let ctx: TestContext;
let sink: SmtpSink;
let worker: PaperboyProcess;

beforeAll(async () => {
  ctx = await createTestContext({ now: new Date().toISOString() });
  // A slow relay: sending the whole edition would take 60 × 250 ms = 15 s.
  sink = await new SmtpSink({ replyDelayMs: 250 }).start();
  worker = killableWorker(ctx.env, sink.url);
  await seedEdition(ctx.deps.db, EDITION);
  await addReaders(
    ctx.deps.db,
    Array.from({ length: READERS }, (_, i) => ({ email: `term-${i}@r.test` })),
  );
});
afterAll(async () => {
  worker.close();
  await sink.stop();
  await ctx.close();
});

describe("graceful stop (SIGTERM)", () => {
  it("finishes the message in flight, hands the rest back, and another worker sends them at once", async () => {
    await planEdition(ctx.deps, EDITION);
    const rows = await pendingDeliveries(ctx.deps.db, {
      edition: EDITION,
      afterId: 0,
      limit: READERS,
    });
    await enqueueSendBatches(ctx.deps, rows, "send");

    worker.start();
    await waitUntil(() => sink.total >= 3, "the first messages", { timeoutMs: 60_000 });
    const termAt = Date.now();
    expect(await worker.stop()).toBe(0);
    const stopSeconds = (Date.now() - termAt) / 1000;
    const sentBeforeStop = sink.total;

    // Nothing is left claimed by the stopped worker: what it sent is recorded, the rest pending.
    const afterStop = await statusCounts(ctx.deps.db);
    expect(afterStop.sending ?? 0).toBe(0);
    expect(afterStop.sent).toBe(sentBeforeStop);
    expect(afterStop.pending).toBe(READERS - sentBeforeStop);

    // The next worker takes the handed-back deliveries from the queue, with no lease to wait.
    sink.replyDelayMs = 0;
    const restartAt = Date.now();
    worker.start();
    await waitUntil(
      async () => JSON.stringify(await statusCounts(ctx.deps.db)) === `{"sent":${READERS}}`,
      "the rest sent by the next worker",
      { timeoutMs: 60_000, everyMs: 50 },
    );
    const restSeconds = (Date.now() - restartAt) / 1000;
    expect(await worker.stop()).toBe(0);
    expect(worker.crashes).toBe(0);

    const { lost, duplicated } = lostAndDuplicated(
      Array.from({ length: READERS }, (_, i) => sink.messageIdsTo(`term-${i}@r.test`).length),
    );
    console.log(
      `graceful stop: exit after ${stopSeconds.toFixed(1)} s with ${sentBeforeStop} sent; the next worker sent the other ${READERS - sentBeforeStop} in ${restSeconds.toFixed(1)} s (start-up included); lost ${lost}, duplicated ${duplicated}`,
    );
    expect(stopSeconds).toBeLessThan(10); // the whole edition would take 15 s more
    expect(sentBeforeStop).toBeLessThan(READERS / 2);
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
  }, 120_000);
});
