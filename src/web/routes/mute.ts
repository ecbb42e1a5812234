import type { FastifyReply } from "fastify";
import { topicNames } from "../../papers/repository.ts";
import type { Deps } from "../../platform/deps.ts";
import { type MuteLink, muteForToken, muteFromLink } from "../../subscribers/service.ts";
import type { WebRoutes } from "../context.ts";
import { mutePage } from "../pages/mute.ts";
import { acceptAnyBody, sendPage } from "../replies.ts";
import { BAD_LINK, linksOf, type TokenRequest } from "../token.ts";

/**
 * A reason chip's mute link (`/mute/:token`, signed per reader, kind and value): GET shows a
 * button and changes nothing (link scanners open every URL); POST, with any or no body,
 * records the mute (idempotent). A bad or revoked token is a 404.
 */
export const muteRoutes: WebRoutes = async (app, { deps }) => {
  // The page's button posts an empty form; anything else posted is accepted and ignored.
  acceptAnyBody(app);

  app.get("/mute/:token", async (request: TokenRequest, reply) => {
    const link = await muteForToken(deps, request.params.token);
    if (!link) return reply.notFound(BAD_LINK);
    return answer(deps, reply, request.params.token, link);
  });

  app.post("/mute/:token", async (request: TokenRequest, reply) => {
    const link = await muteForToken(deps, request.params.token);
    if (!link) return reply.notFound(BAD_LINK);
    const added = await muteFromLink(deps, link);
    return answer(deps, reply, request.params.token, link, added ? "muted" : "already");
  });
};

async function answer(
  deps: Deps,
  reply: FastifyReply,
  token: string,
  link: MuteLink,
  done?: "muted" | "already",
) {
  const { kind, value } = link.mute;
  const label = kind === "topic" ? ((await topicNames(deps.db))[value] ?? value) : value;
  const manageUrl = linksOf(deps, link.subscriber).manage;
  return sendPage(
    reply.header("cache-control", "no-store"),
    200,
    mutePage({ token, kind, label, manageUrl, done }),
  );
}
