import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeliverySender } from "../../../src/delivery/send.ts";
import { revokeLinks } from "../../../src/subscribers/repository.ts";
import { signToken, subscriberLinks } from "../../../src/subscribers/tokens.ts";
import { createTestContext, TEST_SECRET, type TestContext } from "../../helpers/context.ts";
import {
  activeSubscriber,
  FORM,
  form,
  linkIn,
  nextIp,
  startApp,
  subscriberRow,
} from "../support.ts";

let ctx: TestContext;
let app: FastifyInstance;
beforeAll(async () => {
  ctx = await createTestContext();
  app = await startApp(ctx);
});
afterAll(async () => {
  await app.close();
  await ctx.close();
});

const fullForm = {
  topics: ["agents", "robotics"],
  keywords: "diffusion\nretrieval, world models",
  authors: "Yann LeCun",
  muted_topics: ["image-generation"],
  muted_keywords: "survey\nchain-of-thought",
  muted_authors: "",
  frequency: "weekly",
  weekly_day: "3",
  send_hour: "7",
  timezone: "Asia/Tokyo",
  max_papers: "5",
  min_upvotes: "10",
  paused_until: "",
};

describe("preferences", () => {
  it("round-trip through the page: shows current values, saves, says what changed", async () => {
    const { manage } = await activeSubscriber(app, ctx, "pref@example.com");
    const page = await app.inject(manage);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("pref@example.com");
    expect(page.body).toMatch(/value="agents" checked/);
    expect(page.body).toContain('<option value="8" selected>8:00</option>');

    const saved = await app.inject({
      method: "POST",
      url: manage,
      headers: FORM,
      payload: form(fullForm),
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.body).toContain("Send hour: 8:00 → 7:00");
    expect(saved.body).toContain("Topics added: Robotics &amp; embodied AI");
    expect(saved.body).toContain("Frequency: daily → weekly");
    expect(saved.body).toContain("Muted topics: none → Image generation");
    expect(saved.body).toContain("Muted keywords: none → survey, chain-of-thought");
    expect(saved.body).toMatch(
      /<option value="image-generation" selected>Image generation<\/option>/,
    );
    expect(saved.body).toContain("Empty days: skip empty days → mail even when nothing matches");
    expect(saved.body).toContain('<option value="7" selected>7:00</option>');

    const api = await app.inject(`/api${manage}`);
    expect(api.statusCode).toBe(200);
    expect(api.json()).toEqual({
      email: "pref@example.com",
      status: "active",
      preferences: {
        topics: ["agents", "robotics"],
        keywords: ["diffusion", "retrieval", "world models"],
        authors: ["Yann LeCun"],
        muted_topics: ["image-generation"],
        muted_keywords: ["survey", "chain-of-thought"],
        muted_authors: [],
        frequency: "weekly",
        weekly_day: 3,
        send_hour: 7,
        timezone: "Asia/Tokyo",
        max_papers: 5,
        min_upvotes: 10,
        skip_empty: false,
        paused_until: null,
      },
    });
  });

  it("round-trip through the JSON API, partial updates, events without personal data", async () => {
    const { manage, row } = await activeSubscriber(app, ctx, "api@example.com");
    const put = await app.inject({
      method: "PUT",
      url: `/api${manage}`,
      payload: { send_hour: 6, topics: ["llms"], paused_until: "2026-09-01", skip_empty: true },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().changes).toEqual([
      "Topics added: Language models",
      "Topics removed: Agents & tool use",
      "Send hour: 8:00 → 6:00",
      "Paused until: not paused → 2026-09-01",
    ]);
    const got = (await app.inject(`/api${manage}`)).json().preferences;
    expect(got).toMatchObject({
      send_hour: 6,
      topics: ["llms"],
      paused_until: "2026-09-01",
      frequency: "daily",
    });

    const page = await app.inject(manage);
    expect(page.body).toContain('value="2026-09-01"');

    const unchanged = await app.inject({
      method: "PUT",
      url: `/api${manage}`,
      payload: { send_hour: 6 },
    });
    expect(unchanged.json().changes).toEqual([]);

    const events = await ctx.deps.db
      .selectFrom("events")
      .select(["type", "data"])
      .where("subscriber_id", "=", row.id)
      .where("type", "=", "preferences.updated")
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toEqual({ fields: ["topics", "send_hour", "paused_until"] });
  });
});

describe("the JSON API's read → edit → write back", () => {
  it("takes back exactly what GET answered, edited, with email and status ignored", async () => {
    const { manage } = await activeSubscriber(app, ctx, "roundtrip@example.com");
    const body = (await app.inject(`/api${manage}`)).json();
    body.preferences.send_hour = 9;
    body.preferences.muted_authors = ["Jane Doe"];
    body.email = "someone-else@example.com"; // read-only: ignored
    body.status = "unsubscribed"; // read-only: ignored
    const put = await app.inject({ method: "PUT", url: `/api${manage}`, payload: body });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().changes).toEqual([
      "Muted authors: none → Jane Doe",
      "Send hour: 8:00 → 9:00",
    ]);
    const again = (await app.inject(`/api${manage}`)).json();
    expect(again).toMatchObject({ email: "roundtrip@example.com", status: "active" });
    expect(again.preferences).toEqual({ ...body.preferences, send_hour: 9 });
    // And the unchanged body once more is a no-op, not an error.
    const same = await app.inject({ method: "PUT", url: `/api${manage}`, payload: again });
    expect(same.statusCode).toBe(200);
    expect(same.json().changes).toEqual([]);
  });

  it("rejects bad mutes with a clear 400 and saves nothing", async () => {
    const { manage } = await activeSubscriber(app, ctx, "badmute@example.com");
    const cases: [unknown, string][] = [
      [{ muted_topics: ["astrology"] }, "muted_topics: unknown topic: astrology"],
      [{ muted_topics: "agents" }, "muted_topics must be a list of topic names"],
      [
        { muted_keywords: ["x".repeat(61)] },
        "each of muted_keywords must be at most 60 characters",
      ],
      [{ muted_authors: [1] }, "muted_authors must be a list of text"],
      [{ preferences: { muted_keywords: "survey" } }, "muted_keywords must be a list of text"],
      [{ mutes: [] }, "unknown field: mutes"],
    ];
    for (const [payload, message] of cases) {
      const res = await app.inject({
        method: "PUT",
        url: `/api${manage}`,
        payload: payload as object,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error).toContain(message);
    }
    const got = (await app.inject(`/api${manage}`)).json().preferences;
    expect(got).toMatchObject({ muted_topics: [], muted_keywords: [], muted_authors: [] });
  });
});

describe("tokens on links", () => {
  it("reject forged, truncated, other-purpose, expired and revoked links with a 404 page", async () => {
    const { manage, unsubscribe, row } = await activeSubscriber(app, ctx, "links@example.com");
    const token = manage.split("/").pop()!;
    const sign = (
      purpose: "confirm" | "manage" | "unsubscribe",
      extra: Partial<{ version: number; issuedAt: number; subscriberId: number }> = {},
    ) =>
      signToken(TEST_SECRET, {
        purpose,
        subscriberId: row.id,
        version: row.token_version,
        issuedAt: ctx.clock.now().getTime() / 1000,
        ...extra,
      });
    const bad = [
      `/preferences/${token.slice(0, -2)}`,
      `/preferences/${token}x`,
      `/preferences/${signToken("another-secret-0123456789abcdef0123", { purpose: "manage", subscriberId: row.id, version: 1, issuedAt: 0 })}`,
      `/preferences/${sign("unsubscribe")}`,
      `/unsubscribe/${sign("manage")}`,
      `/confirm/${sign("manage")}`,
      `/confirm/${sign("confirm", { issuedAt: ctx.clock.now().getTime() / 1000 - 8 * 24 * 3600 })}`,
      `/preferences/${sign("manage", { subscriberId: 999_999 })}`,
      "/preferences/%00%27%20OR%201=1--",
      `/preferences/${"A".repeat(5000)}`,
    ];
    for (const url of bad) {
      const res = await app.inject(url);
      // Absurdly long tokens too: the router's 414 became the app's 404 page (issue 19).
      expect(res.statusCode, url).toBe(404);
      expect(res.headers["content-type"]).toContain("text/html");
      expect(res.body).toContain("This link is not valid");
    }
    const api = await app.inject(`/api/preferences/${token.slice(0, -1)}`);
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ statusCode: 404 });
    const postForged = await app.inject({ method: "POST", url: `/unsubscribe/${sign("manage")}` });
    expect(postForged.statusCode).toBe(404);
    expect((await subscriberRow(ctx, "links@example.com"))!.status).toBe("active");

    await revokeLinks(ctx.deps.db, row.id, ctx.clock.now());
    expect((await app.inject(manage)).statusCode).toBe(404);
    expect((await app.inject({ method: "POST", url: unsubscribe })).statusCode).toBe(404);
    expect((await subscriberRow(ctx, "links@example.com"))!.status).toBe("active");
  });
});

describe("unsubscribe", () => {
  it.each([
    [
      "urlencoded",
      { "content-type": "application/x-www-form-urlencoded" },
      "List-Unsubscribe=One-Click",
    ],
    [
      "multipart",
      { "content-type": "multipart/form-data; boundary=XyZ" },
      '--XyZ\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--XyZ--\r\n',
    ],
    ["empty", {}, undefined],
  ])(
    "one-click POST with a %s body unsubscribes at once, 200 without redirect, idempotent",
    async (kind, headers, payload) => {
      const { unsubscribe, row } = await activeSubscriber(app, ctx, `oneclick-${kind}@example.com`);
      const queued = await ctx.deps.db
        .insertInto("deliveries")
        .values([
          { subscriber_id: row.id, edition_date: "2026-08-18", status: "pending" },
          { subscriber_id: row.id, edition_date: "2026-08-17", status: "sent" },
        ])
        .returning(["id", "status"])
        .execute();
      for (let i = 0; i < 2; i++) {
        const res = await app.inject({ method: "POST", url: unsubscribe, headers, payload });
        expect(res.statusCode).toBe(200);
        expect(res.headers.location).toBeUndefined();
        expect(res.headers["set-cookie"]).toBeUndefined();
      }
      const after = (await subscriberRow(ctx, `oneclick-${kind}@example.com`))!;
      expect(after.status).toBe("unsubscribed");
      expect(after.unsubscribed_at).not.toBeNull();
      // The digest already queued for them is refused when its send job runs: no mail.
      const mails = ctx.smtp.to(`oneclick-${kind}@example.com`).length;
      const outcome = await createDeliverySender(ctx.deps).sendBatch(
        queued.filter((d) => d.status === "pending").map((d) => d.id),
      );
      expect(outcome).toMatchObject({ sent: 0, cancelled: 1 });
      expect(ctx.smtp.to(`oneclick-${kind}@example.com`)).toHaveLength(mails);
      const deliveries = await ctx.deps.db
        .selectFrom("deliveries")
        .select(["edition_date", "status"])
        .where("subscriber_id", "=", row.id)
        .orderBy("edition_date")
        .execute();
      expect(deliveries).toEqual([
        { edition_date: "2026-08-17", status: "sent" },
        { edition_date: "2026-08-18", status: "cancelled" },
      ]);
      const events = await ctx.deps.db
        .selectFrom("events")
        .select("type")
        .where("subscriber_id", "=", row.id)
        .where("type", "=", "subscriber.unsubscribed")
        .execute();
      expect(events).toHaveLength(1);
    },
  );

  it("GET shows a button and never unsubscribes; the page flow unsubscribes and resubscribes", async () => {
    const { unsubscribe } = await activeSubscriber(app, ctx, "page@example.com");
    for (let i = 0; i < 3; i++) {
      const res = await app.inject(unsubscribe);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(`action="${unsubscribe}"`);
      expect(res.body).toContain("Manage preferences instead");
    }
    expect((await subscriberRow(ctx, "page@example.com"))!.status).toBe("active");

    const left = await app.inject({
      method: "POST",
      url: unsubscribe,
      headers: FORM,
      payload: "via=page",
    });
    expect(left.statusCode).toBe(200);
    expect(left.headers["content-type"]).toContain("text/html");
    expect(left.body).toContain("You’re unsubscribed");
    const gone = (await subscriberRow(ctx, "page@example.com"))!;
    expect(gone.status).toBe("unsubscribed");
    // Unsubscribing revoked the old link; the page's button carries the new one.
    const fresh = subscriberLinks("", TEST_SECRET, gone).unsubscribe;
    expect(fresh).not.toBe(unsubscribe);
    expect(left.body).toContain(`action="${fresh}/resubscribe"`);
    const old = await app.inject({ method: "POST", url: `${unsubscribe}/resubscribe` });
    expect(old.statusCode).toBe(404);

    const back = await app.inject({ method: "POST", url: `${fresh}/resubscribe` });
    expect(back.statusCode).toBe(200);
    expect(back.body).toContain("You’re subscribed again");
    expect((await subscriberRow(ctx, "page@example.com"))!.status).toBe("active");
  });

  it("an old confirmation link does not undo an unsubscribe; a fresh subscribe mails a new one", async () => {
    ctx.smtp.clear();
    const email = "return@example.com";
    await app.inject({
      method: "POST",
      url: "/api/subscriptions",
      payload: { email },
      remoteAddress: nextIp(),
    });
    await ctx.smtp.waitFor(1);
    const [mail] = ctx.smtp.to(email);
    const confirm = linkIn(mail!.parsed.text ?? "", "confirm");
    await app.inject({ method: "POST", url: confirm });
    await ctx.smtp.waitFor(2); // the welcome mail
    const row = (await subscriberRow(ctx, email))!;
    const { unsubscribe } = subscriberLinks("", TEST_SECRET, row);
    ctx.clock.advance(60_000);
    await app.inject({ method: "POST", url: unsubscribe });
    expect((await app.inject({ method: "POST", url: confirm })).statusCode).toBe(404);
    expect((await subscriberRow(ctx, email))!.status).toBe("unsubscribed");

    ctx.clock.advance(6 * 60_000);
    ctx.smtp.clear();
    await app.inject({
      method: "POST",
      url: "/api/subscriptions",
      payload: { email },
      remoteAddress: nextIp(),
    });
    await ctx.smtp.waitFor(1);
    const [again] = ctx.smtp.to(email);
    const fresh = linkIn(again!.parsed.text ?? "", "confirm");
    expect((await app.inject({ method: "POST", url: fresh })).statusCode).toBe(200);
    expect((await subscriberRow(ctx, email))!.status).toBe("active");
  });
});
