import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../../../src/processes/server.ts";
import { createTestContext, type TestContext } from "../../helpers/context.ts";

let ctx: TestContext;
let app: FastifyInstance;
beforeAll(async () => {
  ctx = await createTestContext();
  app = await buildServer(ctx.deps);
});
afterAll(async () => {
  await app.close();
  await ctx.close();
});

describe("static files", () => {
  it.each([
    ["/static/app.css", "text/css; charset=utf-8", "../../../public/app.css"],
    ["/static/app.js", "text/javascript; charset=utf-8", "../../../public/app.js"],
  ])("serves %s as %s, cacheable for an hour", async (url, type, file) => {
    const res = await app.inject(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe(type);
    expect(res.headers["cache-control"]).toBe("public, max-age=3600");
    expect(res.body).toBe(readFileSync(new URL(file, import.meta.url), "utf8"));
  });

  it("answers anything else under /static with the 404 page", async () => {
    for (const url of [
      "/static/",
      "/static/nope.css",
      "/static/../package.json",
      "/static/%2e%2e/.env",
    ]) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body).toMatch(/not found/i);
    }
  });
});
