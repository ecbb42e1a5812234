import { type Kysely, sql } from "kysely";

/**
 * Which confirmation claim's mail went out (`confirmation_sent_at` is the claim): the send
 * takes it with one UPDATE first, so two senders of the same claim (a queued job and the
 * server's own fallback after an add that timed out but reached Redis, or a job re-run after a
 * worker crash) mail the reader once. Nullable without a default: no table rewrite.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table subscribers add column confirmation_mailed_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table subscribers drop column confirmation_mailed_at`.execute(db);
}
