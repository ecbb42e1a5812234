import type { FastifyInstance } from "fastify";
import type { DigestComposer } from "../digests/types.ts";
import type { SubscriberContext } from "../subscribers/service.ts";
import type { Background } from "./background.ts";

/** What every route plugin gets: the process's deps and the request-side services. */
export interface WebContext extends SubscriberContext {
  /** The digest composer (admin preview), compiled on first use: MJML is slow to load. */
  composer(): Promise<DigestComposer>;
  /** Work that runs after the answer is sent (state-dependent work of subscribe requests). */
  background: Background;
}

/** One URL area's routes, registered in its own encapsulated scope. */
export type WebRoutes = (app: FastifyInstance, web: WebContext) => Promise<void>;
