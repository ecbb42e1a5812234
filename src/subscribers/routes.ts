import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { findPapersListedBetween, latestEditionDate, listTopics } from "../papers/repository.ts";
import type { Subscriber } from "../platform/db/schema.ts";
import { type RoutePlugin, sendError } from "../platform/http/app.ts";
import { createFailFastRedis } from "../platform/redis.ts";
import { landingPage } from "../web/landing.ts";
import { asForm, formText, preferencesFormInput, subscribeFormInput } from "./forms.ts";
import {
  checkInboxPage,
  confirmPage,
  preferencesPage,
  subscribeErrorPage,
  unavailablePage,
  unsubscribePage,
  welcomePage,
} from "./pages.ts";
import { getPreferences } from "./repository.ts";
import {
  confirm,
  InputError,
  resubscribe,
  type SubscriberContext,
  subscribe,
  subscriberForToken,
  unsubscribe,
  updatePreferences,
} from "./service.ts";
import { subscriberLinks, type TokenPurpose } from "./tokens.ts";
import { createTransactionalDispatch } from "./transactional.ts";
import {
  firstIssue,
  preferencesPatchSchema,
  preferencesSchema,
  subscribeSchema,
} from "./validation.ts";

const ACCEPTED_MESSAGE =
  "If the address can receive mail, a confirmation link is on its way. Open it to start your digest.";
const BAD_LINK = "This link is not valid. It may be mistyped, expired, or replaced by a newer one.";

type TokenRequest = FastifyRequest<{ Params: { token: string } }>;

const html = (reply: FastifyReply, status: number, body: string) =>
  reply
    .code(status)
    .type("text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .send(body);

function mediaType(request: FastifyRequest): string {
  return (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Answer 415 unless the body is of the one type this route reads. */
const requireType = (type: string) => async (request: FastifyRequest, reply: FastifyReply) => {
  if (mediaType(request) !== type) {
    return sendError(
      request.headers.accept,
      request.url,
      reply,
      415,
      `Unsupported content type: send ${type}.`,
    );
  }
};

/**
 * The reader's routes: landing page, subscribe, confirm, preferences, unsubscribe.
 * Confirmation and welcome mails are queued for the worker (see transactional.ts).
 */
export const subscriberRoutes: RoutePlugin = async (app, deps) => {
  const mails = await createTransactionalDispatch(deps);
  await app.register(async (scope) => {
    const ctx: SubscriberContext = { deps, mail: mails.dispatch };
    scope.addHook("onClose", () => mails.close());
    // Its own fail-fast connection: while Redis is away the limit is skipped (the per-address
    // confirmation limit lives in Postgres, so nobody can be mail-bombed meanwhile) instead of
    // every subscribe request hanging until Redis returns.
    const limiterRedis = createFailFastRedis(deps.config.REDIS_URL, "paperboy-ratelimit");
    scope.addHook("onClose", async () => {
      limiterRedis.disconnect();
    });
    await scope.register(rateLimit, {
      global: false,
      redis: limiterRedis,
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
    await readerRoutes(scope, ctx);
    await scope.register(async (oneClick) => oneClickRoutes(oneClick, ctx));
  });
};

async function readerRoutes(app: FastifyInstance, ctx: SubscriberContext): Promise<void> {
  const { deps } = ctx;
  // One budget shared by the form and the API (a per-route config would count them apart).
  const limited = app.rateLimit({
    max: deps.config.SUBSCRIBE_RATE_LIMIT_PER_MINUTE,
    timeWindow: "1 minute",
  });

  app.get("/", async (_request, reply) => {
    const [topics, edition] = await Promise.all([listTopics(deps.db), latestEditionDate(deps.db)]);
    const papers = edition ? await findPapersListedBetween(deps.db, edition, edition) : [];
    return html(reply, 200, landingPage(edition, papers, topics)).header(
      "cache-control",
      "public, max-age=300",
    );
  });

  app.post(
    "/subscribe",
    { onRequest: limited, preValidation: requireType("application/x-www-form-urlencoded") },
    async (request, reply) => {
      const form = asForm(request.body);
      // Bots fill every field; people never see this one. Same answer, nothing stored.
      if (formText(form.website)?.trim()) return html(reply, 200, checkInboxPage());
      const values = subscribeFormInput(form);
      const parsed = subscribeSchema.safeParse(values);
      const fail = async (message: string) =>
        html(reply, 400, subscribeErrorPage(await listTopics(deps.db), values, message));
      if (!parsed.success) return fail(firstIssue(parsed.error));
      try {
        await subscribe(ctx, parsed.data);
      } catch (error) {
        if (error instanceof InputError) return fail(error.message);
        throw error;
      }
      return html(reply, 200, checkInboxPage());
    },
  );

  app.post(
    "/api/subscriptions",
    { onRequest: limited, preValidation: requireType("application/json") },
    async (request, reply) => {
      const parsed = subscribeSchema.safeParse(request.body);
      if (!parsed.success) return reply.code(400).send(apiError(firstIssue(parsed.error)));
      try {
        await subscribe(ctx, parsed.data);
      } catch (error) {
        if (error instanceof InputError) return reply.code(400).send(apiError(error.message));
        throw error;
      }
      return reply.code(202).send({ status: "accepted", message: ACCEPTED_MESSAGE });
    },
  );

  const resolve = async (request: TokenRequest, reply: FastifyReply, purpose: TokenPurpose) => {
    const subscriber = await subscriberForToken(deps, request.params.token, purpose);
    if (!subscriber) sendError(request.headers.accept, request.url, reply, 404, BAD_LINK);
    return subscriber;
  };
  const linksOf = (s: Subscriber) =>
    subscriberLinks(deps.config.PUBLIC_URL, deps.config.APP_SECRET, s);

  app.get("/confirm/:token", async (request: TokenRequest, reply) => {
    const subscriber = await resolve(request, reply, "confirm");
    if (!subscriber) return reply;
    return html(reply, 200, confirmPage(request.params.token));
  });

  app.post("/confirm/:token", async (request: TokenRequest, reply) => {
    const subscriber = await resolve(request, reply, "confirm");
    if (!subscriber) return reply;
    const outcome = await confirm(ctx, subscriber);
    if (outcome === "unavailable") return html(reply, 200, unavailablePage());
    return html(reply, 200, welcomePage(linksOf(subscriber).manage, outcome === "already-active"));
  });

  const renderPreferences = async (
    reply: FastifyReply,
    status: number,
    token: string,
    subscriber: Subscriber,
    extra: {
      changes?: string[];
      error?: string;
      prefs?: Parameters<typeof preferencesPage>[0]["prefs"];
    },
  ) => {
    const [prefs, topics] = await Promise.all([
      extra.prefs ?? getPreferences(deps.db, subscriber.id),
      listTopics(deps.db),
    ]);
    return html(
      reply,
      status,
      preferencesPage({
        token,
        email: subscriber.email,
        status: subscriber.status,
        unsubscribeUrl: linksOf(subscriber).unsubscribe,
        prefs: prefs!,
        topics,
        changes: extra.changes,
        error: extra.error,
      }),
    );
  };

  app.get("/preferences/:token", async (request: TokenRequest, reply) => {
    const subscriber = await resolve(request, reply, "manage");
    if (!subscriber) return reply;
    return renderPreferences(reply, 200, request.params.token, subscriber, {});
  });

  app.post(
    "/preferences/:token",
    { preValidation: requireType("application/x-www-form-urlencoded") },
    async (request: TokenRequest, reply) => {
      const subscriber = await resolve(request, reply, "manage");
      if (!subscriber) return reply;
      const token = request.params.token;
      const parsed = preferencesSchema.safeParse(preferencesFormInput(asForm(request.body)));
      if (!parsed.success) {
        return renderPreferences(reply, 400, token, subscriber, {
          error: firstIssue(parsed.error),
        });
      }
      try {
        const result = await updatePreferences(deps, subscriber.id, parsed.data);
        return renderPreferences(reply, 200, token, subscriber, {
          changes: result.changes,
          prefs: result.after,
        });
      } catch (error) {
        if (error instanceof InputError) {
          return renderPreferences(reply, 400, token, subscriber, { error: error.message });
        }
        throw error;
      }
    },
  );

  app.get("/api/preferences/:token", async (request: TokenRequest, reply) => {
    const subscriber = await resolve(request, reply, "manage");
    if (!subscriber) return reply;
    const preferences = await getPreferences(deps.db, subscriber.id);
    return reply
      .header("cache-control", "no-store")
      .send({ email: subscriber.email, status: subscriber.status, preferences });
  });

  app.put(
    "/api/preferences/:token",
    { preValidation: requireType("application/json") },
    async (request: TokenRequest, reply) => {
      const subscriber = await resolve(request, reply, "manage");
      if (!subscriber) return reply;
      const parsed = preferencesPatchSchema.safeParse(request.body);
      if (!parsed.success) return reply.code(400).send(apiError(firstIssue(parsed.error)));
      try {
        const { after, changes } = await updatePreferences(deps, subscriber.id, parsed.data);
        return reply.header("cache-control", "no-store").send({ preferences: after, changes });
      } catch (error) {
        if (error instanceof InputError) return reply.code(400).send(apiError(error.message));
        throw error;
      }
    },
  );

  const unsubscribeView = (
    token: string,
    s: Subscriber,
    done?: "unsubscribed" | "resubscribed" | "resubscribe-refused",
  ) =>
    unsubscribePage({
      token,
      email: s.email,
      status: s.status,
      manageUrl: linksOf(s).manage,
      done,
    });

  app.get("/unsubscribe/:token", async (request: TokenRequest, reply) => {
    const subscriber = await resolve(request, reply, "unsubscribe");
    if (!subscriber) return reply;
    return html(reply, 200, unsubscribeView(request.params.token, subscriber));
  });

  app.post("/unsubscribe/:token/resubscribe", async (request: TokenRequest, reply) => {
    const subscriber = await resolve(request, reply, "unsubscribe");
    if (!subscriber) return reply;
    const ok = await resubscribe(deps, subscriber.id);
    const now = (await subscriberForToken(deps, request.params.token, "unsubscribe")) ?? subscriber;
    const done = ok ? "resubscribed" : now.status === "active" ? undefined : "resubscribe-refused";
    return html(reply, 200, unsubscribeView(request.params.token, now, done));
  });
}

/**
 * RFC 8058 one-click unsubscribe. Mail clients post `List-Unsubscribe=One-Click` as
 * urlencoded or multipart (or nothing at all), without cookies: any body is accepted and
 * the answer is a plain 200, never a redirect. The page's own button gets a page back.
 */
async function oneClickRoutes(app: FastifyInstance, ctx: SubscriberContext): Promise<void> {
  const { deps } = ctx;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (request, body, done) => {
    if (mediaType(request) === "application/x-www-form-urlencoded") {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    } else {
      done(null, {});
    }
  });

  app.post("/unsubscribe/:token", async (request: TokenRequest, reply) => {
    const subscriber = await subscriberForToken(deps, request.params.token, "unsubscribe");
    if (!subscriber) {
      return sendError(request.headers.accept, request.url, reply, 404, BAD_LINK);
    }
    const fromPage = formText(asForm(request.body).via) === "page";
    await unsubscribe(deps, subscriber.id, fromPage ? "page" : "one-click");
    if (!fromPage) {
      return reply
        .code(200)
        .type("text/plain; charset=utf-8")
        .header("cache-control", "no-store")
        .send("You are unsubscribed. No more digests will be sent to this address.\n");
    }
    const now = (await subscriberForToken(deps, request.params.token, "unsubscribe")) ?? subscriber;
    const links = subscriberLinks(deps.config.PUBLIC_URL, deps.config.APP_SECRET, now);
    return html(
      reply,
      200,
      unsubscribePage({
        token: request.params.token,
        email: now.email,
        status: now.status,
        manageUrl: links.manage,
        done: "unsubscribed",
      }),
    );
  });
}

function apiError(message: string) {
  return { error: message, statusCode: 400 };
}
