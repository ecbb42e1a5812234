import type { Worker } from "bullmq";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { planDeliveries, planEdition } from "../../src/delivery/plan.ts";
import { createDeliverySender, emptyOutcome, retryDelay } from "../../src/delivery/send.ts";
import { createDeps, type Deps } from "../../src/platform/deps.ts";
import { startWorkers } from "../../src/platform/queues.ts";
import { jobHandlers } from "../../src/processes/worker.ts";
import { unsubscribeSubscriber } from "../../src/subscribers/repository.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { waitUntil } from "../helpers/wait.ts";
import { addReaders, deliveryIdsOf, seedEdition, settled } from "./seed.ts";

let ctx: TestContext;
let workers: Worker[] = [];
const EDITION = "2026-08-17";

beforeAll(async () => {
  // 09:00 UTC on the 18th: readers with send hour ≤ 9 in UTC are due for the 17th.
  ctx = await createTestContext({ now: "2026-08-18T09:00:00Z", env: { SEND_CONCURRENCY: "2" } });
  await seedEdition(ctx.deps.db, EDITION);
});
afterEach(async () => {
  await Promise.all(workers.map((w) => w.close()));
  workers = [];
  ctx.smtp.respond = () => null;
  ctx.smtp.clear();
});
afterAll(() => ctx.close());

function startSendWorkers(deps: Deps = ctx.deps) {
  workers = startWorkers(jobHandlers(deps, { retryBaseMs: 50 }), {
    connection: deps.redis,
    prefix: deps.config.REDIS_PREFIX,
  });
}

async function delivery(email: string) {
  return ctx.deps.db
    .selectFrom("deliveries as d")
    .innerJoin("subscribers as s", "s.id", "d.subscriber_id")
    .select(["d.status", "d.attempts", "d.message_id", "d.error", "s.status as reader"])
    .where("s.email", "=", email)
    .where("d.edition_date", "=", EDITION)
    .executeTakeFirstOrThrow();
}

describe("send worker", () => {
  it("sends nothing to a reader who unsubscribes after their job was queued", async () => {
    const [stay, leave] = await addReaders(ctx.deps.db, [
      { email: "stays@r.test" },
      { email: "leaves@r.test" },
    ]);
    expect((await planDeliveries(ctx.deps)).planned).toBe(2);
    await unsubscribeSubscriber(ctx.deps.db, leave!, ctx.clock.now());
    startSendWorkers();
    await settled(ctx.deps.db);
    await ctx.smtp.waitFor(1);
    expect(ctx.smtp.to("stays@r.test")).toHaveLength(1);
    expect(ctx.smtp.to("leaves@r.test")).toHaveLength(0);
    expect((await delivery("leaves@r.test")).status).toBe("cancelled");
    expect(stay).toBeDefined();
  });

  it("re-checks right before the messages go out: leaving after the claim means no mail", async () => {
    const [first, second] = await addReaders(ctx.deps.db, [
      { email: "mid-1@r.test" },
      { email: "mid-2@r.test" },
    ]);
    await planDeliveries(ctx.deps);
    const ids = await deliveryIdsOf(ctx.deps.db, [first!, second!]);
    const sender = createDeliverySender(ctx.deps);
    const outcome = emptyOutcome();
    const held = await sender.claim(ids, outcome);
    expect(held).toHaveLength(2);
    // The second reader leaves after the batch was claimed, before its messages go out.
    await unsubscribeSubscriber(ctx.deps.db, second!, ctx.clock.now());
    const messages = await sender.compose(held, outcome);
    expect(messages).toHaveLength(2);
    const cleared = await sender.handOff(messages, outcome);
    expect(cleared.map((m) => m.to)).toEqual(["mid-1@r.test"]);
    expect(outcome.cancelled).toBe(1);
    expect((await delivery("mid-2@r.test")).status).toBe("cancelled");
    expect(await sender.transmit(cleared[0]!)).toMatchObject({ ok: true });
    await sender.recordSent(cleared[0]!, outcome);
    expect(ctx.smtp.to("mid-1@r.test")).toHaveLength(1);
    expect(ctx.smtp.to("mid-2@r.test")).toHaveLength(0);
  });

  it("retries a 4xx answer with backoff and delivers once", async () => {
    await addReaders(ctx.deps.db, [{ email: "greylisted@r.test" }]);
    let rejections = 0;
    ctx.smtp.respond = (to) => {
      if (to.includes("greylisted@r.test") && rejections < 2) {
        rejections++;
        return { code: 451, message: "4.7.1 Greylisted, try again later" };
      }
      return null;
    };
    await planDeliveries(ctx.deps);
    startSendWorkers();
    await ctx.smtp.waitFor(1);
    await settled(ctx.deps.db);
    expect(rejections).toBe(2);
    expect(ctx.smtp.to("greylisted@r.test")).toHaveLength(1);
    const row = await delivery("greylisted@r.test");
    expect(row).toMatchObject({ status: "sent", attempts: 3, reader: "active" });
    expect(row.message_id).toMatch(/^digest\.\d+\.2026-08-17@paperboy\.test$/);
  });

  it("fails a 5xx answer and suppresses the address as a hard bounce", async () => {
    await addReaders(ctx.deps.db, [{ email: "gone@r.test" }, { email: "fine@r.test" }]);
    ctx.smtp.respond = (to) =>
      to.includes("gone@r.test") ? { code: 550, message: "5.1.1 No such user" } : null;
    await planDeliveries(ctx.deps);
    startSendWorkers();
    await settled(ctx.deps.db);
    // The delivery is marked failed, then the address suppressed: two statements, so wait.
    await waitUntil(async () => (await delivery("gone@r.test")).reader === "bounced", "bounce");
    expect(ctx.smtp.to("fine@r.test")).toHaveLength(1);
    expect(ctx.smtp.to("gone@r.test")).toHaveLength(0);
    const row = await delivery("gone@r.test");
    expect(row).toMatchObject({ status: "failed", attempts: 1, reader: "bounced" });
    expect(row.error).toContain("550");
    expect(row.error).not.toContain("gone@r.test");
    const suppression = await ctx.deps.db
      .selectFrom("suppressions")
      .selectAll()
      .where("email", "=", "gone@r.test")
      .executeTakeFirst();
    expect(suppression?.reason).toBe("hard_bounce");
  });

  it("pauses the send queue after consecutive failures and says so in metrics", async () => {
    await addReaders(
      ctx.deps.db,
      Array.from({ length: 4 }, (_, i) => ({ email: `down-${i}@r.test` })),
    );
    ctx.smtp.respond = () => ({ code: 421, message: "4.3.2 Service shutting down" });
    const deps = createDeps(
      { ...ctx.config, SEND_FAILURE_PAUSE_THRESHOLD: 3 },
      { clock: ctx.clock, name: "pausing" },
    );
    try {
      await planDeliveries(deps);
      startSendWorkers(deps);
      const deadline = Date.now() + 10_000;
      while (!(await ctx.deps.queues.send.isPaused()) && Date.now() < deadline) {
        await new Promise((ok) => setTimeout(ok, 50));
      }
      expect(await ctx.deps.queues.send.isPaused()).toBe(true);
      expect(
        await deps.metrics.registry.getSingleMetricAsString("paperboy_send_queue_paused"),
      ).toMatch(/paperboy_send_queue_paused 1/);
      // Back to work once SMTP answers again: resume, and every reader gets their digest.
      ctx.smtp.respond = () => null;
      await ctx.deps.queues.send.resume();
      await settled(ctx.deps.db);
      for (let i = 0; i < 4; i++) expect(ctx.smtp.to(`down-${i}@r.test`)).toHaveLength(1);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      workers = [];
      await deps.close();
    }
  });

  it("composes a chunk at a time and settles a batch's readers with nothing to send once", async () => {
    const readers = await addReaders(
      ctx.deps.db,
      Array.from({ length: 10 }, (_, i) => ({ email: `chunked-${i}@r.test` })),
    );
    // Three of them skip empty days and nothing clears their bar.
    await ctx.deps.db
      .updateTable("preferences")
      .set({ skip_empty: true, min_upvotes: 1_000_000 })
      .where("subscriber_id", "in", readers.slice(0, 3))
      .execute();
    await planEdition(ctx.deps, EDITION);
    const sender = createDeliverySender(ctx.deps, { handOffChunk: 4 });
    const outcome = await sender.sendBatch(await deliveryIdsOf(ctx.deps.db, readers));
    expect(outcome).toMatchObject({ sent: 7, skipped: 3, failed: 0, cancelled: 0 });
    for (const [i, id] of readers.entries()) {
      const { status } = await ctx.deps.db
        .selectFrom("deliveries")
        .select("status")
        .where("subscriber_id", "=", id)
        .executeTakeFirstOrThrow();
      expect(status).toBe(i < 3 ? "skipped" : "sent");
    }
    expect(ctx.smtp.to("chunked-0@r.test")).toHaveLength(0);
    expect(ctx.smtp.to("chunked-9@r.test")).toHaveLength(1);
  });

  it("runs each step on its own: claim, compose to raw MIME, hand-off, transmit, record", async () => {
    const [reader] = await addReaders(ctx.deps.db, [{ email: "steps@r.test" }]);
    await planEdition(ctx.deps, EDITION);
    const { id } = await ctx.deps.db
      .selectFrom("deliveries")
      .select("id")
      .where("subscriber_id", "=", reader!)
      .executeTakeFirstOrThrow();
    const sender = createDeliverySender(ctx.deps);
    const outcome = emptyOutcome();
    const held = await sender.claim([id], outcome);
    expect(held).toMatchObject([{ id, attempts: 1, status: "sending" }]);
    expect(await sender.claim([id], outcome)).toEqual([]);
    const [message] = await sender.compose(held, outcome);
    expect(message!.payload).toHaveProperty("prepared"); // SMTP_URL set: the bulk transport
    expect(await sender.handOff([message!], outcome)).toEqual([message]);
    expect(await delivery("steps@r.test")).toMatchObject({
      status: "sending",
      message_id: message!.messageId,
    });
    expect(await sender.transmit(message!)).toMatchObject({ ok: true });
    expect(ctx.smtp.to("steps@r.test")).toHaveLength(1);
    await sender.recordSent(message!, outcome);
    expect(outcome).toMatchObject({ sent: 1, cancelled: 0, failed: 0, skipped: 0 });
    expect((await delivery("steps@r.test")).status).toBe("sent");
  });

  it("records the papers sent and never repeats them in a later edition", async () => {
    const sent = await sql<{ n: number }>`
      select count(*)::int as n from sent_papers sp
      join deliveries d on d.id = sp.delivery_id where d.status = 'sent'`.execute(ctx.deps.db);
    expect(sent.rows[0]!.n).toBeGreaterThan(0);
    const orphan = await sql<{ n: number }>`
      select count(*)::int as n from sent_papers sp
      join deliveries d on d.id = sp.delivery_id where d.status <> 'sent'`.execute(ctx.deps.db);
    expect(orphan.rows[0]!.n).toBe(0);
  });
});

describe("retryDelay", () => {
  it("doubles per attempt, with jitter between half and all of it, capped", () => {
    expect(retryDelay(1000, 1, 1)).toBe(1000);
    expect(retryDelay(1000, 3, 1)).toBe(4000);
    expect(retryDelay(1000, 3, 0)).toBe(2000);
    expect(retryDelay(1000, 40, 1)).toBe(30 * 60_000);
  });
});
