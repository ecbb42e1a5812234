import type { Selectable } from "kysely";
import type { Db } from "../platform/db/index.ts";
import type { EditionsTable } from "../platform/db/schema.ts";

/** SQL the digests capability needs beyond paper reads: editions, and what a reader was sent. */

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

/** The editions just before and after `date`, for archive navigation. */
export async function neighbourEditions(
  db: Db,
  date: string,
): Promise<{ previous: string | null; next: string | null }> {
  const [previous, next] = await Promise.all([
    db
      .selectFrom("editions")
      .select("edition_date")
      .where("edition_date", "<", date)
      .where("paper_count", ">", 0)
      .orderBy("edition_date", "desc")
      .executeTakeFirst(),
    db
      .selectFrom("editions")
      .select("edition_date")
      .where("edition_date", ">", date)
      .where("paper_count", ">", 0)
      .orderBy("edition_date", "asc")
      .executeTakeFirst(),
  ]);
  return { previous: previous?.edition_date ?? null, next: next?.edition_date ?? null };
}

/** Papers mailed to a reader before `editionDate`'s delivery (that one is what we preview). */
export async function paperIdsSentBefore(
  db: Db,
  subscriberId: number,
  editionDate: string,
): Promise<Set<string>> {
  const rows = await db
    .selectFrom("sent_papers as sp")
    .innerJoin("deliveries as d", "d.id", "sp.delivery_id")
    .select("sp.paper_id")
    .where("sp.subscriber_id", "=", subscriberId)
    .where("d.edition_date", "<>", editionDate)
    .execute();
  return new Set(rows.map((r) => r.paper_id));
}
