import { confirm } from "../../subscribers/service.ts";
import type { WebRoutes } from "../context.ts";
import { confirmPage, unavailablePage, welcomePage } from "../pages/confirm.ts";
import { sendPage } from "../replies.ts";
import { linksOf, readerOf, resolveToken, type TokenRequest } from "../token.ts";

/** GET shows a Confirm button (link scanners must not confirm); POST confirms. */
export const confirmRoutes: WebRoutes = async (app, web) => {
  const { deps } = web;
  const preValidation = resolveToken(deps, "confirm");

  app.get("/confirm/:token", { preValidation }, async (request: TokenRequest, reply) =>
    sendPage(reply, 200, confirmPage(request.params.token)),
  );

  app.post("/confirm/:token", { preValidation }, async (request, reply) => {
    const subscriber = readerOf(request);
    const outcome = await confirm(web, subscriber);
    if (outcome === "unavailable") return sendPage(reply, 200, unavailablePage());
    const manage = linksOf(deps, subscriber).manage;
    return sendPage(reply, 200, welcomePage(manage, outcome === "already-active"));
  });
};
