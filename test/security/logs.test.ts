import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanLogs } from "../../scripts/chaos/logs.ts";
import { deliverEdition } from "../../src/delivery/deliver-edition.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { createDeps, type Deps } from "../../src/platform/deps.ts";
import { seedEdition } from "../delivery/seed.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { buildServerWithMailWorker } from "../helpers/mail-worker.ts";
import { linkIn } from "../web/support.ts";

/**
 * A reader's whole journey with the server and the sender logging at debug level: no line may
 * hold their address or any of their tokens (the chaos run does the same over every process).
 */
const EDITION = "2026-08-17";
const lines: string[] = [];
let ctx: TestContext;
let deps: Deps;
let app: FastifyInstance;
beforeAll(async () => {
  ctx = await createTestContext({ now: `${EDITION}T21:00:00Z` });
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  deps = createDeps(loadConfig({ ...ctx.env, LOG_LEVEL: "debug" }), {
    clock: ctx.clock,
    logger: pino({ level: "debug" }, sink),
  });
  // The mail worker logs through the same debug logger, so its lines are checked too.
  app = await buildServerWithMailWorker(deps);
  await seedEdition(deps.db, EDITION);
});
afterAll(async () => {
  await app.close();
  await deps.close();
  await ctx.close();
});

describe("logs", () => {
  it("never contain an address or a token, through subscribe, confirm, manage, mail and leave", async () => {
    const email = "Log.Reader+digest@Example.org";
    const tokens: string[] = [];
    const token = (path: string) => {
      tokens.push(path.split("/").pop()!);
      return path;
    };
    const sub = { method: "POST" as const, url: "/api/subscriptions", remoteAddress: "10.5.0.1" };
    await app.inject({ ...sub, payload: { email } });
    await app.inject({ ...sub, payload: { email: "not-an-address" } });
    await app.inject({ ...sub, payload: { email, topics: ["no-such-topic"] } });
    const [confirmation] = await ctx.smtp.waitFor(1);
    const confirm = token(linkIn(confirmation!.parsed.text ?? "", "confirm"));
    await app.inject(confirm);
    await app.inject({ method: "POST", url: confirm });
    const [, welcome] = await ctx.smtp.waitFor(2);
    const manage = token(linkIn(welcome!.parsed.text ?? "", "preferences"));
    await app.inject(manage);
    await app.inject({ method: "PUT", url: `/api${manage}`, payload: { send_hour: 99 } });
    await app.inject({ method: "PUT", url: `/api${manage}`, payload: { send_hour: 7 } });
    await deliverEdition(deps, EDITION);
    const [, , digest] = await ctx.smtp.waitFor(3);
    const unsubscribe = token(linkIn(digest!.parsed.text ?? "", "unsubscribe"));
    await app.inject({
      method: "POST",
      url: unsubscribe,
      payload: "List-Unsubscribe=One-Click",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    await app.inject(`${unsubscribe}x`);
    await app.inject({ method: "POST", url: `/unsubscribe/${tokens[0]}` });
    await app.inject({
      method: "POST",
      url: "/webhooks/bounce",
      payload: { email, type: "complaint" },
    });
    await new Promise((ok) => setTimeout(ok, 300));

    expect(lines.length).toBeGreaterThan(10); // the capture works
    const scan = scanLogs(
      [lines.join("\n")],
      new Set([email.toLowerCase(), "log.reader+digest@example.org"]),
      tokens,
    );
    expect(scan.examples).toEqual([]);
    expect(scan.leaks).toBe(0);
  });

  it("the scanner finds an address or token when one is there", () => {
    const scan = scanLogs(
      [
        '{"msg":"sent to a.b@example.org"}',
        '{"url":"/unsubscribe/dS4xLjEuMA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}',
        '{"msg":"ok"}',
      ],
      new Set(["a.b@example.org"]),
    );
    expect(scan.leaks).toBe(2);
  });
});
