import type { FastifyReply, FastifyRequest } from "fastify";
import { scheduleRetraining } from "../../digests/learn.ts";
import { paperTitle } from "../../papers/repository.ts";
import type { Deps } from "../../platform/deps.ts";
import { feedbackForToken, vote } from "../../subscribers/service.ts";
import type { FeedbackClaims } from "../../subscribers/tokens.ts";
import type { WebRoutes } from "../context.ts";
import { asForm, formText } from "../forms.ts";
import { feedbackPage } from "../pages/feedback.ts";
import { acceptAnyBody, sendPage, sendText } from "../replies.ts";
import { BAD_LINK, linksOf, type TokenRequest } from "../token.ts";

/**
 * "More like this" / "Less like this" links. GET shows a one-tap button and records nothing
 * (link scanners open every URL); POST, with any or no body (urlencoded, multipart, JSON,
 * empty), records the vote and answers 200; the latest vote on a paper wins. A bad link is 404.
 */
export const feedbackRoutes: WebRoutes = async (app, { deps }) => {
  acceptAnyBody(app);

  app.get("/feedback/:token", async (request: TokenRequest, reply) => {
    const found = await feedbackForToken(deps, request.params.token);
    if (!found) return reply.notFound(BAD_LINK);
    return answerPage(deps, reply, request.params.token, found, false);
  });

  app.post("/feedback/:token", async (request: TokenRequest, reply) => {
    const found = await feedbackForToken(deps, request.params.token);
    if (!found) return reply.notFound(BAD_LINK);
    if (!(await vote(deps, found.claims))) return reply.notFound(BAD_LINK);
    await retrainSoon(deps, request, found.claims.subscriberId);
    if (formText(asForm(request.body).via) === "page") {
      return answerPage(deps, reply, request.params.token, found, true);
    }
    return sendText(reply, "Thanks, your vote is recorded.\n");
  });
};

/** The vote is stored; a Redis outage only delays the model until the reader's next vote. */
async function retrainSoon(deps: Deps, request: FastifyRequest, subscriberId: number) {
  try {
    await scheduleRetraining(deps.requestSide().queues, subscriberId);
  } catch (error) {
    request.log.warn({ subscriberId, err: error }, "could not schedule model retraining");
  }
}

async function answerPage(
  deps: Deps,
  reply: FastifyReply,
  token: string,
  found: { subscriber: Parameters<typeof linksOf>[1]; claims: FeedbackClaims },
  recorded: boolean,
) {
  const title = await paperTitle(deps.db, found.claims.paperId);
  if (title === undefined) return reply.notFound(BAD_LINK);
  const manageUrl = linksOf(deps, found.subscriber).manage;
  const html = feedbackPage({ token, title, vote: found.claims.vote, manageUrl, recorded });
  return sendPage(reply, 200, html);
}
