import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planEdition, reclaimDeadClaims } from "../../src/delivery/plan.ts";
import { createDeliverySender, emptyOutcome, retryDelay } from "../../src/delivery/send.ts";
import type { Deps } from "../../src/platform/deps.ts";
import { createProcessSession } from "../../src/platform/liveness.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { addReaders, deliveryIdsOf, seedEdition } from "./seed.ts";

const EDITION = "2026-08-17";
const noBreaker = { succeeded() {}, async failed() {} };

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ now: "2026-08-18T09:00:00Z" });
  await seedEdition(ctx.deps.db, EDITION);
});
afterAll(() => ctx.close());

/** Another process's view: the same database, its own liveness session. */
function otherProcess(): Deps {
  const session = createProcessSession(ctx.config.DATABASE_URL, "other", ctx.deps.logger);
  return { ...ctx.deps, session };
}

/** New readers with a pending delivery each; returns the delivery ids. */
async function pendingFor(prefix: string, n: number): Promise<number[]> {
  const ids = await addReaders(
    ctx.deps.db,
    Array.from({ length: n }, (_, i) => ({ email: `${prefix}-${i}@r.test` })),
  );
  await planEdition(ctx.deps, EDITION);
  return deliveryIdsOf(ctx.deps.db, ids);
}

async function rows(ids: number[]) {
  return ctx.deps.db
    .selectFrom("deliveries")
    .select(["status", "attempts", "send_failures", "error"])
    .where("id", "in", ids)
    .orderBy("id")
    .execute();
}

const later = (minutes: number) => new Date(ctx.clock.now().getTime() + minutes * 60_000);

describe("liveness of claims", () => {
  it("never takes a live process's claim, however old; takes a dead one's at once", async () => {
    const ids = await pendingFor("live", 3);
    const other = otherProcess();
    const held = await createDeliverySender(other).claim(ids, emptyOutcome());
    expect(held).toHaveLength(3);

    // An hour later (far past the 5-minute lease) the owner still lives: nothing is taken.
    expect((await reclaimDeadClaims(ctx.deps, later(60))).released).toBe(0);
    expect((await rows(ids)).map((r) => r.status)).toEqual(["sending", "sending", "sending"]);

    // The owner dies (its session closes, as on SIGKILL): reclaimed at once, lease or not.
    await other.session.close();
    const reclaim = await reclaimDeadClaims(ctx.deps, ctx.clock.now());
    expect(reclaim).toMatchObject({ released: 3, failed: 0 });
    expect((await rows(ids)).map((r) => r.status)).toEqual(["pending", "pending", "pending"]);
  });

  it("does not count crash reclaims as attempts: a twelfth reclaim is still sent", async () => {
    const ids = await pendingFor("reclaimed", 2);
    for (let crash = 0; crash < 12; crash++) {
      const other = otherProcess();
      expect(await createDeliverySender(other).claim(ids, emptyOutcome())).toHaveLength(2);
      await other.session.close();
      expect((await reclaimDeadClaims(ctx.deps, ctx.clock.now())).released).toBe(2);
    }
    expect(await rows(ids)).toMatchObject([
      { status: "pending", send_failures: 0 },
      { status: "pending", send_failures: 0 },
    ]);
    const outcome = await createDeliverySender(ctx.deps, { breaker: noBreaker }).sendBatch(ids);
    expect(outcome.sent).toBe(2);
  });

  it("gives up a dead process's claim only once the digest is stale", async () => {
    const ids = await pendingFor("stale-claim", 1);
    const other = otherProcess();
    await createDeliverySender(other).claim(ids, emptyOutcome());
    await other.session.close();
    const hours = ctx.config.DELIVERY_STALE_HOURS;
    const reclaim = await reclaimDeadClaims(ctx.deps, later(hours * 60 + 1));
    expect(reclaim).toMatchObject({ released: 0, failed: 1 });
    expect((await rows(ids))[0]!.status).toBe("failed");
  });
});

describe("own lost claims", () => {
  it("a live process gives back, after a minute, claims none of its batches works on", async () => {
    const ids = await pendingFor("lost-own", 2);
    const sender = createDeliverySender(ctx.deps, { breaker: noBreaker });
    // Claimed, then the batch is gone (as when it threw): nobody else may take these.
    expect(await sender.claim(ids, emptyOutcome())).toHaveLength(2);
    expect(await sender.releaseLostClaims()).toEqual([]); // not a minute old yet
    await sql`update deliveries set updated_at = updated_at - interval '2 minutes'
              where id in (${sql.join(ids)})`.execute(ctx.deps.db);
    expect((await reclaimDeadClaims(ctx.deps, later(60))).released).toBe(0);
    const lost = await sender.releaseLostClaims();
    expect(lost.map((r) => r.id)).toEqual(ids);
    expect((await rows(ids)).map((r) => r.status)).toEqual(["pending", "pending"]);
  });
});

describe("relay outage", () => {
  it("loses nobody through an hour-long outage (clock moved 5 min per retry)", async () => {
    const ids = await pendingFor("outage", 4);
    const sender = createDeliverySender(ctx.deps, { breaker: noBreaker });
    await ctx.smtp.stop(); // connections refused, as from a relay that is down
    const started = ctx.clock.now();
    try {
      for (let minute = 0; minute <= 70; minute += 5) {
        ctx.clock.set(new Date(started.getTime() + minute * 60_000));
        const outcome = await sender.sendBatch(ids);
        expect(outcome).toMatchObject({ sent: 0, failed: 0 });
        expect(outcome.retry).toHaveLength(4);
      }
    } finally {
      await ctx.smtp.start();
    }
    expect(await rows(ids)).toMatchObject(
      ids.map(() => ({ status: "pending", attempts: 15, send_failures: 15 })),
    );
    const outcome = await sender.sendBatch(ids);
    expect(outcome.sent).toBe(4);
    for (let i = 0; i < 4; i++) expect(ctx.smtp.to(`outage-${i}@r.test`)).toHaveLength(1);
  });

  it("gives a transient failure up once the digest is stale", async () => {
    const ids = await pendingFor("stale-send", 1);
    await sql`update deliveries set created_at = created_at - interval '25 hours'
              where id = ${ids[0]}`.execute(ctx.deps.db);
    await ctx.smtp.stop();
    try {
      const outcome = await createDeliverySender(ctx.deps, { breaker: noBreaker }).sendBatch(ids);
      expect(outcome).toMatchObject({ failed: 1, retry: [] });
    } finally {
      await ctx.smtp.start();
    }
    expect((await rows(ids))[0]!.error).toMatch(/^gave up \(stale\)/);
  });
});

describe("retryDelay", () => {
  it("stays between half and all of base·2^(failures-1), never above 30 minutes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (base, failures, random) => {
          const full = Math.min(30 * 60_000, base * 2 ** Math.max(0, failures - 1));
          const delay = retryDelay(base, failures, random);
          return delay >= Math.floor(full / 2) && delay <= Math.ceil(full) && delay <= 30 * 60_000;
        },
      ),
    );
  });
});
