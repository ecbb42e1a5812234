import { type Kysely, sql } from "kysely";

/**
 * Each paper's features in the topic model's space, computed once at ingest (with its topics)
 * instead of at every reader's retraining, where tokenising and stemming ~120 papers cost more
 * than the training itself. `space` is the space's fingerprint: a paper indexed under an older
 * topic model is recomputed where it is read, and `paperboy topics reclassify` rewrites them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table paper_vectors (
      paper_id text primary key references papers (id) on delete cascade,
      space text not null,
      vector jsonb not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table paper_vectors`.execute(db);
}
