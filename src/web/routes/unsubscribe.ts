import type { FastifyInstance, FastifyReply } from "fastify";
import type { Subscriber } from "../../platform/db/schema.ts";
import type { Deps } from "../../platform/deps.ts";
import { findSubscriber } from "../../subscribers/repository.ts";
import {
  isCurrentLink,
  resubscribe,
  subscriberForToken,
  unsubscribe,
} from "../../subscribers/service.ts";
import type { WebRoutes } from "../context.ts";
import { asForm, formText } from "../forms.ts";
import { type UnsubscribePageOptions, unsubscribePage } from "../pages/unsubscribe.ts";
import { acceptAnyBody, sendPage } from "../replies.ts";
import { currentToken, linksOf, readerOf, resolveToken, type TokenRequest } from "../token.ts";

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
 * the answer is a plain 200, never a redirect. The page's own button gets a page back.
 */
async function oneClickRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  acceptAnyBody(app);

  app.post(
    "/unsubscribe/:token",
    // A link revoked by the unsubscribe itself still answers 200 (one-click is idempotent).
    { preValidation: resolveToken(deps, "unsubscribe", { olderVersions: true }) },
    async (request: TokenRequest, reply) => {
      const subscriber = readerOf(request);
      // Only the current link's holder gets the page (with the new links it shows).
      const fromPage =
        formText(asForm(request.body).via) === "page" &&
        isCurrentLink(deps, request.params.token, "unsubscribe", subscriber);
      await unsubscribe(deps, subscriber.id, fromPage ? "page" : "one-click");
      if (!fromPage) {
        return reply
          .code(200)
          .type("text/plain; charset=utf-8")
          .header("cache-control", "no-store")
          .send("You are unsubscribed. No more digests will be sent to this address.\n");
      }
      // Unsubscribing revoked the link just used: the page's Resubscribe button gets a new one.
      const now = (await findSubscriber(deps.db, subscriber.id)) ?? subscriber;
      return answerPage(deps, reply, currentToken(deps, now, "unsubscribe"), now, "unsubscribed");
    },
  );
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
