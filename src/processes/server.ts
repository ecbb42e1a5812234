import type { FastifyInstance } from "fastify";
import { deliveryRoutes } from "../delivery/routes.ts";
import { digestRoutes } from "../digests/routes.ts";
import type { Deps } from "../platform/deps.ts";
import { buildApp, type RoutePlugin } from "../platform/http/app.ts";
import { subscriberRoutes } from "../subscribers/routes.ts";

/** Every capability's HTTP routes, in registration order. */
const routePlugins: RoutePlugin[] = [subscriberRoutes, digestRoutes, deliveryRoutes];

export function buildServer(deps: Deps): Promise<FastifyInstance> {
  return buildApp(deps, routePlugins);
}
