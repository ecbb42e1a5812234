import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { activeSubscriber, count, startApp } from "../web/support.ts";

let ctx: TestContext;
let app: FastifyInstance;
let links: { manage: string; unsubscribe: string };
beforeAll(async () => {
  ctx = await createTestContext();
  app = await startApp(ctx);
  links = await activeSubscriber(app, ctx, "headers@example.com");
});
afterAll(async () => {
  await app.close();
  await ctx.close();
});

const subscribe = (email: string, remoteAddress: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: "POST",
    url: "/api/subscriptions",
    payload: { email },
    headers,
    remoteAddress,
  });

describe("security headers", () => {
  it("every page and API answer carries CSP, nosniff, frame and referrer policies", async () => {
    const paths = [
      "/",
      "/digests",
      "/digests/2026-08-18",
      "/digests/not-a-date",
      links.manage,
      `/api${links.manage}`,
      links.unsubscribe,
      "/confirm/forged",
      "/no/such/page",
      "/feed.xml",
      "/healthz",
    ];
    const missing: string[] = [];
    for (const path of paths) {
      const res = await app.inject(path);
      const h = res.headers;
      const csp = String(h["content-security-policy"] ?? "");
      if (!csp.includes("default-src 'self'") || !csp.includes("frame-ancestors 'none'"))
        missing.push(`${path}: CSP '${csp}'`);
      if (h["x-content-type-options"] !== "nosniff") missing.push(`${path}: nosniff`);
      if (!h["x-frame-options"]) missing.push(`${path}: x-frame-options`);
      if (h["referrer-policy"] !== "no-referrer") missing.push(`${path}: referrer-policy`);
      if (!h["strict-transport-security"]) missing.push(`${path}: hsts`);
      if (h["x-powered-by"]) missing.push(`${path}: x-powered-by`);
    }
    expect(missing).toEqual([]);
  });
});

describe("rate limits", () => {
  it("a burst from one IP gets 10 subscriptions through, then 429s that store nothing", async () => {
    const before = await count(ctx, "subscribers");
    const answers = [];
    for (let i = 0; i < 15; i++)
      answers.push((await subscribe(`burst-${i}@example.com`, "10.77.0.1")).statusCode);
    expect(answers.filter((s) => s === 202)).toHaveLength(10);
    expect(answers.slice(10)).toEqual([429, 429, 429, 429, 429]);
    await app.afterReplies(); // the state-dependent work runs after each answer
    expect((await count(ctx, "subscribers")) - before).toBe(10);
  });

  // Regression (security suite): trustProxy was `true`, so any client could name its own IP in
  // X-Forwarded-For and get a fresh per-IP budget with every request.
  it("a client cannot escape the per-IP limit by forging X-Forwarded-For", async () => {
    const answers = [];
    for (let i = 0; i < 15; i++) {
      const res = await subscribe(`spoof-${i}@example.com`, "203.0.113.50", {
        "x-forwarded-for": `198.51.100.${i}`,
      });
      answers.push(res.statusCode);
    }
    expect(answers.filter((s) => s === 429)).toHaveLength(5);
  });

  it("a proxy on this machine is still believed", async () => {
    const answers = [];
    for (let i = 0; i < 12; i++) {
      answers.push(
        (
          await subscribe(`proxied-${i}@example.com`, "127.0.0.1", {
            "x-forwarded-for": `192.0.2.${i}`,
          })
        ).statusCode,
      );
    }
    expect(answers.every((s) => s === 202)).toBe(true);
  });

  it("one victim address subscribed from 20 IPs gets one confirmation mail", async () => {
    for (let i = 0; i < 20; i++)
      expect((await subscribe("victim@example.com", `10.78.0.${i}`)).statusCode).toBe(202);
    await ctx.smtp.waitForMailTo("victim@example.com");
    await new Promise((ok) => setTimeout(ok, 500)); // room for a second one to show up
    expect(ctx.smtp.to("victim@example.com")).toHaveLength(1);
  });
});

describe("limits on bodies and slow clients", () => {
  it("cuts oversized bodies off with 413 and stores nothing", async () => {
    const before = await count(ctx, "subscribers");
    const big = "x".repeat(200_000);
    const json = await app.inject({
      method: "POST",
      url: "/api/subscriptions",
      payload: { email: "big@example.com", pad: big },
      remoteAddress: "10.79.0.1",
    });
    const form = await app.inject({
      method: "POST",
      url: "/subscribe",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `email=big2%40example.com&pad=${big}`,
      remoteAddress: "10.79.0.2",
    });
    const multipart = await app.inject({
      method: "POST",
      url: links.unsubscribe,
      headers: { "content-type": "multipart/form-data; boundary=x" },
      payload: `--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n${big}\r\n--x--\r\n`,
    });
    expect([json.statusCode, form.statusCode, multipart.statusCode]).toEqual([413, 413, 413]);
    expect(await count(ctx, "subscribers")).toBe(before);
  });

  it("bounds how long a client may take to send a request (slowloris)", () => {
    // The full run (`npm run chaos`) holds 30 trickling connections against a listening server
    // and measures when they are cut; here, the limits that make that happen.
    const server = app.server;
    expect(server.requestTimeout).toBeGreaterThan(0);
    expect(server.requestTimeout).toBeLessThanOrEqual(30_000);
    expect(server.headersTimeout).toBeLessThanOrEqual(60_000);
    expect(app.initialConfig.bodyLimit).toBeLessThanOrEqual(64 * 1024);
  });
});
