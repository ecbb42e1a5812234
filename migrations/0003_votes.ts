import { type Kysely, sql } from "kysely";

/**
 * Readers' feedback: one vote per (reader, paper), the latest wins (1 = more like this,
 * -1 = less like this), and each reader's model trained from their votes (weights keyed by
 * feature name, so a retrained topic vocabulary never misreads them). Both owned by subscribers/.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table votes (
      subscriber_id int not null references subscribers (id) on delete cascade,
      paper_id text not null references papers (id) on delete cascade,
      vote smallint not null check (vote in (-1, 1)),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (subscriber_id, paper_id)
    );

    create table reader_models (
      subscriber_id int primary key references subscribers (id) on delete cascade,
      model jsonb not null,
      votes int not null default 0,
      trained_at timestamptz not null default now()
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists reader_models, votes`.execute(db);
}
