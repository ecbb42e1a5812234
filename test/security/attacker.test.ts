import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importSubscribers } from "../../src/subscribers/import.ts";
import { suppressAddress } from "../../src/subscribers/repository.ts";
import { subscriberLinks } from "../../src/subscribers/tokens.ts";
import { metricsListener } from "../../src/web/routes/health.ts";
import { createTestContext, TEST_ADMIN_TOKEN, type TestContext } from "../helpers/context.ts";
import { waitUntil } from "../helpers/wait.ts";
import {
  activeSubscriber,
  FORM,
  form,
  linkIn,
  nextIp,
  startApp,
  subscriberRow,
} from "../web/support.ts";

/** Issue 19: each attack, as an attacker would try it, against the real server and worker. */

const DOMAIN_LIMIT = 3;
let ctx: TestContext;
let app: FastifyInstance;
beforeAll(async () => {
  ctx = await createTestContext({
    env: { CONFIRMATIONS_PER_DOMAIN_PER_HOUR: String(DOMAIN_LIMIT) },
  });
  app = await startApp(ctx);
});
afterAll(async () => {
  await app.close();
  await ctx.close();
});

/** Every request's after-reply work is done and every queued mail was sent or skipped. */
async function quiet() {
  await app.afterReplies();
  await waitUntil(async () => {
    const c = await ctx.deps.queues.mail.getJobCounts("waiting", "active", "delayed");
    return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0;
  }, "an idle mail queue");
}

const subscribeJson = (email: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: "POST",
    url: "/api/subscriptions",
    payload: { email },
    headers,
    remoteAddress: nextIp(),
  });

const subscribeForm = (email: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: "POST",
    url: "/subscribe",
    headers: { ...FORM, ...headers },
    payload: form({ email }),
    remoteAddress: nextIp(),
  });

const bearer = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const basic = (credentials: string) => ({
  authorization: `Basic ${Buffer.from(credentials).toString("base64")}`,
});

describe("1. /metrics is the operator's", () => {
  it("refuses anonymous scrapes, so queue depths cannot tell a new address from a known one", async () => {
    await subscribeJson("metrics-probe@one.test");
    const anonymous = await app.inject("/metrics");
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).not.toContain("paperboy_queue_jobs");
    expect(
      (await app.inject({ url: "/metrics", headers: basic(TEST_ADMIN_TOKEN) })).statusCode,
    ).toBe(401);
    const operator = await app.inject({ url: "/metrics", headers: bearer });
    expect(operator.statusCode).toBe(200);
    expect(operator.body).toContain("paperboy_queue_jobs");
    await quiet();
  });

  it("serves /metrics without a token on the METRICS_PORT listener, bound to loopback", async () => {
    const deps = { ...ctx.deps, config: { ...ctx.deps.config, METRICS_PORT: 0 } };
    const listener = (await metricsListener(deps))!;
    try {
      const address = listener.server.address();
      expect(address).toMatchObject({ address: "127.0.0.1" });
      const port = (address as { port: number }).port;
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("paperboy_queue_jobs");
      expect((await fetch(`http://127.0.0.1:${port}/admin/stats`)).status).toBe(404);
    } finally {
      await listener.close();
    }
    expect(await metricsListener(ctx.deps)).toBeUndefined();
  });
});

describe("3. list bombing", () => {
  it("sends one confirmation per mailbox: plus-tags, case and gmail dots are one mailbox", async () => {
    ctx.smtp.clear();
    const variants = [
      "victim@gmail.com",
      "victim+1@gmail.com",
      "victim+2@gmail.com",
      "v.ictim@gmail.com",
      "vi.ctim@googlemail.com",
      "V.I.C.T.I.M@gmail.com",
    ];
    for (const email of variants) expect((await subscribeJson(email)).statusCode).toBe(202);
    await quiet();
    expect(ctx.smtp.received).toHaveLength(1);
    // Elsewhere dots matter: two people, two mails.
    await subscribeJson("jo.ann@dots.test");
    await subscribeJson("joann@dots.test");
    await quiet();
    expect(ctx.smtp.received).toHaveLength(3);
  });

  it("limits confirmations per recipient domain", async () => {
    ctx.smtp.clear();
    for (let i = 0; i < DOMAIN_LIMIT + 3; i++) await subscribeJson(`reader${i}@flooded.test`);
    await quiet();
    expect(ctx.smtp.received).toHaveLength(DOMAIN_LIMIT);
    // A refused address gave its slot back: it gets its mail once the domain has room again.
    ctx.clock.advance(61 * 60_000);
    const refused = Array.from({ length: DOMAIN_LIMIT + 3 }, (_, i) => `reader${i}@flooded.test`)
      .filter((email) => ctx.smtp.to(email).length === 0)
      .at(0)!;
    await subscribeJson(refused);
    await quiet();
    expect(ctx.smtp.to(refused)).toHaveLength(1);
  });

  it("refuses cross-site form posts (Origin or Sec-Fetch-Site) and keeps the honeypot", async () => {
    ctx.smtp.clear();
    const attempts: Record<string, string>[] = [
      { origin: "https://evil.test" },
      { origin: "null", "sec-fetch-site": "cross-site" },
      { origin: "http://paperboy.test" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site", origin: "https://paperboy.test" },
    ];
    for (const headers of attempts) {
      const res = await subscribeForm("cross@site.test", headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.headers["content-type"]).toContain("text/html");
      expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
      const api = await subscribeJson("cross@site.test", headers);
      expect(api.statusCode).toBe(403);
    }
    await quiet();
    expect(await subscriberRow(ctx, "cross@site.test")).toBeUndefined();
    // What Chromium sends for our own form: Origin null (our no-referrer policy), same-origin.
    const own = await subscribeForm("own@site.test", {
      origin: "null",
      "sec-fetch-site": "same-origin",
    });
    expect(own.statusCode).toBe(200);
    const honeypot = await app.inject({
      method: "POST",
      url: "/subscribe",
      headers: { ...FORM, origin: "https://paperboy.test" },
      payload: form({ email: "bot@site.test", website: "https://spam.test" }),
      remoteAddress: nextIp(),
    });
    // The same page, but for the address each one typed.
    expect(honeypot.body.replaceAll("bot@site.test", "own@site.test")).toBe(own.body);
    await quiet();
    expect(ctx.smtp.to("own@site.test")).toHaveLength(1);
    expect(await subscriberRow(ctx, "bot@site.test")).toBeUndefined();
  });
});

describe("4. admin: no cross-site actions, only the documented credentials", () => {
  const pause = (headers: Record<string, string>) =>
    app.inject({ method: "PUT", url: "/admin/queues/api/queues/pause", headers });

  it("refuses a state-changing request from another site even with valid credentials", async () => {
    for (const extra of <Record<string, string>[]>[
      { origin: "https://evil.test" },
      { "sec-fetch-site": "cross-site" },
      { origin: "null", "sec-fetch-site": "cross-site" },
    ]) {
      const res = await pause({ ...basic(`admin:${TEST_ADMIN_TOKEN}`), ...extra });
      expect(res.statusCode, JSON.stringify(extra)).toBe(403);
    }
    const add = await app.inject({
      method: "POST",
      url: "/admin/queues/api/queues/plan/add",
      headers: { ...bearer, origin: "https://evil.test", "content-type": "application/json" },
      payload: { name: "plan-due", data: {} },
    });
    expect(add.statusCode).toBe(403);
    expect(await ctx.deps.queues.plan.isPaused()).toBe(false);
    expect((await ctx.deps.queues.plan.getJobCounts("waiting")).waiting).toBe(0);
    // Reading stays possible cross-site (a link), and our own pages may act.
    const read = await app.inject({
      url: "/admin/stats",
      headers: { ...bearer, "sec-fetch-site": "cross-site" },
    });
    expect(read.statusCode).toBe(200);
    const own = await pause({ ...bearer, origin: "https://paperboy.test" });
    expect(own.statusCode).toBeLessThan(300);
    expect(await ctx.deps.queues.plan.isPaused()).toBe(true);
    await app.inject({ method: "PUT", url: "/admin/queues/api/queues/resume", headers: bearer });
  });

  it("takes Bearer TOKEN or Basic user:TOKEN, never the token alone", async () => {
    const stats = (headers: Record<string, string>) =>
      app.inject({ url: "/admin/stats", headers }).then((r) => r.statusCode);
    expect(await stats(bearer)).toBe(200);
    expect(await stats(basic(`admin:${TEST_ADMIN_TOKEN}`))).toBe(200);
    expect(await stats(basic(`:${TEST_ADMIN_TOKEN}`))).toBe(200);
    expect(await stats(basic(TEST_ADMIN_TOKEN))).toBe(401);
    expect(await stats(basic(`${TEST_ADMIN_TOKEN}:`))).toBe(401);
    expect(await stats({ authorization: `Basic ${TEST_ADMIN_TOKEN}` })).toBe(401);
    expect(await stats({ authorization: TEST_ADMIN_TOKEN })).toBe(401);
  });
});

describe("5. suppressed means suppressed", () => {
  it("a confirm link mailed before a complaint does not activate the address", async () => {
    const email = "complainer@five.test";
    const { unsubscribe } = await activeSubscriber(app, ctx, email);
    expect((await app.inject({ method: "POST", url: unsubscribe })).statusCode).toBe(200);
    ctx.clock.advance(6 * 60_000);
    const before = ctx.smtp.to(email).length;
    await subscribeJson(email);
    const mails = await ctx.smtp.waitForMailTo(email, before + 1);
    const confirm = linkIn(mails[before]!.parsed.text ?? "", "confirm");
    await suppressAddress(ctx.deps.db, email, "complaint", null, ctx.clock.now());

    const res = await app.inject({ method: "POST", url: confirm });
    expect(res.body).toContain("We can’t send to this address");
    expect((await subscriberRow(ctx, email))!.status).not.toBe("active");
  });

  it("neither the resubscribe button nor an import activates a suppressed address", async () => {
    const email = "bounced@five.test";
    const { unsubscribe } = await activeSubscriber(app, ctx, email);
    const left = await app.inject({
      method: "POST",
      url: unsubscribe,
      headers: FORM,
      payload: "via=page",
    });
    const fresh = /action="(\/unsubscribe\/[^"]+)\/resubscribe"/.exec(left.body)![1]!;
    await suppressAddress(ctx.deps.db, email, "hard_bounce", null, ctx.clock.now());
    const back = await app.inject({ method: "POST", url: `${fresh}/resubscribe` });
    expect(back.statusCode).toBe(200);
    expect((await subscriberRow(ctx, email))!.status).not.toBe("active");

    const csv = Readable.from([`email,status\nBOUNCED@five.test,active\n`]);
    const report = await importSubscribers(ctx.deps.db, csv, {
      confirmed: true,
      now: ctx.clock.now(),
    });
    expect(report.rejected.map((r) => r.reason)).toEqual([
      "address is suppressed (bounced or complained)",
    ]);
    expect((await subscriberRow(ctx, email))!.status).not.toBe("active");
  });
});

describe("7. any bad link is the app's 404 page", () => {
  it("answers over-long tokens and undecodable paths with the 404 page and every header", async () => {
    // Past the router's limit (1,000: a mute link carries a keyword), and a token too long to
    // be one but within it: both the app's 404 page.
    const long = "A".repeat(1001);
    const cases = [
      `/preferences/${"A".repeat(101)}`,
      `/preferences/${long}`,
      `/unsubscribe/${long}`,
      `/confirm/${"x".repeat(5000)}`,
      "/preferences/%zz",
      "/unsubscribe/%E0%A4%A",
      "/confirm/%C0%AF",
      `/digests/${long}`,
      "/%zz",
    ];
    for (const url of cases) {
      for (const method of ["GET", "POST"] as const) {
        const res = await app.inject({ method, url });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.headers["content-type"]).toContain("text/html");
        expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
        expect(res.headers["x-content-type-options"]).toBe("nosniff");
        expect(res.body).toContain("This link is not valid");
        expect(res.body).not.toContain("FST_");
      }
    }
    const api = await app.inject(`/api/preferences/${long}`);
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ error: expect.stringContaining("not valid"), statusCode: 404 });
    expect(api.headers["content-security-policy"]).toBeDefined();
    const apiBad = await app.inject("/api/preferences/%zz");
    expect(apiBad.statusCode).toBe(404);
    expect(apiBad.body).not.toContain("%zz");
  });
});

describe("8. old links", () => {
  it("an unsubscribe revokes the reader's links: an old link cannot resubscribe them", async () => {
    const email = "forwarded@eight.test";
    const { manage, unsubscribe } = await activeSubscriber(app, ctx, email);
    // The reader leaves with one click from their mail client.
    expect((await app.inject({ method: "POST", url: unsubscribe })).statusCode).toBe(200);
    // Whoever holds a forwarded digest cannot bring them back or read their preferences.
    const back = await app.inject({ method: "POST", url: `${unsubscribe}/resubscribe` });
    expect(back.statusCode).toBe(404);
    expect((await app.inject(unsubscribe)).statusCode).toBe(404);
    expect((await app.inject(manage)).statusCode).toBe(404);
    expect((await subscriberRow(ctx, email))!.status).toBe("unsubscribed");
    // One-click stays idempotent: the mail client's retry still gets its 200.
    const again = await app.inject({ method: "POST", url: unsubscribe });
    expect(again.statusCode).toBe(200);
    expect(again.headers["content-type"]).toContain("text/plain");
    // Only a fresh opt-in brings them back.
    ctx.clock.advance(6 * 60_000);
    const before = ctx.smtp.to(email).length;
    await subscribeJson(email);
    const mails = await ctx.smtp.waitForMailTo(email, before + 1);
    const confirm = linkIn(mails[before]!.parsed.text ?? "", "confirm");
    expect((await app.inject({ method: "POST", url: confirm })).statusCode).toBe(200);
    expect((await subscriberRow(ctx, email))!.status).toBe("active");
    // Active again: the pre-unsubscribe link is dead for one-click too.
    expect((await app.inject({ method: "POST", url: unsubscribe })).statusCode).toBe(404);
    expect((await subscriberRow(ctx, email))!.status).toBe("active");
    await quiet();
  });

  it("a reader revokes every link from the preferences page and gets the page under a new one", async () => {
    const email = "revoker@eight.test";
    const { manage, unsubscribe } = await activeSubscriber(app, ctx, email);
    const page = await app.inject(manage);
    expect(page.body).toContain(`action="${manage}/revoke"`);
    const res = await app.inject({
      method: "POST",
      url: `${manage}/revoke`,
      headers: FORM,
      payload: "",
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Your old links no longer work");
    const row = (await subscriberRow(ctx, email))!;
    const fresh = subscriberLinks("", ctx.config.APP_SECRET, row);
    expect(fresh.manage).not.toBe(manage);
    expect(res.body).toContain(`action="${fresh.manage}"`);
    for (const url of [manage, `/api${manage}`, unsubscribe]) {
      expect((await app.inject(url)).statusCode, url).toBe(404);
    }
    expect((await app.inject({ method: "POST", url: unsubscribe })).statusCode).toBe(404);
    expect((await app.inject(fresh.manage)).statusCode).toBe(200);
    expect(row.status).toBe("active");
    const event = await ctx.deps.db
      .selectFrom("events")
      .select("data")
      .where("subscriber_id", "=", row.id)
      .where("type", "=", "subscriber.links_revoked")
      .executeTakeFirst();
    expect(event?.data).toEqual({ reason: "reader" });
  });
});
