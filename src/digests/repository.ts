import type { Db } from "../platform/db/index.ts";

/** SQL the digests capability owns: sent_papers, what each reader has been sent. */

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
