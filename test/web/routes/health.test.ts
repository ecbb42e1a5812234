import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/platform/config.ts";
import { createDeps } from "../../../src/platform/deps.ts";
import { buildServer } from "../../../src/processes/server.ts";
import { createTestContext, TEST_ADMIN_TOKEN, type TestContext } from "../../helpers/context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe("health", () => {
  it("is live and ready with Postgres and Redis up", async () => {
    const app = await buildServer(ctx.deps);
    expect((await app.inject("/healthz")).statusCode).toBe(200);
    const ready = await app.inject("/readyz");
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ checks: { postgres: "ok", redis: "ok" } });
    await app.close();
  });

  it.each([
    ["postgres", { DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" }],
    ["redis", { REDIS_URL: "redis://127.0.0.1:1" }],
  ])("answers 503 naming %s when it is down", async (name, override) => {
    const deps = createDeps(loadConfig({ ...ctx.env, ...override }));
    const app = await buildServer(deps);
    const ready = await app.inject("/readyz");
    expect(ready.statusCode).toBe(503);
    expect(ready.json().failing).toEqual([name]);
    await app.close();
    await deps.close();
  });

  it("serves Prometheus metrics to the operator only (bearer ADMIN_TOKEN)", async () => {
    const app = await buildServer(ctx.deps);
    expect((await app.inject("/metrics")).statusCode).toBe(401);
    const wrong = { authorization: "Bearer not-the-admin-token" };
    expect((await app.inject({ url: "/metrics", headers: wrong })).statusCode).toBe(401);
    const res = await app.inject({
      url: "/metrics",
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    expect(res.body).toContain("paperboy_deliveries_total");
    expect(res.body).toMatch(/paperboy_queue_jobs\{queue="send",state="waiting"\} 0/);
    await app.close();
  });

  it("answers unknown routes with 404 and sets security headers", async () => {
    const app = await buildServer(ctx.deps);
    const res = await app.inject("/nope");
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    await app.close();
  });
});
