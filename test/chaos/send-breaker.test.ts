import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planEdition } from "../../src/delivery/plan.ts";
import { pendingDeliveries } from "../../src/delivery/repository.ts";
import { createDeliverySender } from "../../src/delivery/send.ts";
import { addReaders, seedEdition } from "../delivery/seed.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";

const EDITION = "2026-08-17";
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { SEND_FAILURE_PAUSE_THRESHOLD: "3" } });
  await seedEdition(ctx.deps.db, EDITION);
  await addReaders(
    ctx.deps.db,
    Array.from({ length: 4 }, (_, i) => ({ email: `breaker-${i}@r.test`, sendHour: 0 })),
  );
});
afterAll(async () => {
  await ctx.close();
});

describe("send circuit breaker", () => {
  // Regression (chaos run): a 10 s relay outage paused the send queue for good; the edition
  // waited for a human to press Resume. It now resumes itself after a cool-down.
  it("pauses the send queue on a failure streak and resumes it after the cool-down", async () => {
    ctx.smtp.respond = () => ({ code: 421, message: "down for maintenance" });
    await planEdition(ctx.deps, EDITION);
    const rows = await pendingDeliveries(ctx.deps.db, { edition: EDITION, afterId: 0, limit: 10 });
    const sender = createDeliverySender(ctx.deps, { pauseCooldownMs: 800 });
    const outcome = await sender.sendBatch(rows.map((r) => r.id));
    expect(outcome.retry).toHaveLength(4);
    expect(await ctx.deps.queues.send.isPaused()).toBe(true);
    await new Promise((ok) => setTimeout(ok, 1_500));
    expect(await ctx.deps.queues.send.isPaused()).toBe(false);
    expect(
      await ctx.deps.metrics.registry.getSingleMetricAsString("paperboy_send_queue_paused"),
    ).toMatch(/paperboy_send_queue_paused 0/);
  });
});
