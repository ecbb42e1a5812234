import { type Kysely, sql } from "kysely";

/**
 * A reader's erasure (GDPR art. 17) removes their events too: the append-only log allows a
 * DELETE only inside a transaction that set `paperboy.erasing` (subscribers/repository.ts
 * eraseSubscriber does). Updates stay forbidden.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function events_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and current_setting('paperboy.erasing', true) = 'on' then
        return null;
      end if;
      raise exception 'events is append-only';
    end $$;
    -- /metrics counts transactional mails from their events at every scrape.
    create index events_mail on events (type) where type like 'mail.%';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index if exists events_mail;
    create or replace function events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'events is append-only';
    end $$;
  `.execute(db);
}
