import type { FastifyInstance, FastifyReply } from "fastify";
import {
  findEdition,
  findPapersListedBetween,
  listEditions,
  neighbourEditions,
  topicNames,
} from "../papers/repository.ts";
import { isIsoDate } from "../platform/clock.ts";
import type { Deps } from "../platform/deps.ts";
import { requireAdmin } from "../platform/http/admin-auth.ts";
import { type RoutePlugin, sendError } from "../platform/http/app.ts";
import { html, page } from "../platform/http/html.ts";
import { editionPage, editionsPage } from "./archive-pages.ts";
import { createDigestComposer } from "./compose.ts";
import { buildFeed, FEED_EDITIONS, type FeedEdition, jsonFeed, rssFeed } from "./feeds.ts";
import { previewDigest } from "./preview.ts";
import type { DigestComposer } from "./types.ts";

const ARCHIVE_LIMIT = 400;

/** Web archive, RSS / JSON feeds and the admin digest preview. */
export const digestRoutes: RoutePlugin = async (app: FastifyInstance, deps: Deps) => {
  // Compiled on first use, so the server starts without waiting for MJML or the database.
  let composer: Promise<DigestComposer> | undefined;
  const getComposer = () => {
    composer ??= createDigestComposer(deps).catch((err) => {
      composer = undefined;
      throw err;
    });
    return composer;
  };

  app.get("/digests", async (_request, reply) => {
    const editions = await listEditions(deps.db, ARCHIVE_LIMIT);
    return reply
      .type("text/html; charset=utf-8")
      .header("cache-control", "public, max-age=300")
      .send(editionsPage(editions));
  });

  app.get<{ Params: { date: string } }>("/digests/:date", async (request, reply) => {
    const { date } = request.params;
    if (!isIsoDate(date)) {
      return badRequest(
        request.headers.accept,
        request.url,
        reply,
        "That is not a date (use YYYY-MM-DD).",
      );
    }
    const [edition, papers, nav, names] = await Promise.all([
      findEdition(deps.db, date),
      findPapersListedBetween(deps.db, date, date),
      neighbourEditions(deps.db, date),
      topicNames(deps.db),
    ]);
    if (!edition && papers.length === 0) {
      return sendError(request.headers.accept, request.url, reply, 404, `No edition for ${date}.`);
    }
    return reply
      .type("text/html; charset=utf-8")
      .header("cache-control", "public, max-age=300")
      .send(editionPage(date, papers, names, nav));
  });

  app.get("/feed.xml", async (_request, reply) => {
    const feed = buildFeed(deps.config.PUBLIC_URL, await feedEditions(deps));
    return reply
      .type("application/rss+xml; charset=utf-8")
      .header("cache-control", "public, max-age=900")
      .send(rssFeed(feed));
  });

  app.get("/feed.json", async (_request, reply) => {
    const feed = buildFeed(deps.config.PUBLIC_URL, await feedEditions(deps));
    return reply
      .type("application/feed+json; charset=utf-8")
      .header("cache-control", "public, max-age=900")
      .send(jsonFeed(feed));
  });

  app.get<{ Querystring: { email?: string; date?: string } }>(
    "/admin/preview",
    { preHandler: requireAdmin(deps.config.ADMIN_TOKEN) },
    async (request, reply) => {
      const { email, date } = request.query;
      if (typeof email !== "string" || email.trim() === "") {
        return badRequest(request.headers.accept, request.url, reply, "Give ?email=ADDRESS.");
      }
      const result = await previewDigest(deps, await getComposer(), email, date || undefined);
      if (!result.ok) {
        const status = result.error.startsWith("no subscriber") ? 404 : 400;
        return sendError(
          request.headers.accept,
          request.url,
          reply,
          status,
          `Preview: ${result.error}.`,
        );
      }
      reply.header("cache-control", "no-store").type("text/html; charset=utf-8");
      if (!result.digest) {
        return reply.send(
          page({
            title: "Preview",
            noindex: true,
            body: html`<h1>No digest for ${result.editionDate}</h1><p>Nothing matched and this reader skips empty days.</p>`,
          }),
        );
      }
      // The mail's own inline styles need to apply; scripts stay forbidden.
      return reply
        .header(
          "content-security-policy",
          "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'",
        )
        .send(result.digest.html);
    },
  );
};

function badRequest(accept: string | undefined, url: string, reply: FastifyReply, message: string) {
  return sendError(accept, url, reply, 400, message);
}

/** The newest editions with their papers, read in one range query. */
async function feedEditions(deps: Pick<Deps, "db">): Promise<FeedEdition[]> {
  const editions = await listEditions(deps.db, FEED_EDITIONS);
  if (editions.length === 0) return [];
  const papers = await findPapersListedBetween(
    deps.db,
    editions.at(-1)!.edition_date,
    editions[0]!.edition_date,
  );
  return editions.map((e) => ({
    date: e.edition_date,
    publishedAt: e.first_ingested_at,
    updatedAt: e.last_ingested_at,
    papers: papers.filter((p) => p.listed_on === e.edition_date),
  }));
}
