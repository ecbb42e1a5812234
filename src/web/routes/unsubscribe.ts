import type { FastifyInstance, FastifyReply } from "fastify";
import type { Subscriber } from "../../platform/db/schema.ts";
import type { Deps } from "../../platform/deps.ts";
import { resubscribe, subscriberForToken, unsubscribe } from "../../subscribers/service.ts";
import type { WebRoutes } from "../context.ts";
import { asForm, formText } from "../forms.ts";
import { type UnsubscribePageOptions, unsubscribePage } from "../pages/unsubscribe.ts";
import { FORM_TYPE, mediaType, sendPage } from "../replies.ts";
import { linksOf, readerOf, resolveToken, type TokenRequest } from "../token.ts";

/**
 * The unsubscribe link: GET shows a button (a GET never unsubscribes), POST is RFC 8058
 * one-click (or that button), and after it a Resubscribe button.
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
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (request, body, done) => {
    if (mediaType(request) === FORM_TYPE) {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    } else {
      done(null, {});
    }
  });

  app.post(
    "/unsubscribe/:token",
    { preValidation: resolveToken(deps, "unsubscribe") },
    async (request: TokenRequest, reply) => {
      const subscriber = readerOf(request);
      const fromPage = formText(asForm(request.body).via) === "page";
      await unsubscribe(deps, subscriber.id, fromPage ? "page" : "one-click");
      if (!fromPage) {
        return reply
          .code(200)
          .type("text/plain; charset=utf-8")
          .header("cache-control", "no-store")
          .send("You are unsubscribed. No more digests will be sent to this address.\n");
      }
      const { token } = request.params;
      const now = (await subscriberForToken(deps, token, "unsubscribe")) ?? subscriber;
      return answerPage(deps, reply, token, now, "unsubscribed");
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
