import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/platform/config.ts";
import { createDeps, type Deps } from "../../src/platform/deps.ts";
import { buildServer } from "../../src/processes/server.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";

let ctx: TestContext;
let deps: Deps;
let app: FastifyInstance;
beforeAll(async () => {
  ctx = await createTestContext();
  // The same database and relay, but Redis is unreachable (nothing listens on port 1).
  deps = createDeps(loadConfig({ ...ctx.env, REDIS_URL: "redis://127.0.0.1:1" }), {
    clock: ctx.clock,
  });
  app = await buildServer(deps);
});
afterAll(async () => {
  await app.close();
  await deps.close();
  await ctx.close();
});

describe("subscribing while Redis is down", () => {
  // Regression (chaos run): with Redis stopped, POST /api/subscriptions hung until Redis came
  // back, because the rate limiter's command waited in ioredis' offline queue.
  it("answers at once (the rate limit is skipped) and still mails only one confirmation", async () => {
    const started = Date.now();
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push(
        await app.inject({
          method: "POST",
          url: "/api/subscriptions",
          payload: { email: "outage@example.com" },
          remoteAddress: "10.1.1.1",
        }),
      );
    }
    expect(answers.map((r) => r.statusCode)).toEqual([202, 202, 202]);
    expect(Date.now() - started).toBeLessThan(5_000);
    await ctx.smtp.waitFor(1);
    await new Promise((ok) => setTimeout(ok, 300));
    expect(ctx.smtp.to("outage@example.com")).toHaveLength(1);
  });

  it("says so on /readyz", async () => {
    const res = await app.inject("/readyz");
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.redis).toBe("down");
  });
});
