import { type Kysely, sql } from "kysely";

/**
 * Delivery liveness (docs/DELIVERY.md, "Crash safety"):
 * - every process that claims deliveries takes a number from `process_sessions` and holds the
 *   Postgres session advisory lock (PROCESS_LOCK_CLASS, number) while it lives; a claim records
 *   that number in `claimed_by`, so a claim whose lock nobody holds belongs to a dead process;
 * - `send_failures` counts real send failures (the backoff), apart from `attempts`, which counts
 *   claims (the fencing token): a crash reclaim is not a failure.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create sequence process_sessions as int cycle;
    alter table deliveries
      add column claimed_by int,
      add column send_failures int not null default 0;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table deliveries drop column if exists claimed_by, drop column if exists send_failures;
    drop sequence if exists process_sessions;
  `.execute(db);
}
