import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  findEdition,
  findPapersListedBetween,
  listEditions,
  listTopics,
  neighbourEditions,
  topicNames,
} from "../../papers/repository.ts";
import { isIsoDate } from "../../platform/clock.ts";
import type { WebRoutes } from "../context.ts";
import { editionPage, editionsPage } from "../pages/archive.ts";
import { sendPage } from "../replies.ts";

const ARCHIVE_LIMIT = 400;
/** How many of the newest editions the index shows with their top papers. */
const TOP_PAPERS_EDITIONS = 30;

const archiveQuery = z.object({ topic: z.string().max(64).optional() });
const PUBLIC_CACHE = "public, max-age=300";

const editionParams = z.object({
  date: z.string().refine(isIsoDate, "That is not a date (use YYYY-MM-DD)."),
});

/** The web archive: GET /digests (every edition) and GET /digests/:date (one edition). */
export const archiveRoutes: WebRoutes = async (app, { deps }) => {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  // Every edition, the newest with their top papers; ?topic=slug keeps papers of one topic.
  routes.get("/digests", { schema: { querystring: archiveQuery } }, async (request, reply) => {
    const [editions, topics] = await Promise.all([
      listEditions(deps.db, ARCHIVE_LIMIT),
      listTopics(deps.db),
    ]);
    const recent = editions.slice(0, TOP_PAPERS_EDITIONS);
    const papers = recent.length
      ? await findPapersListedBetween(deps.db, recent.at(-1)!.edition_date, recent[0]!.edition_date)
      : [];
    const topic = topics.some((t) => t.slug === request.query.topic)
      ? request.query.topic
      : undefined;
    return sendPage(reply, 200, editionsPage(editions, papers, topics, topic), PUBLIC_CACHE);
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
