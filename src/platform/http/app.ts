import { readFileSync } from "node:fs";
import formbody from "@fastify/formbody";
import helmet from "@fastify/helmet";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from "fastify";
import { devOutboxEnabled } from "../config.ts";
import type { Deps } from "../deps.ts";
import { healthRoutes } from "./health.ts";
import { html, page } from "./html.ts";

export const BODY_LIMIT_BYTES = 64 * 1024;

declare module "fastify" {
  interface FastifyInstance {
    deps: Deps;
  }
}

/** Capability route plugins, registered in this order after the platform plugins. */
export type RoutePlugin = (app: FastifyInstance, deps: Deps) => Promise<void>;

/** Build the HTTP app: platform plugins, then every capability's routes. */
export async function buildApp(deps: Deps, routes: RoutePlugin[] = []): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Requests are logged below by route pattern, so tokens in URLs never reach the logs.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    // The union (true | hop count | addresses) is what trustProxy takes; its overloads want one.
    trustProxy: deps.config.TRUST_PROXY as string,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    return503OnClosing: true,
  });
  app.decorate("deps", deps);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "https:", "data:"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    referrerPolicy: { policy: "no-referrer" },
  });
  await app.register(formbody, { bodyLimit: BODY_LIMIT_BYTES });
  // Multipart bodies only matter to RFC 8058 one-click unsubscribe, which reads no fields.
  app.addContentTypeParser("multipart/form-data", { parseAs: "string" }, (_req, body, done) =>
    done(null, { raw: body }),
  );

  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? "(no route)",
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      "request",
    );
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, "request failed");
    const message =
      status === 413
        ? "Request body is too large."
        : status === 415
          ? "Unsupported content type."
          : status >= 500
            ? "Something went wrong on our side. Please try again."
            : error.message;
    return sendError(request.headers.accept, request.url, reply, status, message);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(request.headers.accept, request.url, reply, 404, "Not found."),
  );

  const css = readFileSync(new URL("../../../public/app.css", import.meta.url));
  const js = readFileSync(new URL("../../../public/app.js", import.meta.url));
  app.get("/static/app.css", (_req, reply) =>
    reply.type("text/css; charset=utf-8").header("cache-control", "public, max-age=3600").send(css),
  );
  app.get("/static/app.js", (_req, reply) =>
    reply
      .type("text/javascript; charset=utf-8")
      .header("cache-control", "public, max-age=3600")
      .send(js),
  );

  await healthRoutes(app, deps);
  if (devOutboxEnabled(deps.config)) {
    // Loaded only when enabled: it needs mailparser, which a production install lacks.
    const { devOutboxRoutes } = await import("./dev-outbox.ts");
    await devOutboxRoutes(app, deps);
  }
  for (const plugin of routes) await plugin(app, deps);
  return app;
}

/** JSON for API clients, a small page for browsers. */
export function sendError(
  accept: string | undefined,
  url: string,
  reply: FastifyReply,
  status: number,
  message: string,
) {
  const wantsJson = url.startsWith("/api/") || (accept ?? "").includes("application/json");
  reply.code(status);
  if (wantsJson) return reply.send({ error: message, statusCode: status });
  const title = status === 404 ? "Not found" : status >= 500 ? "Server error" : "Bad request";
  return reply.type("text/html; charset=utf-8").send(
    page({
      title,
      noindex: true,
      body: html`<h1>${title}</h1><p class="notice error" role="alert">${message}</p><p><a href="/">Back to Paperboy</a></p>`,
    }),
  );
}
