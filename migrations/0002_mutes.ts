import { type Kysely, sql } from "kysely";

/**
 * Mutes: topics (slugs), keywords and author names a reader never wants to see. A paper
 * matching any of them is never sent (src/digests/select.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table preferences
      add column muted_topics text[] not null default '{}',
      add column muted_keywords text[] not null default '{}',
      add column muted_authors text[] not null default '{}';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table preferences
      drop column if exists muted_topics,
      drop column if exists muted_keywords,
      drop column if exists muted_authors;
  `.execute(db);
}
