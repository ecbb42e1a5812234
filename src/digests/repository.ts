import { type RawBuilder, sql } from "kysely";
import type { Db } from "../platform/db/index.ts";

/** SQL on sent_papers, what each reader has been sent: digests/ owns that table. */

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
    select r.i::int as i, sp.paper_id
    from unnest(${requests.map((r) => r.subscriberId)}::int[],
                ${requests.map((r) => r.editionDate)}::date[])
         with ordinality as r(subscriber_id, edition_date, i)
    join sent_papers sp on sp.subscriber_id = r.subscriber_id
    join deliveries d on d.id = sp.delivery_id
    where sp.paper_id = any(${paperIds}::text[]) and d.edition_date <> r.edition_date`.execute(db);
  for (const r of rows) sent[r.i - 1]!.add(r.paper_id);
  return sent;
}

/**
 * Record the papers mails carried, as a CTE of delivery's "sent" statement (one commit):
 * `rows` yields (subscriber_id, paper_id, delivery_id). A paper keeps its first record.
 */
export function insertSentPapers(rows: RawBuilder<unknown>, now: Date): RawBuilder<unknown> {
  return sql`insert into sent_papers (subscriber_id, paper_id, delivery_id, sent_at)
    select r.subscriber_id, r.paper_id, r.delivery_id, ${now}::timestamptz
      from (${rows}) as r(subscriber_id, paper_id, delivery_id)
    on conflict do nothing`;
}
