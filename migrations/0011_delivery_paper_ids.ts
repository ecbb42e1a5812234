import { type Kysely, sql } from "kysely";

/**
 * "Never repeat a paper" on the delivery row itself (issue 15): the ids of the papers a sent
 * digest carried go into `deliveries.paper_ids` by the same update that marks it sent, instead
 * of a `sent_paper_lists` row (migration 0007) with its two indexes and two foreign-key checks
 * (each a row lock on `deliveries` and `subscribers`) per mail. The already-sent rule finds a
 * reader's rows through the (subscriber_id, edition_date) key. `sent_papers` stays a per-paper
 * view; an insert into it (tests, manual fixes) appends to the delivery's list.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table deliveries add column paper_ids text[];
    update deliveries d set paper_ids = l.paper_ids
      from sent_paper_lists l where l.delivery_id = d.id;
    drop view sent_papers;
    drop function sent_papers_insert;
    drop table sent_paper_lists;
    create view sent_papers as
      select d.subscriber_id, p.paper_id, d.id as delivery_id,
             coalesce(d.sent_at, d.updated_at) as sent_at
        from deliveries d cross join unnest(d.paper_ids) as p(paper_id)
        where d.paper_ids is not null;
    create function sent_papers_insert() returns trigger language plpgsql as $$
    begin
      update deliveries set paper_ids = coalesce(paper_ids, '{}') || new.paper_id,
                            sent_at = coalesce(sent_at, new.sent_at, now())
        where id = new.delivery_id
          and not new.paper_id = any(coalesce(paper_ids, '{}'));
      if not found and not exists (select 1 from deliveries where id = new.delivery_id) then
        raise foreign_key_violation using message = 'sent_papers: no delivery ' || new.delivery_id;
      end if;
      return new;
    end $$;
    create trigger sent_papers_insert instead of insert on sent_papers
      for each row execute function sent_papers_insert();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop view sent_papers;
    drop function sent_papers_insert;
    create table sent_paper_lists (
      delivery_id int primary key references deliveries (id) on delete cascade,
      subscriber_id int not null references subscribers (id) on delete cascade,
      paper_ids text[] not null,
      sent_at timestamptz not null default now()
    );
    create index sent_paper_lists_subscriber on sent_paper_lists (subscriber_id);
    insert into sent_paper_lists (delivery_id, subscriber_id, paper_ids, sent_at)
      select id, subscriber_id, paper_ids, coalesce(sent_at, updated_at)
        from deliveries where paper_ids is not null;
    alter table deliveries drop column paper_ids;
    create view sent_papers as
      select l.subscriber_id, p.paper_id, l.delivery_id, l.sent_at
        from sent_paper_lists l cross join unnest(l.paper_ids) as p(paper_id);
    create function sent_papers_insert() returns trigger language plpgsql as $$
    begin
      insert into sent_paper_lists (delivery_id, subscriber_id, paper_ids, sent_at)
        values (new.delivery_id, new.subscriber_id, array[new.paper_id], coalesce(new.sent_at, now()))
        on conflict (delivery_id) do update
          set paper_ids = sent_paper_lists.paper_ids || excluded.paper_ids
          where not excluded.paper_ids[1] = any(sent_paper_lists.paper_ids);
      return new;
    end $$;
    create trigger sent_papers_insert instead of insert on sent_papers
      for each row execute function sent_papers_insert();
  `.execute(db);
}
