import { Validator } from "@seriousme/openapi-schema-validator";
import type { FastifyInstance, RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/platform/http/app.ts";
import { errorPage } from "../../../src/web/pages/errors.ts";
import { registerWebRoutes } from "../../../src/web/routes/index.ts";
import { BAD_LINK } from "../../../src/web/token.ts";
import { createTestContext, type TestContext } from "../../helpers/context.ts";

let ctx: TestContext;
let app: FastifyInstance;
const routes: RouteOptions[] = [];

beforeAll(async () => {
  // The bounce webhook exists only with its secret: turn it on so it is checked too.
  ctx = await createTestContext({ env: { BOUNCE_WEBHOOK_SECRET: "bounce-secret-0123456789" } });
  // The server as `serve` builds it, with every route it registers recorded on the way.
  app = await buildApp(ctx.deps, {
    errorPage,
    badUrlMessage: BAD_LINK,
    routes: async (root) => {
      root.addHook("onRoute", (route) => {
        routes.push(route);
      });
      await registerWebRoutes(root, ctx.deps);
    },
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await ctx.close();
});

const openApiPath = (url: string) => url.replace(/:([A-Za-z_]+)/g, "{$1}");
const HIDDEN = ["/static/", "/dev/", "/admin/queues", "/docs"];

describe("OpenAPI", () => {
  it("serves a valid OpenAPI 3.1 document", async () => {
    const res = await app.inject("/openapi.json");
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("documents every route that is not an asset or a dashboard internal", async () => {
    const doc = (await app.inject("/openapi.json")).json();
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    const expected = routes
      .flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).map((m) => [m, r] as const))
      .filter(([m, r]) => m !== "HEAD" && !HIDDEN.some((p) => r.url.startsWith(p)))
      .map(([m, r]) => `${m} ${openApiPath(r.url)}`);
    expect(expected.length).toBeGreaterThan(15);
    const missing = expected.filter((key) => !documented.has(key));
    expect(missing).toEqual([]);
    // The public JSON API by name, with its request schemas.
    for (const key of [
      "POST /api/subscriptions",
      "GET /api/preferences/{token}",
      "PUT /api/preferences/{token}",
      "POST /webhooks/bounce",
      "GET /admin/stats",
      "GET /healthz",
      "GET /readyz",
      "GET /feed.json",
      "GET /api/editions/{date}",
      "GET /api/me/{token}",
    ]) {
      expect(documented, key).toContain(key);
    }
    const subscribe = doc.paths["/api/subscriptions"].post;
    expect(subscribe.summary).toMatch(/Subscribe/);
    expect(subscribe.requestBody.content["application/json"].schema.properties.email).toBeDefined();
    expect(doc.paths["/admin/stats"].get.security).toBeDefined();
    // Response schemas come through: a paper's every field is documented.
    const paper =
      doc.paths["/api/editions/{date}"].get.responses["200"].content["application/json"].schema
        .properties.papers.items;
    expect(Object.keys(paper.properties)).toEqual(
      expect.arrayContaining([
        "organization",
        "submitted_by",
        "journal_ref",
        "doi",
        "github_stars",
      ]),
    );
  });

  it("serves the docs page from this server, under a CSP without other origins", async () => {
    const page = await app.inject("/docs");
    const html = page.statusCode === 302 ? await app.inject(page.headers.location!) : page;
    expect(html.statusCode).toBe(200);
    expect(html.body).toContain("swagger-ui-bundle.js");
    expect(html.body).not.toMatch(/https?:\/\//);
    const csp = String(html.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    const bundle = await app.inject("/docs/static/swagger-ui-bundle.js");
    expect(bundle.statusCode).toBe(200);
  });
});
