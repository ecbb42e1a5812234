import { sql } from "kysely";
import type { Db } from "../platform/db/index.ts";
import type { Paper } from "../platform/db/schema.ts";

/** A paper with the topics the classifier gave it (highest score first). */
export interface EditionPaper extends Paper {
  topics: { slug: string; score: number }[];
}

/** The newest date that has papers, or null when nothing was ingested yet. */
export async function latestEditionDate(db: Db): Promise<string | null> {
  const row = await db
    .selectFrom("papers")
    .select((eb) => eb.fn.max("listed_on").as("latest"))
    .executeTakeFirst();
  return (row?.latest as string | null | undefined) ?? null;
}

/**
 * Papers listed on dates in [from, to] (inclusive, UTC dates), in trending order:
 * upvotes, then GitHub stars, then id.
 */
export async function findPapersListedBetween(
  db: Db,
  from: string,
  to: string,
): Promise<EditionPaper[]> {
  const rows = await db
    .selectFrom("papers")
    .selectAll("papers")
    .select(
      sql<{ slug: string; score: number }[]>`coalesce(
        (select json_agg(json_build_object('slug', pt.topic_slug, 'score', pt.score)
                         order by pt.score desc, pt.topic_slug)
           from paper_topics pt where pt.paper_id = papers.id), '[]'::json)`.as("topics"),
    )
    .where("listed_on", ">=", from)
    .where("listed_on", "<=", to)
    .orderBy("upvotes", "desc")
    .orderBy(sql`github_stars desc nulls last`)
    .orderBy("id", "asc")
    .execute();
  return rows as EditionPaper[];
}
