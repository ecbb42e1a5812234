import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeliverySender } from "../../../src/delivery/send.ts";
import { createDeps } from "../../../src/platform/deps.ts";
import { buildServer } from "../../../src/processes/server.ts";
import { addReaders, seedEdition } from "../../delivery/seed.ts";
import { createTestContext, TEST_ADMIN_TOKEN, type TestContext } from "../../helpers/context.ts";

const SECRET = "bounce-secret-0123456789";
let ctx: TestContext;
let app: FastifyInstance;
beforeAll(async () => {
  ctx = await createTestContext({ env: { BOUNCE_WEBHOOK_SECRET: SECRET } });
  app = await buildServer(ctx.deps);
});
afterAll(async () => {
  await app.close();
  await ctx.close();
});

const bounce = (body: unknown, secret: string | null = SECRET, raw?: string) =>
  app.inject({
    method: "POST",
    url: "/webhooks/bounce",
    headers: {
      "content-type": "application/json",
      ...(secret ? { authorization: `Bearer ${secret}` } : {}),
    },
    payload: raw ?? JSON.stringify(body),
  });

describe("POST /webhooks/bounce", () => {
  it("suppresses a complaining address, marks the reader and cancels pending mail", async () => {
    await seedEdition(ctx.deps.db, "2026-08-17");
    const [id] = await addReaders(ctx.deps.db, [{ email: "Angry@R.test" }]);
    const queued = await ctx.deps.db
      .insertInto("deliveries")
      .values({ subscriber_id: id!, edition_date: "2026-08-17" })
      .returning("id")
      .executeTakeFirstOrThrow();

    const res = await bounce({ email: "angry@r.test", type: "complaint", detail: "abuse report" });
    expect(res.statusCode).toBe(200);
    const reader = await ctx.deps.db
      .selectFrom("subscribers")
      .select("status")
      .where("id", "=", id!)
      .executeTakeFirstOrThrow();
    expect(reader.status).toBe("complained");
    // The digest queued before the complaint is refused when its send job runs.
    const outcome = await createDeliverySender(ctx.deps).sendBatch([queued.id]);
    expect(outcome).toMatchObject({ sent: 0, cancelled: 1 });
    expect(ctx.smtp.to("Angry@R.test")).toHaveLength(0);
    const delivery = await ctx.deps.db
      .selectFrom("deliveries")
      .select("status")
      .where("subscriber_id", "=", id!)
      .executeTakeFirstOrThrow();
    expect(delivery.status).toBe("cancelled");
    const suppression = await ctx.deps.db
      .selectFrom("suppressions")
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(suppression).toMatchObject({ email: "angry@r.test", reason: "complaint" });
  });

  it("answers the same whether or not the address is known, and is idempotent", async () => {
    const unknown = await bounce({ email: "nobody@r.test", type: "hard_bounce" });
    const again = await bounce({ email: "angry@r.test", type: "complaint" });
    expect(unknown.statusCode).toBe(again.statusCode);
    expect(unknown.body).toBe(again.body);
  });

  it("rejects a missing or wrong secret with 401 and changes nothing", async () => {
    expect((await bounce({ email: "x@r.test", type: "hard_bounce" }, null)).statusCode).toBe(401);
    expect((await bounce({ email: "x@r.test", type: "hard_bounce" }, "wrong")).statusCode).toBe(
      401,
    );
    const rows = await ctx.deps.db
      .selectFrom("suppressions")
      .select("email")
      .where("email", "=", "x@r.test")
      .execute();
    expect(rows).toHaveLength(0);
  });

  it("rejects bad JSON and bad fields with 400", async () => {
    expect((await bounce(null, SECRET, "{not json")).statusCode).toBe(400);
    expect((await bounce({ email: "not-an-address", type: "hard_bounce" })).statusCode).toBe(400);
    expect((await bounce({ email: "a@r.test", type: "soft" })).statusCode).toBe(400);
    expect((await bounce({ email: "a@r.test", type: "complaint", extra: 1 })).statusCode).toBe(400);
  });

  it("does not exist when no secret is configured", async () => {
    const deps = createDeps({ ...ctx.config, BOUNCE_WEBHOOK_SECRET: undefined });
    const other = await buildServer(deps);
    try {
      const res = await other.inject({
        method: "POST",
        url: "/webhooks/bounce",
        headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` },
        payload: JSON.stringify({ email: "a@r.test", type: "complaint" }),
      });
      expect(res.statusCode).toBe(404);
    } finally {
      await other.close();
      await deps.close();
    }
  });
});

describe("admin views", () => {
  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

  it("serves delivery counts per edition behind the admin token", async () => {
    expect((await app.inject("/admin/stats")).statusCode).toBe(401);
    const res = await app.inject({ url: "/admin/stats", headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json().editions).toEqual([
      { edition: "2026-08-17", counts: { cancelled: 1 }, total: 1 },
    ]);
    expect(res.json().queues.send).toMatchObject({ paused: false, waiting: 0 });
  });

  it("serves the queue dashboard behind the admin token", async () => {
    expect((await app.inject("/admin/queues")).statusCode).toBe(401);
    const page = await app.inject({ url: "/admin/queues", headers: admin });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<div id="root">');
    const api = await app.inject({ url: "/admin/queues/api/queues", headers: admin });
    expect(api.statusCode).toBe(200);
    expect(
      api
        .json()
        .queues.map((q: { name: string }) => q.name)
        .sort(),
    ).toEqual(["ingest", "learn", "mail", "plan", "send", "webhooks"]);
    expect((await app.inject("/admin/queues/api/queues")).statusCode).toBe(401);
  });

  it("reports a paused send queue in /metrics", async () => {
    await ctx.deps.queues.send.pause();
    const metrics = { url: "/metrics", headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } };
    const paused = await app.inject(metrics);
    expect(paused.body).toMatch(/paperboy_send_queue_paused 1/);
    await ctx.deps.queues.send.resume();
    const resumed = await app.inject(metrics);
    expect(resumed.body).toMatch(/paperboy_send_queue_paused 0/);
  });
});

describe("admin home", () => {
  it("asks for the token, then shows readers, editions, bounces, queues and the tools", async () => {
    const anonymous = await app.inject("/admin");
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toContain("Basic");
    const basic = Buffer.from(`any-name:${TEST_ADMIN_TOKEN}`).toString("base64");
    const res = await app.inject({ url: "/admin", headers: { authorization: `Basic ${basic}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/html");
    const body = res.body;
    // The complaint of the webhook tests above, and its reader.
    expect(body).toMatch(/<th scope="row">complained<\/th><td>1<\/td>/);
    expect(body).toContain("angry@r.test");
    expect(body).toMatch(/<th scope="row">2026-08-17<\/th>(<td>\d+<\/td>){3}<td>1<\/td>/);
    expect(body).toMatch(/<th scope="row">send<\/th>/);
    for (const link of ["/admin/queues", "/admin/stats", "/docs", 'action="/admin/preview"']) {
      expect(body).toContain(link);
    }
  });
});
