import formbody from "@fastify/formbody";
import sensible from "@fastify/sensible";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifySchemaValidationError,
  LogController,
} from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import helmet from "helmet";
import type { Deps } from "../deps.ts";

const BODY_LIMIT_BYTES = 64 * 1024;
/** Asset routes, logged at debug only (one line per stylesheet is noise in a terminal). */
const STATIC_ROUTES = ["/static/", "/docs/static/", "/admin/queues/static/", "/favicon"];
/** Longest path parameter the router takes (a mute link names a keyword); longer is a bad link. */
const MAX_PARAM_LENGTH = 1000;
/** Where an unroutable URL is sent: no route, so the app's 404 page with every header. */
const BAD_URL_PATH = "/__bad-url__";

export interface AppOptions {
  /** Registers every route, after the platform plugins. */
  routes(app: FastifyInstance): Promise<void>;
  /** The page a browser gets for an error; API clients get JSON `{error, statusCode}`. */
  errorPage(status: number, message: string): string;
  /** The 404 message of a URL the router cannot take (undecodable or over-long segment). */
  badUrlMessage: string;
}

/**
 * The HTTP shell: security headers, body parsers, zod route schemas, request logging and one
 * error answer for everything (thrown, `reply.notFound()` and friends, failed schemas, 404).
 */
export async function buildApp(deps: Deps, options: AppOptions): Promise<FastifyInstance> {
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
    schemaErrorFormatter: (errors) => new Error(firstProblem(errors)),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // The router's own errors (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH) answer raw JSON without
    // hooks; such URLs are routed to no route instead, so they get the app's 404 like any link.
    rewriteUrl: (req) => routableUrl(req.url ?? "/"),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // The same headers on every answer, computed once: @fastify/helmet rebuilt helmet's
  // middleware on every request (~0.15 CPU ms each, the largest item of a subscribe's profile).
  const securityHeaders = helmetHeaders();
  app.addHook("onRequest", (_request, reply, done) => {
    for (const [name, value] of securityHeaders) reply.raw.setHeader(name, value);
    done();
  });
  await app.register(sensible);
  await app.register(formbody, { bodyLimit: BODY_LIMIT_BYTES });
  // Multipart bodies only matter to RFC 8058 one-click unsubscribe, which reads no fields.
  app.addContentTypeParser("multipart/form-data", { parseAs: "string" }, (_req, body, done) =>
    done(null, { raw: body }),
  );

  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "";
    // Stylesheets, scripts and the docs' bundle are noise at info; errors are not.
    const quiet = reply.statusCode < 400 && STATIC_ROUTES.some((p) => route.startsWith(p));
    request.log[quiet ? "debug" : "info"](
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
    // 503 is a deliberate "busy, retry later" (load shedding), not a failure.
    const deliberate = error.statusCode === 503;
    const status =
      error.statusCode && (error.statusCode < 500 || deliberate) ? error.statusCode : 500;
    if (status >= 500 && !deliberate) request.log.error({ err: error }, "request failed");
    const message =
      status >= 500 && !deliberate
        ? "Something went wrong on our side. Please try again."
        : (error.code?.startsWith("FST_") && FRAMEWORK_MESSAGES[status]) || error.message;
    return answerError(request, reply, status, message, options.errorPage);
  });
  app.setNotFoundHandler((request, reply) => {
    const badUrl = request.url.endsWith(BAD_URL_PATH);
    const message = badUrl ? options.badUrlMessage : "Not found.";
    return answerError(request, reply, 404, message, options.errorPage);
  });

  await options.routes(app);
  return app;
}

/**
 * The URL itself, or a path no route has when the router would refuse it: a path segment that
 * does not percent-decode, or one longer than a path parameter may be. API paths stay under
 * /api/ and /webhooks/ so their clients still get JSON.
 */
export function routableUrl(url: string): string {
  const query = url.indexOf("?");
  const path = query < 0 ? url : url.slice(0, query);
  const bad = path.split("/").some((segment) => {
    if (segment.length > MAX_PARAM_LENGTH) return true;
    try {
      decodeURIComponent(segment);
      return false;
    } catch {
      return true;
    }
  });
  if (!bad) return url;
  const area = /^\/(api|webhooks)\//.exec(path)?.[0].slice(0, -1) ?? "";
  return `${area}${BAD_URL_PATH}`;
}

/** Fastify's own wording for these is technical; readers get a plain sentence. */
const FRAMEWORK_MESSAGES: Record<number, string> = {
  413: "Request body is too large.",
  415: "Unsupported content type.",
};

/** JSON for API clients and machine endpoints, a small page for browsers. */
function answerError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  message: string,
  errorPage: AppOptions["errorPage"],
) {
  const { url } = request;
  const wantsJson =
    url.startsWith("/api/") ||
    url.startsWith("/webhooks/") ||
    (request.headers.accept ?? "").includes("application/json");
  reply.code(status);
  if (wantsJson) return reply.send({ error: message, statusCode: status });
  return reply.type("text/html; charset=utf-8").send(errorPage(status, message));
}

/**
 * One readable line for the first problem a route schema found, e.g. "send_hour must be
 * between 0 and 23" or "unknown field: status" (the wording of the zod schemas' messages).
 */
function firstProblem(errors: FastifySchemaValidationError[]): string {
  const problem = errors[0];
  if (!problem) return "invalid input";
  if (problem.keyword === "unrecognized_keys") {
    return `unknown field: ${(problem.params.keys as string[]).join(", ")}`;
  }
  const field = problem.instancePath.split("/").find((p) => p !== "" && !/^\d+$/.test(p));
  const message = problem.message ?? "invalid input";
  return field && !message.includes(field) ? `${field}: ${message}` : message;
}

/** The security headers helmet sets with our policy, read once from its middleware. */
function helmetHeaders(): [string, string][] {
  const headers: [string, string][] = [];
  const res = {
    setHeader: (name: string, value: string) => headers.push([name, value]),
    removeHeader: () => {},
  };
  const middleware = helmet({
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
  middleware(
    {} as Parameters<typeof middleware>[0],
    res as unknown as Parameters<typeof middleware>[1],
    () => {},
  );
  return headers;
}
