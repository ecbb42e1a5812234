import type { FastifyInstance } from "fastify";
import type { DigestComposer } from "../digests/types.ts";
import type { SubscriberContext } from "../subscribers/service.ts";

/** What every route plugin gets: the process's deps and the request-side services. */
export interface WebContext extends SubscriberContext {
  /** The digest composer (admin preview), compiled on first use: MJML is slow to load. */
  composer(): Promise<DigestComposer>;
}

/** One URL area's routes, registered in its own encapsulated scope. */
export type WebRoutes = (app: FastifyInstance, web: WebContext) => Promise<void>;
