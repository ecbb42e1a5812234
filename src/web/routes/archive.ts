import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  findEdition,
  findPapersListedBetween,
  listEditions,
  neighbourEditions,
  topicNames,
} from "../../papers/repository.ts";
import { isIsoDate } from "../../platform/clock.ts";
import type { WebRoutes } from "../context.ts";
import { editionPage, editionsPage } from "../pages/archive.ts";
import { sendPage } from "../replies.ts";

const ARCHIVE_LIMIT = 400;
const PUBLIC_CACHE = "public, max-age=300";

const editionParams = z.object({
  date: z.string().refine(isIsoDate, "That is not a date (use YYYY-MM-DD)."),
});

/** The web archive: GET /digests (every edition) and GET /digests/:date (one edition). */
export const archiveRoutes: WebRoutes = async (app, { deps }) => {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get("/digests", async (_request, reply) => {
    const editions = await listEditions(deps.db, ARCHIVE_LIMIT);
    return sendPage(reply, 200, editionsPage(editions), PUBLIC_CACHE);
  });

  routes.get("/digests/:date", { schema: { params: editionParams } }, async (request, reply) => {
    const { date } = request.params;
    const [edition, papers, nav, names] = await Promise.all([
      findEdition(deps.db, date),
      findPapersListedBetween(deps.db, date, date),
      neighbourEditions(deps.db, date),
      topicNames(deps.db),
    ]);
    if (!edition && papers.length === 0) return reply.notFound(`No edition for ${date}.`);
    return sendPage(reply, 200, editionPage(date, papers, names, nav), PUBLIC_CACHE);
  });
};
