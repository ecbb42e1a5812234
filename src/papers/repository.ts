import { type Selectable, sql } from "kysely";
import type { Db } from "../platform/db/index.ts";
import type { EditionsTable, Paper, Topic } from "../platform/db/schema.ts";
import type { SparseVector } from "./logistic.ts";
import type { ClassifiablePaper, IncomingPaper } from "./paper.ts";
import { TOPICS } from "./taxonomy.ts";

/**
 * Every SQL statement on papers, paper_topics, paper_vectors, editions and topics: papers/ owns
 * these tables.
 */

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

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** Rows per INSERT: 23 parameters each stays far below Postgres' 65535 limit. */
const BATCH = 500;

/**
 * How a paper seen again is merged, so ingestion order doesn't matter and re-ingesting an older
 * file changes nothing: counts only grow (HF snapshots are taken as the day goes on), listed_on
 * stays the earliest listing date, and a source that lacks a field never erases it.
 */
const merged = {
  title: sql<string>`excluded.title`,
  abstract: sql<string>`case when excluded.abstract <> '' then excluded.abstract else papers.abstract end`,
  authors: sql<
    string[]
  >`case when cardinality(excluded.authors) > 0 then excluded.authors else papers.authors end`,
  listed_on: sql<string>`least(papers.listed_on, excluded.listed_on)`,
  published_at: sql<Date>`coalesce(papers.published_at, excluded.published_at)`,
  upvotes: sql<number>`greatest(papers.upvotes, excluded.upvotes)`,
  num_comments: sql<number>`greatest(papers.num_comments, excluded.num_comments)`,
  ai_summary: sql<string>`coalesce(excluded.ai_summary, papers.ai_summary)`,
  ai_keywords: sql<
    string[]
  >`case when cardinality(excluded.ai_keywords) > 0 then excluded.ai_keywords else papers.ai_keywords end`,
  arxiv_categories: sql<
    string[]
  >`case when cardinality(excluded.arxiv_categories) > 0 then excluded.arxiv_categories else papers.arxiv_categories end`,
  github_repo: sql<string>`coalesce(excluded.github_repo, papers.github_repo)`,
  github_stars: sql<number>`greatest(papers.github_stars, excluded.github_stars)`,
  project_page: sql<string>`coalesce(excluded.project_page, papers.project_page)`,
  thumbnail: sql<string>`coalesce(excluded.thumbnail, papers.thumbnail)`,
  organization: sql<string>`coalesce(excluded.organization, papers.organization)`,
  submitted_by: sql<string>`coalesce(excluded.submitted_by, papers.submitted_by)`,
  primary_category: sql<string>`coalesce(excluded.primary_category, papers.primary_category)`,
  arxiv_comment: sql<string>`coalesce(excluded.arxiv_comment, papers.arxiv_comment)`,
  journal_ref: sql<string>`coalesce(excluded.journal_ref, papers.journal_ref)`,
  doi: sql<string>`coalesce(excluded.doi, papers.doi)`,
};
const mergedColumns = Object.keys(merged) as (keyof typeof merged)[];

/**
 * Insert new papers and merge known ones (see `merged`); a row whose merge changes nothing is
 * left untouched and counted as unchanged. Ids must be unique within `papers`. Run it inside
 * the caller's transaction so a file lands whole or not at all.
 */
export async function upsertPapers(
  db: Db,
  papers: IncomingPaper[],
  now: Date,
): Promise<UpsertCounts> {
  const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
  for (let i = 0; i < papers.length; i += BATCH) {
    const batch = papers.slice(i, i + BATCH);
    const written = await db
      .insertInto("papers")
      .values(
        batch.map((p) => ({
          id: p.id,
          title: p.title,
          abstract: p.abstract,
          authors: p.authors,
          listed_on: p.listed_on,
          published_at: p.published_at,
          upvotes: p.upvotes,
          num_comments: p.num_comments,
          ai_summary: p.ai_summary,
          ai_keywords: p.ai_keywords,
          arxiv_categories: p.arxiv_categories,
          github_repo: p.github_repo,
          github_stars: p.github_stars,
          project_page: p.project_page,
          thumbnail: p.thumbnail,
          organization: p.organization ?? null,
          submitted_by: p.submitted_by ?? null,
          primary_category: p.primary_category ?? null,
          arxiv_comment: p.arxiv_comment ?? null,
          journal_ref: p.journal_ref ?? null,
          doi: p.doi ?? null,
          source: p.source,
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc
          .column("id")
          .doUpdateSet({ ...merged, updated_at: now })
          .where(
            sql<boolean>`(${sql.join(mergedColumns.map((c) => merged[c]))}) is distinct from (${sql.join(
              mergedColumns.map((c) => sql.ref(`papers.${c}`)),
            )})`,
          ),
      )
      // xmax is 0 only on a freshly inserted row version.
      .returning(sql<boolean>`xmax = 0`.as("inserted"))
      .execute();
    const inserted = written.filter((r) => r.inserted).length;
    counts.inserted += inserted;
    counts.updated += written.length - inserted;
    counts.unchanged += batch.length - written.length;
  }
  return counts;
}

/** The listing dates papers are stored under now (to refresh editions they may move away from). */
export async function listedOnOf(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("papers")
    .select("listed_on")
    .distinct()
    .where("id", "in", ids)
    .execute();
  return rows.map((r) => r.listed_on);
}

/** Replace the topics of each given paper with the classifier's answer. */
export async function replacePaperTopics(
  db: Db,
  entries: { paperId: string; topics: { slug: string; score: number }[] }[],
): Promise<void> {
  for (let i = 0; i < entries.length; i += BATCH) {
    const batch = entries.slice(i, i + BATCH);
    await db
      .deleteFrom("paper_topics")
      .where(
        "paper_id",
        "in",
        batch.map((e) => e.paperId),
      )
      .execute();
    const rows = batch.flatMap((e) =>
      e.topics.map((t) => ({ paper_id: e.paperId, topic_slug: t.slug, score: t.score })),
    );
    if (rows.length) await db.insertInto("paper_topics").values(rows).execute();
  }
}

/** Store each paper's features in the topic model's space (`space`: its fingerprint). */
export async function replacePaperVectors(
  db: Db,
  space: string,
  entries: { paperId: string; vector: SparseVector }[],
): Promise<void> {
  for (let i = 0; i < entries.length; i += BATCH) {
    const rows = entries
      .slice(i, i + BATCH)
      .map((e) => ({ id: e.paperId, v: { indices: e.vector.indices, values: e.vector.values } }));
    await sql`
      insert into paper_vectors (paper_id, space, vector)
      select x.id, ${space}, x.v from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(id text, v jsonb)
      on conflict (paper_id) do update set space = excluded.space, vector = excluded.vector`.execute(
      db,
    );
  }
}

/** Recount the papers of each date and record the ingestion time in `editions`. */
export async function refreshEditions(db: Db, dates: string[], now: Date): Promise<void> {
  const unique = [...new Set(dates)].sort();
  if (unique.length === 0) return;
  await sql`
    insert into editions (edition_date, paper_count, first_ingested_at, last_ingested_at)
    select d, (select count(*) from papers where listed_on = d), ${now}::timestamptz,
           ${now}::timestamptz
      from unnest(${unique}::date[]) as d
    on conflict (edition_date) do update
      set paper_count = excluded.paper_count, last_ingested_at = excluded.last_ingested_at
  `.execute(db);
}

/** What the classifier reads, for the given ids or for a page of all papers in id order. */
export async function papersForClassification(
  db: Db,
  which: { ids: string[] } | { afterId: string | null; limit: number },
): Promise<(ClassifiablePaper & { id: string })[]> {
  let query = db
    .selectFrom("papers")
    .select(["id", "title", "abstract", "ai_keywords", "arxiv_categories"])
    .orderBy("id");
  if ("ids" in which) {
    if (which.ids.length === 0) return [];
    query = query.where("id", "in", which.ids);
  } else {
    query = query.limit(which.limit);
    if (which.afterId !== null) query = query.where("id", ">", which.afterId);
  }
  return query.execute();
}

/** Make the topics table match TOPICS (insert, rename, reorder; never drop readers' choices). */
export async function syncTopics(db: Db): Promise<void> {
  await db
    .insertInto("topics")
    .values(TOPICS.map((t, position) => ({ ...t, position })))
    .onConflict((oc) =>
      oc.column("slug").doUpdateSet((eb) => ({
        name: eb.ref("excluded.name"),
        description: eb.ref("excluded.description"),
        position: eb.ref("excluded.position"),
      })),
    )
    .execute();
}

export function listTopics(db: Db): Promise<Topic[]> {
  return db.selectFrom("topics").selectAll().orderBy("position").orderBy("slug").execute();
}

/** The slugs in `slugs` that are not topics. */
export async function unknownTopics(db: Db, slugs: string[]): Promise<string[]> {
  if (slugs.length === 0) return [];
  const known = await db.selectFrom("topics").select("slug").where("slug", "in", slugs).execute();
  const set = new Set(known.map((t) => t.slug));
  return slugs.filter((s) => !set.has(s));
}

/**
 * Slug → display name of every topic: the taxonomy's, plus rows it no longer has (a topic
 * dropped from TOPICS stays in the table while readers still choose it).
 */
export async function topicNames(db: Db): Promise<Record<string, string>> {
  const rows = await db.selectFrom("topics").select(["slug", "name"]).execute();
  return Object.fromEntries([...TOPICS, ...rows].map((t) => [t.slug, t.name]));
}

export type Edition = Selectable<EditionsTable>;

/** Editions with at least one paper, newest first. */
export function listEditions(db: Db, limit: number): Promise<Edition[]> {
  return db
    .selectFrom("editions")
    .selectAll()
    .where("paper_count", ">", 0)
    .orderBy("edition_date", "desc")
    .limit(limit)
    .execute();
}

export function findEdition(db: Db, date: string): Promise<Edition | undefined> {
  return db.selectFrom("editions").selectAll().where("edition_date", "=", date).executeTakeFirst();
}

export async function editionExists(db: Db, date: string): Promise<boolean> {
  return (await findEdition(db, date)) !== undefined;
}

/** The newest ingested editions up to a date, newest first (what delivery may send). */
export async function recentEditions(db: Db, upTo: string, limit = 8): Promise<string[]> {
  const rows = await db
    .selectFrom("editions")
    .select("edition_date")
    .where("edition_date", "<=", upTo)
    .orderBy("edition_date", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => r.edition_date);
}

/** The editions with papers just before and after `date`, for archive navigation. */
export async function neighbourEditions(
  db: Db,
  date: string,
): Promise<{ previous: string | null; next: string | null }> {
  const nearest = (direction: "<" | ">") =>
    db
      .selectFrom("editions")
      .select("edition_date")
      .where("edition_date", direction, date)
      .where("paper_count", ">", 0)
      .orderBy("edition_date", direction === "<" ? "desc" : "asc")
      .executeTakeFirst();
  const [previous, next] = await Promise.all([nearest("<"), nearest(">")]);
  return { previous: previous?.edition_date ?? null, next: next?.edition_date ?? null };
}

/** Papers by source and the last ingestion time (metrics at scrape time). */
export async function paperCounts(db: Db) {
  const [bySource, last] = await Promise.all([
    db
      .selectFrom("papers")
      .select(["source", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("source")
      .execute(),
    db
      .selectFrom("editions")
      .select((eb) => eb.fn.max("last_ingested_at").as("at"))
      .executeTakeFirst(),
  ]);
  return {
    bySource: Object.fromEntries(bySource.map((r) => [r.source, Number(r.n)])),
    lastIngestedAt: last?.at ? new Date(last.at) : null,
  };
}

/** A paper's title (feedback pages), or undefined when it is unknown. */
export async function paperTitle(db: Db, id: string): Promise<string | undefined> {
  const row = await db.selectFrom("papers").select("title").where("id", "=", id).executeTakeFirst();
  return row?.title;
}
