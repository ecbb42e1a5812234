import type { FastifyInstance, FastifyReply } from "fastify";
import type { Subscriber } from "../../platform/db/schema.ts";
import type { Deps } from "../../platform/deps.ts";
import { unsubscribeByLink } from "../../subscribers/one-click.ts";
import { findSubscriber } from "../../subscribers/repository.ts";
import { resubscribe, subscriberForToken, unsubscribe } from "../../subscribers/service.ts";
import type { WebRoutes } from "../context.ts";
import { asForm, formText } from "../forms.ts";
import { type UnsubscribePageOptions, unsubscribePage } from "../pages/unsubscribe.ts";
import { acceptAnyBody, sendPage, sendText } from "../replies.ts";
import {
  BAD_LINK,
  currentToken,
  linksOf,
  readerOf,
  resolveToken,
  type TokenRequest,
} from "../token.ts";

/**
 * The unsubscribe link: GET shows a button (a GET never unsubscribes), POST is RFC 8058
 * one-click (or that button), and after it a Resubscribe button. Unsubscribing revokes every
 * link the reader held, so an old or forwarded link cannot resubscribe them: only the page
 * just shown (with its new link) or a fresh opt-in can.
 */
export const unsubscribeRoutes: WebRoutes = async (app, { deps }) => {
  const preValidation = resolveToken(deps, "unsubscribe");

  app.get("/unsubscribe/:token", { preValidation }, async (request: TokenRequest, reply) =>
    answerPage(deps, reply, request.params.token, readerOf(request)),
  );

  app.post(
    "/unsubscribe/:token/resubscribe",
    { preValidation },
    async (request: TokenRequest, reply) => {
      const subscriber = readerOf(request);
      const ok = await resubscribe(deps, subscriber.id);
      const { token } = request.params;
      const now = (await subscriberForToken(deps, token, "unsubscribe")) ?? subscriber;
      const done = ok
        ? "resubscribed"
        : now.status === "active"
          ? undefined
          : "resubscribe-refused";
      return answerPage(deps, reply, token, now, done);
    },
  );

  await app.register(async (oneClick) => oneClickRoutes(oneClick, deps));
};

/**
 * RFC 8058 one-click unsubscribe. Mail clients post `List-Unsubscribe=One-Click` as
 * urlencoded or multipart (or nothing at all), without cookies: any body is accepted and
 * the answer is a plain 200, never a redirect, sent once the change is committed. The page's
 * own button gets a page back. A link that is not genuine gets a 404, changing nothing.
 */
async function oneClickRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  acceptAnyBody(app);

  app.post("/unsubscribe/:token", async (request: TokenRequest, reply) => {
    const { token } = request.params;
    // Only the current link's holder gets the page (with the new links it shows).
    if (formText(asForm(request.body).via) === "page") {
      const subscriber = await subscriberForToken(deps, token, "unsubscribe");
      if (subscriber) return pageUnsubscribe(deps, reply, subscriber);
    }
    // A link revoked by the unsubscribe itself still answers 200 (one-click is idempotent).
    if (!(await unsubscribeByLink(deps, token, "one-click"))) return reply.notFound(BAD_LINK);
    return sendText(reply, "You are unsubscribed. No more digests will be sent to this address.\n");
  });
}

/** The page's own Unsubscribe button: the page again, with the Resubscribe button. */
async function pageUnsubscribe(deps: Deps, reply: FastifyReply, subscriber: Subscriber) {
  await unsubscribe(deps, subscriber.id, "page");
  // Unsubscribing revoked the link just used: the page's Resubscribe button gets a new one.
  const now = (await findSubscriber(deps.db, subscriber.id)) ?? subscriber;
  return answerPage(deps, reply, currentToken(deps, now, "unsubscribe"), now, "unsubscribed");
}

function answerPage(
  deps: Deps,
  reply: FastifyReply,
  token: string,
  s: Subscriber,
  done?: UnsubscribePageOptions["done"],
) {
  const manageUrl = linksOf(deps, s).manage;
  const page = unsubscribePage({ token, email: s.email, status: s.status, manageUrl, done });
  return sendPage(reply, 200, page);
}
