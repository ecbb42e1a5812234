import type { FastifyInstance } from "fastify";
import { createDigestComposer } from "../../digests/compose.ts";
import type { DigestComposer } from "../../digests/types.ts";
import { devOutboxEnabled } from "../../platform/config.ts";
import type { Deps } from "../../platform/deps.ts";
import { createTransactionalDispatch } from "../../subscribers/transactional.ts";
import { createBackground } from "../background.ts";
import type { WebContext, WebRoutes } from "../context.ts";
import { adminRoutes } from "./admin.ts";
import { archiveRoutes } from "./archive.ts";
import { confirmRoutes } from "./confirm.ts";
import { docsRoutes, registerOpenApi } from "./docs.ts";
import { feedbackRoutes } from "./feedback.ts";
import { feedRoutes } from "./feeds.ts";
import { healthRoutes } from "./health.ts";
import { homeRoutes } from "./home.ts";
import { muteRoutes } from "./mute.ts";
import { papersApiRoutes } from "./papers-api.ts";
import { preferencesRoutes } from "./preferences.ts";
import { readerDataRoutes } from "./reader-data.ts";
import { staticRoutes } from "./static.ts";
import { subscribeRoutes } from "./subscribe.ts";
import { unsubscribeRoutes } from "./unsubscribe.ts";
import { webhookRoutes } from "./webhooks.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** Resolves once the work requests started after their answers is done (tests, close). */
    afterReplies(): Promise<void>;
  }
}

/** Dev only, and loaded only then: it needs mailparser, which a production install lacks. */
const devOutboxRoutes: WebRoutes = async (app, web) => {
  if (!devOutboxEnabled(web.deps.config)) return;
  const devOutbox = await import("./dev-outbox.ts");
  await devOutbox.devOutboxRoutes(app, web);
};

/** Every URL area, each in its own encapsulated scope. */
const WEB_ROUTES: WebRoutes[] = [
  staticRoutes,
  healthRoutes,
  devOutboxRoutes,
  homeRoutes,
  subscribeRoutes,
  confirmRoutes,
  preferencesRoutes,
  readerDataRoutes,
  unsubscribeRoutes,
  muteRoutes,
  feedbackRoutes,
  archiveRoutes,
  papersApiRoutes,
  feedRoutes,
  adminRoutes,
  webhookRoutes,
  docsRoutes,
];

/** Build the request-side services once, then register every area with them. */
export async function registerWebRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  // Confirmation and welcome mails are queued for the worker (see transactional.ts).
  const mails = await createTransactionalDispatch(deps);
  const background = createBackground(app.log);
  app.addHook("onClose", async () => {
    await background.idle();
    await mails.close();
  });
  app.decorate("afterReplies", () => background.idle());
  app.decorateRequest("subscriber", null);
  // Before the areas: it collects each route as it is added.
  await registerOpenApi(app, deps);
  const web: WebContext = {
    deps,
    mail: mails.dispatch,
    mailMany: mails.dispatchMany,
    composer: lazyComposer(deps),
    background,
  };
  for (const routes of WEB_ROUTES) await app.register(async (scope) => routes(scope, web));
}

/** Compiled on first use, so the server starts without waiting for MJML or the database. */
function lazyComposer(deps: Deps): () => Promise<DigestComposer> {
  let composer: Promise<DigestComposer> | undefined;
  return () => {
    composer ??= createDigestComposer(deps).catch((err) => {
      composer = undefined;
      throw err;
    });
    return composer;
  };
}
