import type { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planDeliveries } from "../../src/delivery/plan.ts";
import { createDeps } from "../../src/platform/deps.ts";
import { startWorkers } from "../../src/platform/queues.ts";
import { jobHandlers } from "../../src/processes/worker.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import {
  addReaders,
  editionOf,
  mailsPerAddress,
  type ReaderSpec,
  seedEdition,
  settled,
  statusCounts,
} from "./seed.ts";

let ctx: TestContext;
let workers: Worker[];
beforeAll(async () => {
  ctx = await createTestContext({ now: "2026-08-17T20:00:00Z" });
  await seedEdition(ctx.deps.db, "2026-08-17");
  await seedEdition(ctx.deps.db, "2026-08-18"); // ingested all day, complete at 20:00 UTC
  workers = startWorkers(jobHandlers(ctx.deps, { retryBaseMs: 50 }), {
    connection: ctx.deps.redis,
    prefix: ctx.config.REDIS_PREFIX,
  });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await ctx.close();
});

/**
 * Readers across zones, with the UTC instant their hour comes on the simulated day
 * (2026-08-18, a Tuesday; no DST change that day) and the edition they must get: the 18th is
 * complete at 20:00 UTC (EDITION_CUTOFF_HOUR_UTC), so earlier hours get the 17th.
 */
const CASES: [ReaderSpec, string | null, string | null][] = [
  [{ email: "utc-0@r.test", timezone: "UTC", sendHour: 0 }, "00:00", "2026-08-17"],
  [{ email: "kathmandu-7@r.test", timezone: "Asia/Kathmandu", sendHour: 7 }, "01:15", "2026-08-17"],
  [{ email: "kolkata-9@r.test", timezone: "Asia/Kolkata", sendHour: 9 }, "03:30", "2026-08-17"],
  [{ email: "berlin-8@r.test", timezone: "Europe/Berlin", sendHour: 8 }, "06:00", "2026-08-17"],
  [{ email: "ny-8@r.test", timezone: "America/New_York", sendHour: 8 }, "12:00", "2026-08-17"],
  [{ email: "kiri-8@r.test", timezone: "Pacific/Kiritimati", sendHour: 8 }, "18:00", "2026-08-17"],
  [{ email: "berlin-21@r.test", timezone: "Europe/Berlin", sendHour: 21 }, "19:00", "2026-08-17"],
  [{ email: "la-13@r.test", timezone: "America/Los_Angeles", sendHour: 13 }, "20:00", "2026-08-18"],
  [{ email: "akl-8@r.test", timezone: "Pacific/Auckland", sendHour: 8 }, "20:00", "2026-08-18"],
  [{ email: "kolkata-2@r.test", timezone: "Asia/Kolkata", sendHour: 2 }, "20:30", "2026-08-18"],
  [{ email: "ny-17@r.test", timezone: "America/New_York", sendHour: 17 }, "21:00", "2026-08-18"],
  [
    { email: "weekly-tue@r.test", sendHour: 10, frequency: "weekly", weeklyDay: 2 },
    "10:00",
    "2026-08-17",
  ],
  [{ email: "weekly-wed@r.test", sendHour: 10, frequency: "weekly", weeklyDay: 3 }, null, null],
  [{ email: "paused@r.test", sendHour: 6, pausedUntil: "2026-08-18" }, null, null],
  [{ email: "pause-over@r.test", sendHour: 6, pausedUntil: "2026-08-17" }, "06:00", "2026-08-17"],
  [{ email: "left@r.test", sendHour: 6, status: "unsubscribed" }, null, null],
  [{ email: "unconfirmed@r.test", sendHour: 6, status: "pending" }, null, null],
];

describe("scheduled delivery through a day", () => {
  it("sends every due reader exactly one digest, at their local hour, of the right edition", async () => {
    // Three readers per case, so batches hold several zones.
    const readers = CASES.flatMap(([spec]) =>
      [1, 2, 3].map((n) => ({ ...spec, email: spec.email.replace("@", `+${n}@`) })),
    );
    await addReaders(ctx.deps.db, readers);

    // The evening before: readers whose hour comes between the 17th's cut-off and midnight
    // UTC get the 17th then (and must not get it again).
    for (let t = Date.parse("2026-08-17T20:00:00Z"); t < Date.parse("2026-08-18"); t += 900_000) {
      ctx.clock.set(new Date(t));
      await planDeliveries(ctx.deps);
      await settled(ctx.deps.db);
    }
    const evening = ctx.smtp.received.length;
    expect(evening).toBe(4 * 3); // la-13, ny-17, akl-8, kolkata-2
    expect(ctx.smtp.received.every((m) => editionOf(m) === "2026-08-17")).toBe(true);
    ctx.smtp.clear();

    const arrivedAt = new Map<string, string>(); // address → tick (HH:MM UTC) it arrived
    for (let tick = 0; tick < 96; tick++) {
      ctx.clock.set(new Date(Date.parse("2026-08-18T00:00:00Z") + tick * 15 * 60_000));
      await planDeliveries(ctx.deps);
      await settled(ctx.deps.db);
      for (const mail of ctx.smtp.received) {
        for (const to of mail.to) {
          if (!arrivedAt.has(to)) arrivedAt.set(to, ctx.clock.now().toISOString().slice(11, 16));
        }
      }
    }

    const perAddress = mailsPerAddress(ctx.smtp.received);
    for (const [spec, at, edition] of CASES) {
      for (const n of [1, 2, 3]) {
        const email = spec.email.replace("@", `+${n}@`);
        expect(perAddress.get(email) ?? 0, email).toBe(at ? 1 : 0);
        expect(arrivedAt.get(email) ?? null, email).toBe(at);
        const mail = ctx.smtp.to(email)[0];
        expect(mail ? editionOf(mail) : null, email).toBe(edition);
      }
    }
    const due = CASES.filter(([, at]) => at).length * 3;
    expect(await statusCounts(ctx.deps.db)).toEqual({ sent: evening + due });
  });

  it("creates nothing on a second tick, nor with two planners at once", async () => {
    ctx.smtp.clear();
    const second = await planDeliveries(ctx.deps);
    expect(second.planned).toBe(0);

    // New readers due now (23:45 UTC), planned by two processes at the same moment.
    await addReaders(
      ctx.deps.db,
      Array.from({ length: 60 }, (_, i) => ({ email: `race-${i}@r.test`, sendHour: 23 })),
    );
    const other = createDeps(ctx.config, { clock: ctx.clock, name: "second-planner" });
    try {
      const [a, b] = await Promise.all([planDeliveries(ctx.deps), planDeliveries(other)]);
      expect(a.planned + b.planned).toBe(60);
      await settled(ctx.deps.db);
      await ctx.smtp.waitFor(60);
      await new Promise((ok) => setTimeout(ok, 300)); // room for any duplicate to show up
      expect(ctx.smtp.received.length).toBe(60);
      expect([...mailsPerAddress(ctx.smtp.received).values()].every((n) => n === 1)).toBe(true);
    } finally {
      await other.close();
    }
  });
});
