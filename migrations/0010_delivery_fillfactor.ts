import { type Kysely, sql } from "kysely";

/**
 * Room for HOT updates of `deliveries` (issue 15). A digest updates its row three times (claim,
 * hand-off check, sent mark); the hand-off check touches no indexed column, so it can be a HOT
 * update (no new entry in any of the four indexes) when the row's page has room for the new
 * version. At the default fillfactor (100) the planner's inserts fill every page; 70 leaves the
 * room. Applies to pages written from now on; existing ones keep their layout until rewritten.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table deliveries set (fillfactor = 70)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table deliveries reset (fillfactor)`.execute(db);
}
