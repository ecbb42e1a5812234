import type { FastifyInstance } from "fastify";
import type { Deps } from "../platform/deps.ts";
import { buildApp } from "../platform/http/app.ts";
import { errorPage } from "../web/pages/errors.ts";
import { registerWebRoutes } from "../web/routes/index.ts";
import { BAD_LINK } from "../web/token.ts";

/** The HTTP process: the platform's app shell with every web route in it. */
export function buildServer(deps: Deps): Promise<FastifyInstance> {
  return buildApp(deps, {
    routes: (app) => registerWebRoutes(app, deps),
    errorPage,
    badUrlMessage: BAD_LINK,
  });
}
