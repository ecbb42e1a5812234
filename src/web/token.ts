import type { FastifyReply, FastifyRequest } from "fastify";
import type { Subscriber } from "../platform/db/schema.ts";
import type { Deps } from "../platform/deps.ts";
import { subscriberForToken } from "../subscribers/service.ts";
import { type LinkPurpose, subscriberLinks } from "../subscribers/tokens.ts";

export const BAD_LINK =
  "This link is not valid. It may be mistyped, expired, or replaced by a newer one.";

export type TokenRequest = FastifyRequest<{ Params: { token: string } }>;

declare module "fastify" {
  interface FastifyRequest {
    /** The reader whose link this is; set by `resolveToken` before validation and handler. */
    subscriber: Subscriber | null;
  }
}

/**
 * Hook for `/…/:token` routes: a link that is not genuine and current gets a 404 before its
 * body is looked at; otherwise its reader is on `request.subscriber`.
 */
export function resolveToken(
  deps: Deps,
  purpose: LinkPurpose,
  options: { olderVersions?: boolean } = {},
) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const { token } = request.params as { token: string };
    request.subscriber = await subscriberForToken(deps, token, purpose, options);
    if (!request.subscriber) return reply.notFound(BAD_LINK);
  };
}

/** The reader a resolved route serves (resolveToken answered 404 otherwise). */
export function readerOf(request: FastifyRequest): Subscriber {
  if (!request.subscriber) throw new Error("route has no resolveToken hook");
  return request.subscriber;
}

export const linksOf = (deps: Deps, subscriber: Subscriber) =>
  subscriberLinks(deps.config.PUBLIC_URL, deps.config.APP_SECRET, subscriber);

/** The reader's current token for a link (its last path segment), e.g. after a revocation. */
export const currentToken = (deps: Deps, subscriber: Subscriber, link: "manage" | "unsubscribe") =>
  linksOf(deps, subscriber)[link].split("/").pop()!;
