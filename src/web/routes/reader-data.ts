import type { FastifyReply, FastifyRequest } from "fastify";
import {
  buildFeed,
  FEED_EDITIONS,
  type FeedEdition,
  jsonFeed,
  rssFeed,
} from "../../digests/feeds.ts";
import { readerDigestPapers } from "../../digests/repository.ts";
import type { Deps } from "../../platform/deps.ts";
import { subscriberForToken } from "../../subscribers/service.ts";
import type { WebRoutes } from "../context.ts";
import { asForm, formText } from "../forms.ts";
import { erasedPage } from "../pages/your-data.ts";
import { collectReaderData, eraseReader } from "../reader-data.ts";
import { FORM_TYPE, requireType, sendPage } from "../replies.ts";
import { BAD_LINK, linksOf, readerOf, resolveToken } from "../token.ts";

/**
 * A reader's own data, from their preferences page: GET /api/me/:token downloads it as JSON,
 * POST /erase/:token erases it, and GET /feed/:token.xml|.json is their private feed (its own
 * read-only token, since feed readers store the address).
 */
export const readerDataRoutes: WebRoutes = async (app, { deps }) => {
  const manage = resolveToken(deps, "manage");

  app.get("/api/me/:token", { preValidation: manage }, async (request, reply) => {
    const data = await collectReaderData(deps, readerOf(request).id);
    if (!data) return reply.notFound(BAD_LINK);
    return reply
      .header("cache-control", "no-store")
      .header("content-disposition", 'attachment; filename="paperboy-data.json"')
      .send(data);
  });

  app.post(
    "/erase/:token",
    { preValidation: [manage, requireType(FORM_TYPE)] },
    async (request, reply) => {
      if (formText(asForm(request.body).confirm) !== "erase") {
        return reply.badRequest("Press the Erase button on your preferences page.");
      }
      const { id } = readerOf(request);
      await eraseReader(deps, id);
      request.log.info({ subscriberId: id }, "reader erased at their request");
      return sendPage(reply, 200, erasedPage());
    },
  );

  app.get("/feed/:file", async (request, reply) => privateFeed(deps, request, reply));
};

const FEED_TYPES = { xml: "application/rss+xml", json: "application/feed+json" } as const;

async function privateFeed(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const { file } = request.params as { file: string };
  const match = /^(.+)\.(xml|json)$/.exec(file);
  const reader = match ? await subscriberForToken(deps, match[1]!, "feed") : null;
  if (!match || !reader) return reply.notFound(BAD_LINK);
  const ext = match[2] as keyof typeof FEED_TYPES;
  const rows = await readerDigestPapers(deps.db, reader.id, FEED_EDITIONS);
  const editions = new Map<string, FeedEdition>();
  for (const row of rows) {
    const edition = editions.get(row.edition_date) ?? {
      date: row.edition_date,
      publishedAt: new Date(row.sent_at),
      updatedAt: new Date(row.sent_at),
      papers: [],
    };
    edition.papers.push(row.paper);
    editions.set(row.edition_date, edition);
  }
  const url = linksOf(deps, reader).feed;
  const feed = buildFeed(deps.config.PUBLIC_URL, [...editions.values()], {
    id: url,
    title: "Paperboy: your digests",
    description: "The papers of each digest you were sent.",
    feedLinks: { rss: `${url}.xml`, json: `${url}.json` },
    personal: true,
  });
  return reply
    .type(`${FEED_TYPES[ext]}; charset=utf-8`)
    .header("cache-control", "private, max-age=900")
    .header("x-robots-tag", "noindex")
    .send(ext === "xml" ? rssFeed(feed) : jsonFeed(feed));
}
