import { sql } from "kysely";
import type { SparseVector } from "../papers/logistic.ts";
import type { Db } from "../platform/db/index.ts";
import type { Paper } from "../platform/db/schema.ts";

/**
 * SQL on what each reader has been sent: the ids of a sent digest's papers are on its
 * `deliveries` row (`paper_ids`, written by delivery/'s sent mark); `sent_papers` is a
 * per-paper view of them. digests/ owns the reading of them (the already-sent rule).
 */

/** One reader and the edition they get (or would get, for a preview). */
export interface ReaderEdition {
  subscriberId: number;
  editionDate: string;
}

/**
 * The already-sent rule, the only spelling of it: a paper is old news to a reader once a digest
 * of another edition carried it (sent_papers holds each paper once per reader, with the
 * delivery that sent it). Only other editions count, so the preview of an edition already
 * mailed shows it as it went out, and a delivery resent after a crash composes the same mail.
 * For each request, in order: which of `paperIds` are old news.
 */
export async function alreadySentPapers(
  db: Db,
  requests: ReaderEdition[],
  paperIds: string[],
): Promise<Set<string>[]> {
  const sent = requests.map(() => new Set<string>());
  if (requests.length === 0 || paperIds.length === 0) return sent;
  const { rows } = await sql<{ i: number; paper_id: string }>`
    select r.i::int as i, p.paper_id
    from unnest(${requests.map((r) => r.subscriberId)}::int[],
                ${requests.map((r) => r.editionDate)}::date[])
         with ordinality as r(subscriber_id, edition_date, i)
    join deliveries d on d.subscriber_id = r.subscriber_id and d.edition_date <> r.edition_date
    cross join unnest(d.paper_ids) as p(paper_id)
    where d.paper_ids && ${paperIds}::text[] and p.paper_id = any(${paperIds}::text[])`.execute(db);
  for (const r of rows) sent[r.i - 1]!.add(r.paper_id);
  return sent;
}

/** The papers a reader was sent, for their data download and their private feed. */
export function sentPapersOf(db: Db, subscriberId: number) {
  return db
    .selectFrom("sent_papers")
    .select(["paper_id", "delivery_id", "sent_at"])
    .where("subscriber_id", "=", subscriberId)
    .orderBy("sent_at")
    .execute();
}

/** Forget what a reader was sent (their erasure; the caller's transaction). */
export async function deleteSentPapersOf(db: Db, subscriberId: number): Promise<void> {
  await db
    .updateTable("deliveries")
    .set({ paper_ids: null })
    .where("subscriber_id", "=", subscriberId)
    .execute();
}

/**
 * The reader's own digests, newest first: each sent delivery of the last `limit` editions
 * with the papers it carried (their private feed). Reads deliveries and papers, writes nothing.
 */
export async function readerDigestPapers(db: Db, subscriberId: number, limit: number) {
  const { rows } = await sql<{
    edition_date: string;
    sent_at: Date;
    paper: Paper & { topics: [] };
  }>`
    with recent as (
      select d.id, d.edition_date, d.sent_at from deliveries d
       where d.subscriber_id = ${subscriberId} and d.status = 'sent'
       order by d.edition_date desc limit ${limit})
    select r.edition_date::text as edition_date, r.sent_at,
           to_jsonb(p) || '{"topics": []}'::jsonb as paper
      from recent r
      join sent_papers sp on sp.delivery_id = r.id
      join papers p on p.id = sp.paper_id
     order by r.edition_date desc, p.upvotes desc, p.id`.execute(db);
  return rows;
}

/** A paper a reader's model learns from, with their vote (0: sent and not voted on). */
export interface TrainingPaper {
  id: string;
  title: string;
  abstract: string;
  ai_keywords: string[];
  arxiv_categories: string[];
  authors: string[];
  topics: { slug: string; score: number }[];
  vote: 1 | -1 | 0;
  /** Its features as ingest stored them, and the fingerprint of their space (null: none). */
  vector?: SparseVector | null;
  vector_space?: string | null;
}

/** A paper's topics as EditionPaper has them, for a query over `papers p`. */
const TOPICS_OF_P = sql`coalesce(
  (select json_agg(json_build_object('slug', pt.topic_slug, 'score', pt.score))
     from paper_topics pt where pt.paper_id = p.id), '[]'::json)`;

/** How far back sent-but-not-voted papers count as weak negatives. */
const WEAK_NEGATIVE_DAYS = 14;
const WEAK_NEGATIVE_LIMIT = 200;

/**
 * What a reader's model is trained on, in one read: their votes (newest first), then papers
 * they were sent in the last two weeks and did not vote on (newest first).
 */
export async function trainingPapers(
  db: Db,
  subscriberId: number,
  now: Date,
): Promise<TrainingPaper[]> {
  const { rows } = await sql<TrainingPaper>`
    (select p.id, p.title, p.abstract, p.ai_keywords, p.arxiv_categories, p.authors,
            ${TOPICS_OF_P} as topics, v.vote::int as vote, pv.vector, pv.space as vector_space
       from votes v join papers p on p.id = v.paper_id
       left join paper_vectors pv on pv.paper_id = p.id
      where v.subscriber_id = ${subscriberId}
      order by v.updated_at desc, p.id)
    union all
    (select p.id, p.title, p.abstract, p.ai_keywords, p.arxiv_categories, p.authors,
            ${TOPICS_OF_P} as topics, 0 as vote, pv.vector, pv.space as vector_space
       from sent_papers s join papers p on p.id = s.paper_id
       left join paper_vectors pv on pv.paper_id = p.id
      where s.subscriber_id = ${subscriberId}
        and s.sent_at > ${now}::timestamptz - make_interval(days => ${WEAK_NEGATIVE_DAYS})
        and not exists (select 1 from votes v
                         where v.subscriber_id = s.subscriber_id and v.paper_id = s.paper_id)
      order by s.sent_at desc, p.id
      limit ${WEAK_NEGATIVE_LIMIT})`.execute(db);
  return rows;
}
