import { type Kysely, sql } from "kysely";

/** The organisation a Hugging Face paper is listed under ("Tencent"), shown on paper cards. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table papers add column organization text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table papers drop column organization`.execute(db);
}
