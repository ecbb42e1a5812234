import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  recordSubscribeRequests,
  takeConfirmationBudgets,
  unsubscribeSubscribers,
} from "../../src/subscribers/batch-repository.ts";
import { unsubscribeByLinks } from "../../src/subscribers/one-click.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx.close();
});

const NOW = new Date("2026-03-01T08:00:00Z");
const choices = { timezone: "UTC", frequency: "daily" as const };

describe("grouped writes against Postgres", () => {
  it("records many subscribe requests in one statement, each with its own outcome", async () => {
    await ctx.deps.db
      .insertInto("suppressions")
      .values({ email: "gone@r.test", reason: "complaint" })
      .execute();
    const outcomes = await recordSubscribeRequests(
      ctx.deps.db,
      [
        { email: "one@r.test", topics: ["agents"], ...choices },
        { email: "gone@r.test", topics: ["agents"], ...choices },
        { email: "two@r.test", topics: ["agents", "no-such-topic"], ...choices },
        { email: "three@r.test", topics: ["code", "agents"], ...choices },
      ],
      NOW,
    );
    expect(outcomes.map((o) => o.kind)).toEqual([
      "created",
      "unchanged",
      "unknown-topics",
      "created",
    ]);
    expect(outcomes[2]).toEqual({ kind: "unknown-topics", topics: ["no-such-topic"] });
    const rows = await ctx.deps.db
      .selectFrom("subscribers as s")
      .innerJoin("subscriber_topics as t", "t.subscriber_id", "s.id")
      .select(["s.email", "t.topic_slug"])
      .orderBy("s.email")
      .orderBy("t.topic_slug")
      .execute();
    expect(rows).toEqual([
      { email: "one@r.test", topic_slug: "agents" },
      { email: "three@r.test", topic_slug: "agents" },
      { email: "three@r.test", topic_slug: "code" },
    ]);
    // Again, with other topics: the pending readers' choices are replaced, not added to.
    const again = await recordSubscribeRequests(
      ctx.deps.db,
      [{ email: "THREE@r.test", topics: ["agents"], ...choices }],
      NOW,
    );
    expect(again[0]!.kind).toBe("choices-replaced");
    const topics = await ctx.deps.db
      .selectFrom("subscriber_topics")
      .select("topic_slug")
      .where("subscriber_id", "=", (again[0] as { subscriberId: number }).subscriberId)
      .execute();
    expect(topics.map((t) => t.topic_slug)).toEqual(["agents"]);
  });

  it("never grants a budget beyond its maximum when two groups take it at once", async () => {
    const readers = Array.from({ length: 5 }, () => [
      { key: "domain:race", max: 3, windowMs: 3_600_000 },
    ]);
    const [a, b] = await Promise.all([
      takeConfirmationBudgets(ctx.deps.db, readers, NOW),
      takeConfirmationBudgets(ctx.deps.db, readers, NOW),
    ]);
    const granted = [...a!, ...b!].filter((r) => r === null).length;
    expect(granted).toBe(3);
    const { rows } = await sql<{ sent: number }>`
      select sent from confirmation_limits where key = 'domain:race'`.execute(ctx.deps.db);
    expect(rows[0]!.sent).toBe(3);
  });

  it("unsubscribes many readers in one statement; a reader who already left is unchanged", async () => {
    const ids = await ctx.deps.db
      .selectFrom("subscribers")
      .select("id")
      .where("email", "in", ["one@r.test", "three@r.test"])
      .orderBy("email")
      .execute();
    const requests = ids.map((r) => ({ subscriberId: r.id, via: "one-click" }));
    expect(await unsubscribeSubscribers(ctx.deps.db, requests, NOW)).toEqual([true, true]);
    expect(await unsubscribeSubscribers(ctx.deps.db, requests, NOW)).toEqual([false, false]);
    const events = await ctx.deps.db
      .selectFrom("events")
      .select(["subscriber_id", "data"])
      .where("type", "=", "subscriber.unsubscribed")
      .execute();
    expect(events).toHaveLength(2);
    expect(events.every((e) => (e.data as { via: string }).via === "one-click")).toBe(true);
  });

  it("one-click: only a current link of a reader still here unsubscribes; each reader's row as it was", async () => {
    const readers = await ctx.deps.db
      .insertInto("subscribers")
      .values([
        { email: "click-active@r.test", status: "active", token_version: 3 },
        { email: "click-left@r.test", status: "unsubscribed", token_version: 2 },
        { email: "click-old@r.test", status: "active", token_version: 5 },
      ])
      .returning(["id"])
      .execute();
    const [active, left, old] = readers.map((r) => r.id);
    const results = await unsubscribeByLinks(
      ctx.deps.db,
      [
        { subscriberId: active!, version: 3, via: "one-click" },
        { subscriberId: left!, version: 1, via: "one-click" },
        { subscriberId: old!, version: 4, via: "one-click" },
        { subscriberId: 999_999, version: 1, via: "one-click" },
      ],
      NOW,
    );
    expect(results.map((r) => [r.before?.status, r.before?.token_version, r.changed])).toEqual([
      ["active", 3, true],
      ["unsubscribed", 2, false],
      ["active", 5, false],
      [undefined, undefined, false],
    ]);
    const rows = await ctx.deps.db
      .selectFrom("subscribers")
      .select(["id", "status", "token_version"])
      .where("id", "in", [active!, old!])
      .orderBy("id")
      .execute();
    expect(rows).toEqual([
      { id: active, status: "unsubscribed", token_version: 4 },
      { id: old, status: "active", token_version: 5 },
    ]);
    const { rows: events } = await sql<{ n: number }>`
      select count(*)::int as n from events
       where type = 'subscriber.unsubscribed' and subscriber_id = ${active!}`.execute(ctx.deps.db);
    expect(events[0]!.n).toBe(1);
  });
});
