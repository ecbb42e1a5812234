import type { FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { scheduleRetraining } from "../../digests/learn.ts";
import { listTopics } from "../../papers/repository.ts";
import type { Deps } from "../../platform/deps.ts";
import type { PreferencesView } from "../../subscribers/preferences.ts";
import { getPreferences, listVotes } from "../../subscribers/repository.ts";
import {
  InputError,
  revokeReaderLinks,
  unvote,
  updatePreferences,
} from "../../subscribers/service.ts";
import { preferencesPutSchema, preferencesSchema } from "../../subscribers/validation.ts";
import type { WebRoutes } from "../context.ts";
import { type FieldErrors, fieldErrorsOf, inputErrorAsFields } from "../field-errors.ts";
import { asForm, formText, preferencesFormInput } from "../forms.ts";
import { preferencesPage } from "../pages/preferences.ts";
import { FORM_TYPE, inputErrorAs400, JSON_TYPE, requireType, sendPage } from "../replies.ts";
import { currentToken, linksOf, readerOf, resolveToken, type TokenRequest } from "../token.ts";

/**
 * The preferences page (GET, and POST from its form) and the same as JSON
 * (GET/PUT /api/preferences/:token): what GET answers, PUT accepts as it is. POST
 * /preferences/:token/revoke revokes every link the reader holds.
 */
export const preferencesRoutes: WebRoutes = async (app, { deps }) => {
  const manage = resolveToken(deps, "manage");
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const render = preferencesRenderer(deps);

  routes.get("/preferences/:token", { preValidation: manage }, async (request, reply) =>
    render(request, reply, 200, {}),
  );

  routes.post(
    "/preferences/:token",
    {
      preValidation: [manage, requireType(FORM_TYPE), readPreferencesForm],
      schema: { body: preferencesSchema },
      attachValidation: true,
    },
    async (request, reply) => {
      if (request.validationError) {
        return render(request, reply, 400, {
          errors: fieldErrorsOf(request.validationError.validation),
        });
      }
      try {
        const result = await updatePreferences(deps, readerOf(request).id, request.body);
        return render(request, reply, 200, { changes: result.changes, prefs: result.after });
      } catch (error) {
        if (error instanceof InputError)
          return render(request, reply, 400, { errors: inputErrorAsFields(error.message) });
        throw error;
      }
    },
  );

  routes.post(
    "/preferences/:token/votes/remove",
    { preValidation: [manage, requireType(FORM_TYPE)] },
    async (request, reply) => {
      const subscriberId = readerOf(request).id;
      const paperId = formText(asForm(request.body).paper_id);
      const votes = await listVotes(deps.db, subscriberId);
      const removed = votes.find((v) => v.paperId === paperId);
      if (!removed) return render(request, reply, 200, { changes: [] });
      await unvote(deps, subscriberId, removed.paperId);
      await scheduleRetraining(deps.requestSide().queues, subscriberId).catch((err) =>
        request.log.warn({ subscriberId, err }, "could not schedule model retraining"),
      );
      const label = removed.vote === 1 ? "More like this" : "Less like this";
      return render(request, reply, 200, { changes: [`Vote removed: ${label}, ${removed.title}`] });
    },
  );

  // Every link the reader was sent stops working; the answer is this page under its new link.
  routes.post("/preferences/:token/revoke", { preValidation: manage }, async (request, reply) => {
    request.subscriber = await revokeReaderLinks(deps, readerOf(request).id);
    (request as TokenRequest).params.token = currentToken(deps, request.subscriber, "manage");
    return render(request, reply, 200, { revoked: true });
  });

  routes.get("/api/preferences/:token", { preValidation: manage }, async (request, reply) => {
    const { id, email, status } = readerOf(request);
    const preferences = await getPreferences(deps.db, id);
    return reply.header("cache-control", "no-store").send({ email, status, preferences });
  });

  routes.put(
    "/api/preferences/:token",
    { preValidation: [manage, requireType(JSON_TYPE)], schema: { body: preferencesPutSchema } },
    async (request, reply) => {
      const { after, changes } = await updatePreferences(
        deps,
        readerOf(request).id,
        request.body,
      ).catch(inputErrorAs400);
      return reply.header("cache-control", "no-store").send({ preferences: after, changes });
    },
  );
};

/** The form always sends every field; turn it into the object the schema checks. */
async function readPreferencesForm(request: FastifyRequest) {
  request.body = preferencesFormInput(asForm(request.body));
}

interface PageExtras {
  changes?: string[];
  errors?: FieldErrors;
  prefs?: PreferencesView;
  revoked?: boolean;
}

function preferencesRenderer(deps: Deps) {
  return async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: PageExtras,
  ) => {
    const subscriber = readerOf(request);
    const [prefs, topics, votes] = await Promise.all([
      extra.prefs ?? getPreferences(deps.db, subscriber.id),
      listTopics(deps.db),
      listVotes(deps.db, subscriber.id),
    ]);
    const page = preferencesPage({
      token: (request as TokenRequest).params.token,
      email: subscriber.email,
      status: subscriber.status,
      unsubscribeUrl: linksOf(deps, subscriber).unsubscribe,
      feedUrl: linksOf(deps, subscriber).feed,
      prefs: prefs!,
      topics,
      changes: extra.changes,
      errors: extra.errors,
      votes,
      revoked: extra.revoked,
    });
    return sendPage(reply, status, page);
  };
}
