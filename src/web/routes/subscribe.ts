import rateLimit from "@fastify/rate-limit";
import { httpErrors } from "@fastify/sensible";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { findPapersListedBetween, latestEditionDate, listTopics } from "../../papers/repository.ts";
import {
  checkSubscribeRequest,
  emailMyLinks,
  InputError,
  subscribe,
} from "../../subscribers/service.ts";
import {
  linksRequestSchema,
  type SubscribeInput,
  subscribeSchema,
} from "../../subscribers/validation.ts";
import type { WebContext, WebRoutes } from "../context.ts";
import { type FieldErrors, fieldErrorsOf, inputErrorAsFields } from "../field-errors.ts";
import { asForm, formText, subscribeFormInput } from "../forms.ts";
import { refuseCrossSite } from "../origin.ts";
import { PACE_ABOVE } from "../pace.ts";
import { landingPage } from "../pages/home.ts";
import {
  checkInboxPage,
  linksPage,
  linksSentPage,
  type SubscribeFormValues,
} from "../pages/subscribe.ts";
import { FORM_TYPE, inputErrorAs400, JSON_TYPE, requireType, sendPage } from "../replies.ts";

const BUSY_MESSAGE = "Paperboy is very busy right now. Please try again in a minute.";

const ACCEPTED_MESSAGE =
  "If the address can receive mail, a confirmation link is on its way. Open it to start your digest.";

/**
 * POST /subscribe (the form) and POST /api/subscriptions (JSON). Both answer the same, in the
 * same time, whatever the address's state (no enumeration), share one per-IP budget and refuse
 * posts from other sites.
 */
export const subscribeRoutes: WebRoutes = async (app, web) => {
  await registerRateLimit(app, web);
  // One budget shared by the form and the API (a per-route config would count them apart).
  const limited = app.rateLimit({
    max: web.deps.config.SUBSCRIBE_RATE_LIMIT_PER_MINUTE,
    timeWindow: "1 minute",
  });
  // Another site's page must not make its visitors' browsers subscribe someone (list bombing
  // spread over many IPs); the JSON API needs CORS, which it does not grant, but checks too.
  const sameSite = refuseCrossSite(web.deps.config.PUBLIC_URL);
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post(
    "/subscribe",
    {
      onRequest: [sameSite, limited, refuseWhenSwamped(web)],
      preValidation: [requireType(FORM_TYPE), readSubscribeForm],
      schema: { body: subscribeSchema },
      attachValidation: true,
    },
    async (request, reply) => {
      // The landing page again, hero and papers included, with every problem beside its field.
      const fail = async (errors: FieldErrors) => {
        const { db } = web.deps;
        const [topics, edition] = await Promise.all([listTopics(db), latestEditionDate(db)]);
        const papers = edition ? await findPapersListedBetween(db, edition, edition) : [];
        const values = request.body as SubscribeFormValues;
        return sendPage(reply, 400, landingPage(edition, papers, topics, { values, errors }));
      };
      if (request.validationError) return fail(fieldErrorsOf(request.validationError.validation));
      try {
        await checkSubscribeRequest(web.deps, request.body);
      } catch (error) {
        if (error instanceof InputError) return fail(inputErrorAsFields(error.message));
        throw error;
      }
      await sendPage(reply, 200, checkInboxPage(request.body.email));
      subscribeAfterReply(web, request.body);
      return reply;
    },
  );

  // "Email me my links": same budget as subscribing, the same answer for every address.
  routes.get("/links", async (_request, reply) => sendPage(reply, 200, linksPage()));
  routes.post(
    "/links",
    {
      onRequest: [sameSite, limited, refuseWhenSwamped(web)],
      preValidation: [requireType(FORM_TYPE), readLinksForm],
      schema: { body: linksRequestSchema },
      attachValidation: true,
    },
    async (request, reply) => {
      if (request.validationError) {
        const errors = fieldErrorsOf(request.validationError.validation);
        return sendPage(reply, 400, linksPage(request.body as { email?: string }, errors));
      }
      // Whether the address is a reader's shows in no answer and no timing: the work runs after.
      await sendPage(reply, 200, linksSentPage(request.body.email));
      const { email } = request.body;
      web.background.run("email-my-links", () => emailMyLinks(web, email));
      return reply;
    },
  );

  routes.post(
    "/api/subscriptions",
    {
      onRequest: [sameSite, limited, refuseWhenSwamped(web)],
      preValidation: requireType(JSON_TYPE),
      schema: { body: subscribeSchema },
    },
    async (request, reply) => {
      await checkSubscribeRequest(web.deps, request.body).catch(inputErrorAs400);
      await reply.code(202).send({ status: "accepted", message: ACCEPTED_MESSAGE });
      subscribeAfterReply(web, request.body);
      return reply;
    },
  );
};

/**
 * Subscribes and link requests are answered before they are written, so a burst beyond what
 * Postgres absorbs would queue without bound in memory, and a crash would lose the queue.
 * Past PACE_ABOVE unwritten requests each waits its turn at the rate the writes keep up
 * (pace.ts); past SUBSCRIBE_BACKLOG_LIMIT, or when that turn is seconds away: 503 +
 * Retry-After. Both depend only on the backlog, the same for every address.
 */
function refuseWhenSwamped(web: WebContext) {
  const limit = web.deps.config.SUBSCRIBE_BACKLOG_LIMIT;
  const paceAbove = Math.min(PACE_ABOVE, limit);
  const room = () => web.background.size() < limit;
  return async (_request: FastifyRequest, reply: FastifyReply) => {
    if (room() && (await web.background.admit(paceAbove)) && room()) return;
    reply.header("retry-after", "10");
    throw httpErrors.serviceUnavailable(BUSY_MESSAGE);
  };
}

/**
 * Everything that depends on the address's state (stored or not, active, suppressed, mailed
 * lately) happens after the answer has gone out, so neither its bytes nor its timing tell.
 */
function subscribeAfterReply(web: WebContext, input: SubscribeInput): void {
  web.background.run("subscribe", () => subscribe(web, input));
}

/**
 * Before the schema sees the form: a bot that filled the hidden field gets the usual answer
 * and nothing is stored; a person's fields become the shape the schema checks.
 */
async function readSubscribeForm(request: FastifyRequest, reply: FastifyReply) {
  const form = asForm(request.body);
  if (formText(form.website)?.trim()) {
    // The same page a person gets, address included, so a bot learns nothing.
    const email = formText(form.email)?.trim();
    return sendPage(reply, 200, checkInboxPage(email || undefined));
  }
  request.body = subscribeFormInput(form);
}

async function readLinksForm(request: FastifyRequest) {
  request.body = { email: formText(asForm(request.body).email) };
}

/**
 * The limiter's counters live in Redis on the fail-fast connection: while Redis is away the
 * limit is skipped (the per-address confirmation limit lives in Postgres, so nobody can be
 * mail-bombed meanwhile) instead of every subscribe request hanging until Redis returns.
 */
async function registerRateLimit(app: FastifyInstance, { deps }: WebContext) {
  await app.register(rateLimit, {
    global: false,
    redis: deps.requestSide().limits,
    skipOnError: true,
    nameSpace: `${deps.config.REDIS_PREFIX}:ratelimit:`,
    // Success answers must not differ between requests (no enumeration), so counters
    // are only shown once the limit is hit.
    addHeadersOnExceeding: {
      "x-ratelimit-limit": false,
      "x-ratelimit-remaining": false,
      "x-ratelimit-reset": false,
    },
    errorResponseBuilder: (_request, context) => {
      const error = new Error(
        `Too many requests. Please wait ${context.after} and try again.`,
      ) as Error & { statusCode: number };
      error.statusCode = 429;
      return error;
    },
  });
}
