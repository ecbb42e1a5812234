import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverEdition } from "../../../src/delivery/deliver-edition.ts";
import { importSubscribers } from "../../../src/subscribers/import.ts";
import { subscriberLinks } from "../../../src/subscribers/tokens.ts";
import { seedEdition } from "../../delivery/seed.ts";
import { createTestContext, type TestContext } from "../../helpers/context.ts";
import { activeSubscriber, FORM, form, nextIp, startApp, subscriberRow } from "../support.ts";

let ctx: TestContext;
let app: FastifyInstance;
const EMAIL = "data.reader@example.test";

beforeAll(async () => {
  ctx = await createTestContext({ now: "2026-08-18T12:00:00Z" });
  await seedEdition(ctx.deps.db, "2026-08-17");
  app = await startApp(ctx);
});
afterAll(async () => {
  await app.close();
  await ctx.close();
});

async function rowsOf(table: "deliveries" | "sent_papers" | "events", id: number) {
  const r = await ctx.deps.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("subscriber_id", "=", id)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

describe("a reader's own data", () => {
  let reader: Awaited<ReturnType<typeof activeSubscriber>>;
  let feedPath: string;

  it("links the download, the private feed and erasure from the preferences page", async () => {
    reader = await activeSubscriber(app, ctx, EMAIL);
    // No topics: the day's trending papers (the seeded papers carry no topics).
    const put = await app.inject({
      method: "PUT",
      url: `/api/preferences/${reader.manage.split("/").pop()}`,
      payload: { topics: [] },
    });
    expect(put.statusCode).toBe(200);
    const run = await deliverEdition(ctx.deps, "2026-08-17", () => {}, { retryBaseMs: 10 });
    expect(run.sent).toBe(1);
    const page = await app.inject(reader.manage);
    expect(page.statusCode).toBe(200);
    const token = reader.manage.split("/").pop()!;
    expect(page.body).toContain(`href="/api/me/${token}"`);
    expect(page.body).toContain(`action="/erase/${token}"`);
    feedPath = new URL(subscriberLinks("https://x.test", ctx.config.APP_SECRET, reader.row).feed)
      .pathname;
    expect(page.body).toContain(`${feedPath}.xml`);
    expect(page.body).toContain(`${feedPath}.json`);
  });

  it("downloads everything held about the reader as JSON", async () => {
    const token = reader.manage.split("/").pop()!;
    const res = await app.inject(`/api/me/${token}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-disposition"]).toContain("attachment");
    expect(res.headers["cache-control"]).toBe("no-store");
    const data = res.json();
    expect(data.profile).toMatchObject({ id: reader.row.id, email: EMAIL, status: "active" });
    expect(data.preferences).toMatchObject({ topics: [], send_hour: 8 });
    expect(data.deliveries).toEqual([
      expect.objectContaining({ edition_date: "2026-08-17", status: "sent" }),
    ]);
    expect(data.sent_papers.length).toBeGreaterThan(0);
    expect(data.events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(["subscriber.created", "subscriber.confirmed", "preferences.updated"]),
    );
    expect((await app.inject("/api/me/not-a-token")).statusCode).toBe(404);
  });

  it("serves the reader's own digests as RSS and JSON Feed, on a read-only token", async () => {
    const json = await app.inject(`${feedPath}.json`);
    expect(json.statusCode).toBe(200);
    expect(json.headers["content-type"]).toContain("application/feed+json");
    const feed = json.json();
    expect(feed.items).toHaveLength(1);
    const sent = await ctx.deps.db
      .selectFrom("sent_papers")
      .innerJoin("papers", "papers.id", "sent_papers.paper_id")
      .select("papers.title")
      .where("subscriber_id", "=", reader.row.id)
      .execute();
    for (const { title } of sent.slice(0, 10)) {
      expect(feed.items[0].content_html).toContain(title.replaceAll("&", "&amp;").slice(0, 20));
    }
    const rss = await app.inject(`${feedPath}.xml`);
    expect(rss.statusCode).toBe(200);
    expect(rss.body).toContain("<rss");
    expect(rss.body).toContain("your digest");
    // A manage or unsubscribe token is not a feed token, and the reverse.
    const manageToken = reader.manage.split("/").pop()!;
    expect((await app.inject(`/feed/${manageToken}.xml`)).statusCode).toBe(404);
    expect((await app.inject(`/preferences/${feedPath.split("/").pop()}`)).statusCode).toBe(404);
    expect((await app.inject(`${feedPath}.html`)).statusCode).toBe(404);
  });

  it("erases the reader on POST and keeps only a hashed suppression", async () => {
    const id = reader.row.id;
    const token = reader.manage.split("/").pop()!;
    const noConfirm = await app.inject({
      method: "POST",
      url: `/erase/${token}`,
      headers: FORM,
      payload: "",
    });
    expect(noConfirm.statusCode).toBe(400);
    expect(await subscriberRow(ctx, EMAIL)).toBeDefined();

    const res = await app.inject({
      method: "POST",
      url: `/erase/${token}`,
      headers: FORM,
      payload: form({ confirm: "erase" }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("erased");
    expect(await subscriberRow(ctx, EMAIL)).toBeUndefined();
    expect(await rowsOf("deliveries", id)).toBe(0);
    expect(await rowsOf("sent_papers", id)).toBe(0);
    expect(await rowsOf("events", id)).toBe(0);
    const suppressions = await ctx.deps.db.selectFrom("suppressions").selectAll().execute();
    expect(suppressions).toHaveLength(1);
    expect(suppressions[0]!.email).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(suppressions)).not.toMatch(/data\.reader/i);
    const erased = await ctx.deps.db
      .selectFrom("events")
      .select(["subscriber_id", "type"])
      .where("type", "=", "subscriber.erased")
      .execute();
    expect(erased).toEqual([{ subscriber_id: null, type: "subscriber.erased" }]);
    // Every old link is dead.
    expect((await app.inject(reader.manage)).statusCode).toBe(404);
    expect((await app.inject(`${feedPath}.json`)).statusCode).toBe(404);
    // The event log stays append-only outside an erasure.
    await expect(sql`delete from events`.execute(ctx.deps.db)).rejects.toThrow(/append-only/);
  });

  it("lets no import or subscribe bring the erased address back", async () => {
    const csv = `email,topics\nDATA.Reader@example.test,agents\nnew.reader@example.test,agents\n`;
    const report = await importSubscribers(ctx.deps.db, Readable.from([csv]), {
      confirmed: true,
      now: ctx.clock.now(),
    });
    expect(report.imported).toBe(1);
    expect(report.rejected).toEqual([expect.objectContaining({ line: 2 })]);
    expect(await subscriberRow(ctx, EMAIL)).toBeUndefined();
    const res = await app.inject({
      method: "POST",
      url: "/api/subscriptions",
      payload: { email: EMAIL },
      remoteAddress: nextIp(),
    });
    expect(res.statusCode).toBe(202);
    expect(await subscriberRow(ctx, EMAIL)).toBeUndefined();
  });
});
