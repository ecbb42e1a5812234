import {
  buildFeed,
  FEED_EDITIONS,
  type FeedEdition,
  jsonFeed,
  rssFeed,
} from "../../digests/feeds.ts";
import { findPapersListedBetween, listEditions } from "../../papers/repository.ts";
import type { Deps } from "../../platform/deps.ts";
import type { WebRoutes } from "../context.ts";

const FEED_CACHE = "public, max-age=900";

/** The archive as feeds: GET /feed.xml (RSS 2.0) and GET /feed.json (JSON Feed 1.1). */
export const feedRoutes: WebRoutes = async (app, { deps }) => {
  const feeds = [
    { url: "/feed.xml", type: "application/rss+xml", render: rssFeed },
    { url: "/feed.json", type: "application/feed+json", render: jsonFeed },
  ];
  for (const { url, type, render } of feeds) {
    app.get(url, async (_request, reply) => {
      const feed = buildFeed(deps.config.PUBLIC_URL, await feedEditions(deps));
      return reply
        .type(`${type}; charset=utf-8`)
        .header("cache-control", FEED_CACHE)
        .send(render(feed));
    });
  }
};

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
