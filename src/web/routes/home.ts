import { findPapersListedBetween, latestEditionDate, listTopics } from "../../papers/repository.ts";
import type { WebRoutes } from "../context.ts";
import { landingPage } from "../pages/home.ts";
import { sendPage } from "../replies.ts";

/** GET /: the latest edition's trending papers and the subscribe form. */
export const homeRoutes: WebRoutes = async (app, { deps }) => {
  app.get("/", async (_request, reply) => {
    const [topics, edition] = await Promise.all([listTopics(deps.db), latestEditionDate(deps.db)]);
    const papers = edition ? await findPapersListedBetween(deps.db, edition, edition) : [];
    return sendPage(reply, 200, landingPage(edition, papers, topics), "public, max-age=300");
  });
};
