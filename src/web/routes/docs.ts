import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";
import type { Deps } from "../../platform/deps.ts";
import type { WebRoutes } from "../context.ts";

/**
 * OpenAPI 3.1 generated from the route schemas (@fastify/swagger with the zod type provider's
 * transform), served at GET /openapi.json, and Swagger UI at /docs, served from this server (no
 * CDN). Summaries and tags live here, so route files stay about behaviour.
 */

/** Routes that are not part of the API: assets, the dev outbox, the queue dashboard's internals. */
const HIDDEN_PREFIXES = ["/static/", "/dev/", "/admin/queues", "/docs"];

type Described = { summary: string; tags: string[]; description?: string };

/** `METHOD url` → what the route is for. */
export const ROUTE_DOCS: Record<string, Described> = {
  "GET /": {
    summary: "Landing page with the latest papers and the subscribe form",
    tags: ["pages"],
  },
  "POST /subscribe": { summary: "Subscribe (HTML form)", tags: ["pages"] },
  "POST /api/subscriptions": {
    summary: "Subscribe an address (double opt-in)",
    tags: ["readers"],
    description:
      "Always answers 202 with the same body whatever the address's state; a confirmation mail follows when it applies. 10 requests per IP per minute.",
  },
  "GET /confirm/{token}": {
    summary: "Confirmation page (a button, confirms nothing)",
    tags: ["pages"],
  },
  "POST /confirm/{token}": { summary: "Confirm a subscription", tags: ["pages"] },
  "GET /preferences/{token}": { summary: "Preferences page", tags: ["pages"] },
  "POST /preferences/{token}": { summary: "Save preferences (HTML form)", tags: ["pages"] },
  "GET /api/preferences/{token}": { summary: "A reader's preferences", tags: ["readers"] },
  "PUT /api/preferences/{token}": {
    summary: "Change any subset of a reader's preferences",
    tags: ["readers"],
  },
  "GET /api/me/{token}": {
    summary: "Everything held about the reader (JSON download)",
    tags: ["readers"],
  },
  "POST /erase/{token}": { summary: "Erase the reader and their data", tags: ["readers"] },
  "GET /unsubscribe/{token}": { summary: "Unsubscribe page", tags: ["pages"] },
  "POST /unsubscribe/{token}": { summary: "RFC 8058 one-click unsubscribe", tags: ["readers"] },
  "POST /unsubscribe/{token}/resubscribe": { summary: "Resubscribe", tags: ["pages"] },
  "GET /digests": { summary: "Archive of editions", tags: ["archive"] },
  "GET /digests/{date}": { summary: "One edition", tags: ["archive"] },
  "GET /api/editions": { summary: "Every edition with its paper count", tags: ["archive"] },
  "GET /api/editions/{date}": {
    summary: "One edition's papers with every field the sources gave",
    tags: ["archive"],
  },
  "GET /feed.xml": { summary: "RSS 2.0 feed of the latest editions", tags: ["archive"] },
  "GET /feed.json": { summary: "JSON Feed 1.1 of the latest editions", tags: ["archive"] },
  "GET /feed/{file}": {
    summary: "A reader's own digests: {feed token}.xml (RSS 2.0) or .json (JSON Feed 1.1)",
    tags: ["readers"],
  },
  "GET /healthz": { summary: "Liveness", tags: ["operations"] },
  "GET /readyz": { summary: "Readiness (Postgres and Redis)", tags: ["operations"] },
  "GET /metrics": { summary: "Prometheus metrics", tags: ["operations"] },
  "GET /openapi.json": { summary: "This document", tags: ["operations"] },
  "GET /admin": { summary: "Admin home page", tags: ["admin"] },
  "GET /admin/stats": { summary: "Delivery counts per edition and queue counts", tags: ["admin"] },
  "GET /admin/preview": { summary: "The digest one reader would get", tags: ["admin"] },
  "POST /webhooks/bounce": {
    summary: "Report a hard bounce or complaint (Bearer BOUNCE_WEBHOOK_SECRET)",
    tags: ["operations"],
  },
};

const openApiPath = (url: string) => url.replace(/:([A-Za-z_]+)/g, "{$1}");

/** The zod transform, plus: hidden areas, summaries and tags, admin security. */
function transform(input: Parameters<typeof jsonSchemaTransform>[0]) {
  const { url, route } = input;
  if (HIDDEN_PREFIXES.some((p) => url.startsWith(p)) || route.method === "HEAD") {
    return { schema: { hide: true }, url };
  }
  const result = jsonSchemaTransform(input);
  const method = Array.isArray(route.method) ? route.method[0] : route.method;
  const docs = ROUTE_DOCS[`${method} ${openApiPath(url)}`];
  const schema = { ...(result.schema ?? {}), ...(docs ?? {}) } as Record<string, unknown>;
  if (url.startsWith("/admin")) schema.security = [{ adminBearer: [] }, { adminBasic: [] }];
  return { schema, url: result.url };
}

/**
 * Collects every route registered after it: call on the root instance before the areas
 * (it must see their onRoute events).
 */
export async function registerOpenApi(app: FastifyInstance, deps: Deps): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Paperboy",
        version: "0.1.0",
        description:
          "Research-paper digests by email. Reader routes are keyed by the signed token in their links; admin routes take `Authorization: Bearer ADMIN_TOKEN` (or HTTP Basic, any user name, the token as password).",
      },
      servers: [{ url: deps.config.PUBLIC_URL }],
      components: {
        securitySchemes: {
          adminBearer: { type: "http", scheme: "bearer" },
          adminBasic: { type: "http", scheme: "basic" },
        },
      },
    },
    transform,
  });
}

/** Swagger UI's React sets inline styles; scripts stay same-origin only. */
const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "object-src 'none'",
].join("; ");

/** GET /openapi.json and the docs page at /docs. */
export const docsRoutes: WebRoutes = async (app) => {
  app.get("/openapi.json", async (_request, reply) =>
    reply.header("cache-control", "public, max-age=300").send(app.swagger()),
  );
  await app.register(async (ui) => {
    await ui.register(swaggerUi, {
      routePrefix: "/docs",
      staticCSP: DOCS_CSP,
      uiConfig: { deepLinking: false, validatorUrl: null },
      theme: { title: "Paperboy API" },
    });
  });
};
