import { type Kysely, sql } from "kysely";

/**
 * The operator's round (issue 17). A reader's erasure (GDPR art. 17) removes their events too: the append-only log allows a
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
    -- Every field the sources give that a reader or operator would want (null when a source
    -- lacks it): Hugging Face's organization and submitter, arXiv's primary category, comment,
    -- journal reference and DOI.
    alter table papers
      add column organization text,
      add column submitted_by text,
      add column primary_category text,
      add column arxiv_comment text,
      add column journal_ref text,
      add column doi text;
    -- /metrics counts transactional mails from their events at every scrape.
    create index events_mail on events (type) where type like 'mail.%';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index if exists events_mail;
    alter table papers drop column organization, drop column submitted_by,
      drop column primary_category, drop column arxiv_comment, drop column journal_ref,
      drop column doi;
    create or replace function events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'events is append-only';
    end $$;
  `.execute(db);
}
