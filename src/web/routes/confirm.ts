import { getPreferences } from "../../subscribers/repository.ts";
import { confirm } from "../../subscribers/service.ts";
import type { WebRoutes } from "../context.ts";
import { scheduleLabel } from "../form-parts.ts";
import { confirmPage, unavailablePage, welcomePage } from "../pages/confirm.ts";
import { sendPage } from "../replies.ts";
import { linksOf, readerOf, resolveToken, type TokenRequest } from "../token.ts";

/** GET shows a Confirm button (link scanners must not confirm); POST confirms. */
export const confirmRoutes: WebRoutes = async (app, web) => {
  const { deps } = web;
  const preValidation = resolveToken(deps, "confirm");

  /** "at 8:00 in Berlin (Europe/Berlin) every day": when this reader's digest comes. */
  const schedule = async (subscriberId: number) => {
    const prefs = await getPreferences(deps.db, subscriberId);
    return prefs ? scheduleLabel(prefs) : "at 8:00 UTC every day";
  };

  app.get("/confirm/:token", { preValidation }, async (request: TokenRequest, reply) => {
    const subscriber = readerOf(request);
    // A used link: say so, rather than asking to confirm again.
    if (subscriber.status === "active") {
      const manage = linksOf(deps, subscriber).manage;
      const page = welcomePage(manage, true, await schedule(subscriber.id), subscriber.email);
      return sendPage(reply, 200, page);
    }
    return sendPage(reply, 200, confirmPage(request.params.token, subscriber.email));
  });

  app.post("/confirm/:token", { preValidation }, async (request, reply) => {
    const subscriber = readerOf(request);
    const outcome = await confirm(web, subscriber);
    if (outcome === "unavailable") return sendPage(reply, 200, unavailablePage());
    const manage = linksOf(deps, subscriber).manage;
    const when = await schedule(subscriber.id);
    const page = welcomePage(manage, outcome === "already-active", when, subscriber.email);
    return sendPage(reply, 200, page);
  });
};
