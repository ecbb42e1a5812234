import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../../helpers/context.ts";
import { FORM, form, linkIn, nextIp, startApp, subscriberRow } from "../support.ts";

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

const settle = () => new Promise((ok) => setTimeout(ok, 300));

describe("subscribing", () => {
  it("by form: one confirmation mail, normalised address, choices stored", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/subscribe",
      headers: FORM,
      payload: form({
        email: "  Ada.Lovelace@Example.ORG ",
        topics: ["agents", "code"],
        timezone: "europe/berlin",
        frequency: "weekly",
        website: "",
      }),
      remoteAddress: nextIp(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Check your inbox");
    const [mail] = await ctx.smtp.waitFor(1);
    expect(mail!.to).toEqual(["Ada.Lovelace@example.org"]);
    expect(mail!.parsed.subject).toBe("Confirm your Paperboy subscription");
    expect(mail!.parsed.headers.get("auto-submitted")).toBe("auto-generated");
    expect(mail!.parsed.headers.has("list-unsubscribe")).toBe(false);
    expect(mail!.parsed.html).toContain("/confirm/");
    const row = (await subscriberRow(ctx, "Ada.Lovelace@example.org"))!;
    expect(row).toMatchObject({ status: "pending", timezone: "Europe/Berlin" });
    const topics = await ctx.deps.db
      .selectFrom("subscriber_topics")
      .select("topic_slug")
      .where("subscriber_id", "=", row.id)
      .orderBy("topic_slug")
      .execute();
    expect(topics.map((t) => t.topic_slug)).toEqual(["agents", "code"]);
    const prefs = await ctx.deps.db
      .selectFrom("preferences")
      .selectAll()
      .where("subscriber_id", "=", row.id)
      .executeTakeFirstOrThrow();
    expect(prefs.frequency).toBe("weekly");
    await settle();
    const events = await ctx.deps.db
      .selectFrom("events")
      .select(["type", "data"])
      .where("subscriber_id", "=", row.id)
      .execute();
    expect(events.map((e) => e.type)).toEqual(["subscriber.created", "mail.confirmation_sent"]);
    expect(JSON.stringify(events)).not.toMatch(/lovelace/i);

    // Same address in other case: no second row, no second mail within 5 minutes.
    const again = await app.inject({
      method: "POST",
      url: "/subscribe",
      headers: FORM,
      payload: form({ email: "ada.lovelace@EXAMPLE.org" }),
      remoteAddress: nextIp(),
    });
    expect(again.statusCode).toBe(200);
    await settle();
    expect(ctx.smtp.received).toHaveLength(1);
  });

  it("by JSON: 202, one mail whose link confirms only on POST", async () => {
    ctx.smtp.clear();
    const res = await app.inject({
      method: "POST",
      url: "/api/subscriptions",
      payload: { email: "grace@example.com", topics: ["llms"], timezone: "America/New_York" },
      remoteAddress: nextIp(),
    });
    expect(res.statusCode).toBe(202);
    expect(res.json().status).toBe("accepted");
    const [mail] = await ctx.smtp.waitFor(1);
    const confirm = linkIn(mail!.parsed.text ?? "", "confirm");

    const page = await app.inject({ method: "GET", url: confirm });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`action="${confirm}"`);
    expect((await subscriberRow(ctx, "grace@example.com"))!.status).toBe("pending");

    const done = await app.inject({ method: "POST", url: confirm });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain("You’re subscribed");
    expect(done.body).toMatch(/href="https:\/\/paperboy\.test\/preferences\/[^"]+"/);
    const row = (await subscriberRow(ctx, "grace@example.com"))!;
    expect(row.status).toBe("active");
    expect(row.confirmed_at).not.toBeNull();

    const [, welcome] = await ctx.smtp.waitFor(2);
    expect(welcome!.parsed.subject).toBe("Welcome to Paperboy");
    expect(welcome!.parsed.headers.get("auto-submitted")).toBe("auto-generated");
    linkIn(welcome!.parsed.text ?? "", "preferences");
    linkIn(welcome!.parsed.text ?? "", "unsubscribe");

    // Confirming twice is harmless: no second welcome mail.
    expect((await app.inject({ method: "POST", url: confirm })).body).toContain(
      "already subscribed",
    );
    await settle();
    expect(ctx.smtp.received).toHaveLength(2);
  });

  it("sends a fresh confirmation after 5 minutes, and one only under concurrency", async () => {
    ctx.smtp.clear();
    const send = () =>
      app.inject({
        method: "POST",
        url: "/api/subscriptions",
        payload: { email: "race@example.com" },
        remoteAddress: nextIp(),
      });
    const answers = await Promise.all(Array.from({ length: 8 }, send));
    expect(answers.every((a) => a.statusCode === 202)).toBe(true);
    await ctx.smtp.waitFor(1);
    await settle();
    expect(ctx.smtp.received).toHaveLength(1);

    ctx.clock.advance(4 * 60 * 1000);
    await send();
    await settle();
    expect(ctx.smtp.received).toHaveLength(1);

    ctx.clock.advance(61 * 1000);
    await send();
    await ctx.smtp.waitFor(2);
  });

  it("a burst of new addresses: one confirmation each, queued as one group job the worker fans out", async () => {
    ctx.smtp.clear();
    const emails = Array.from({ length: 12 }, (_, i) => `burst${i}@example.com`);
    const answers = await Promise.all(
      emails.map((email) =>
        app.inject({
          method: "POST",
          url: "/api/subscriptions",
          payload: { email },
          remoteAddress: nextIp(),
        }),
      ),
    );
    expect(answers.every((a) => a.statusCode === 202)).toBe(true);
    await ctx.smtp.waitFor(emails.length);
    await settle();
    expect(emails.map((e) => ctx.smtp.to(e).length)).toEqual(emails.map(() => 1));
    const groups = await ctx.deps.queues.mail.getJobs(["completed"]);
    expect(groups.some((j) => j.name === "queue-transactional")).toBe(true);
  });

  it("answers byte-identically for new, pending, active and unsubscribed addresses", async () => {
    const { deps } = ctx;
    await deps.db
      .insertInto("subscribers")
      .values([
        { email: "active@example.com", status: "active" },
        { email: "gone@example.com", status: "unsubscribed" },
        { email: "pending@example.com", status: "pending" },
      ])
      .execute();
    await deps.db
      .insertInto("suppressions")
      .values({ email: "bounced@example.com", reason: "hard_bounce" })
      .execute();
    // The page repeats the address the reader typed (so they can spot a typo); with that
    // replaced, every answer must be the same byte for byte.
    const strip = (headers: Record<string, unknown>) => {
      const { date: _date, "content-length": _length, ...rest } = headers;
      return rest;
    };
    for (const route of ["json", "form"] as const) {
      const answers = [];
      for (const email of [
        "new@example.com",
        "pending@example.com",
        "active@example.com",
        "gone@example.com",
        "bounced@example.com",
      ]) {
        const res =
          route === "json"
            ? await app.inject({
                method: "POST",
                url: "/api/subscriptions",
                payload: { email },
                remoteAddress: nextIp(),
              })
            : await app.inject({
                method: "POST",
                url: "/subscribe",
                headers: FORM,
                payload: form({ email }),
                remoteAddress: nextIp(),
              });
        answers.push({
          status: res.statusCode,
          headers: strip(res.headers),
          body: res.body.replaceAll(email, "ADDRESS"),
        });
      }
      for (const a of answers) expect(a).toEqual(answers[0]);
    }
    await settle();
    // Suppressed and active addresses got nothing; the suppressed one is not even stored.
    const to = ctx.smtp.received.flatMap((m) => m.to);
    expect(to).not.toContain("active@example.com");
    expect(to).not.toContain("bounced@example.com");
    expect(await subscriberRow(ctx, "bounced@example.com")).toBeUndefined();
  });

  it("drops honeypot posts silently: same page, nothing stored or sent", async () => {
    ctx.smtp.clear();
    const res = await app.inject({
      method: "POST",
      url: "/subscribe",
      headers: FORM,
      payload: form({ email: "bot@example.com", website: "http://spam.example" }),
      remoteAddress: nextIp(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Check your inbox");
    await settle();
    // By recipient: a late confirmation of the previous test's readers may still arrive.
    expect(ctx.smtp.received.flatMap((m) => m.to)).not.toContain("bot@example.com");
    expect(await subscriberRow(ctx, "bot@example.com")).toBeUndefined();
  });

  it("limits each IP to 10 subscribe requests a minute with a 429", async () => {
    const remoteAddress = "192.0.2.77";
    const codes = [];
    for (let i = 0; i < 12; i++) {
      const res = await app.inject({
        method: "POST",
        url: "/api/subscriptions",
        payload: { email: `flood${i}@example.com` },
        remoteAddress,
      });
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, 10).every((c) => c === 202)).toBe(true);
    expect(codes.slice(10)).toEqual([429, 429]);
    const blocked = await app.inject({
      method: "POST",
      url: "/subscribe",
      headers: FORM,
      payload: form({ email: "x@example.com" }),
      remoteAddress,
    });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.body).toContain("Too many requests");
  });

  it("shows the landing page with the subscribe form and every topic", async () => {
    const res = await app.inject("/");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('action="/subscribe"');
    expect(res.body).toContain("data-timezone");
    const topics = await ctx.deps.db.selectFrom("topics").select("slug").execute();
    for (const t of topics) expect(res.body).toContain(`value="${t.slug}"`);
    expect(res.headers["content-security-policy"]).toContain("script-src 'self'");
    // Nothing personal on it: shared caches may keep it for five minutes.
    expect(res.headers["cache-control"]).toBe("public, max-age=300");
  });
});

describe("an overloaded server (more unwritten subscribes than SUBSCRIBE_BACKLOG_LIMIT)", () => {
  let busy: TestContext;
  let busyApp: FastifyInstance;
  beforeAll(async () => {
    busy = await createTestContext({ env: { SUBSCRIBE_BACKLOG_LIMIT: "0" } });
    busyApp = await startApp(busy);
  });
  afterAll(async () => {
    await busyApp.close();
    await busy.close();
  });

  it("answers 503 with Retry-After for the API and the form, and stores and mails nothing", async () => {
    const api = await busyApp.inject({
      method: "POST",
      url: "/api/subscriptions",
      headers: { "content-type": "application/json" },
      payload: { email: "grace@example.org" },
      remoteAddress: nextIp(),
    });
    expect(api.statusCode).toBe(503);
    expect(api.headers["retry-after"]).toBe("10");
    expect(api.json().error).toMatch(/very busy/);
    const page = await busyApp.inject({
      method: "POST",
      url: "/subscribe",
      headers: FORM,
      payload: form({ email: "grace@example.org", website: "" }),
      remoteAddress: nextIp(),
    });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain("very busy");
    await settle();
    expect(await subscriberRow(busy, "grace@example.org")).toBeUndefined();
    expect(busy.smtp.received).toHaveLength(0);
  });
});
