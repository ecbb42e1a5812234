import { type Kysely, sql } from "kysely";

/**
 * Confirmation-mail budgets beyond the exact address (list bombing): one counter per key and
 * fixed window, e.g. a mailbox (plus-tags and gmail dots folded) or a recipient domain. Keys are
 * SHA-256 hashes, so no address is stored here. Written by subscribers/repository.ts only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table confirmation_limits (
      key text primary key,
      window_started_at timestamptz not null,
      sent int not null
    );
    create index confirmation_limits_window on confirmation_limits (window_started_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table confirmation_limits`.execute(db);
}
