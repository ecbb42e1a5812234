import { type Kysely, sql } from "kysely";

/**
 * "Never repeat a paper" stored compactly (issue 15): one row per sent delivery with the ids of
 * the papers it carried, instead of one row (and one primary-key entry) per paper. That was
 * the largest write of a sent digest (~12 rows per message). `sent_papers` stays as a view of
 * the same rows for readers of the old shape (the data download, feeds, model training); an
 * insert into it (tests, manual fixes) appends to the delivery's list.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table sent_paper_lists (
      delivery_id int primary key references deliveries (id) on delete cascade,
      subscriber_id int not null references subscribers (id) on delete cascade,
      paper_ids text[] not null,
      sent_at timestamptz not null default now()
    );
    create index sent_paper_lists_subscriber on sent_paper_lists (subscriber_id);
    insert into sent_paper_lists (delivery_id, subscriber_id, paper_ids, sent_at)
      select delivery_id, min(subscriber_id), array_agg(paper_id order by paper_id), min(sent_at)
        from sent_papers group by delivery_id;
    drop table sent_papers;
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

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop view sent_papers;
    drop function sent_papers_insert;
    create table sent_papers (
      subscriber_id int not null references subscribers (id) on delete cascade,
      paper_id text not null references papers (id) on delete cascade,
      delivery_id int not null references deliveries (id) on delete cascade,
      sent_at timestamptz not null default now(),
      primary key (subscriber_id, paper_id)
    );
    insert into sent_papers (subscriber_id, paper_id, delivery_id, sent_at)
      select l.subscriber_id, p.paper_id, l.delivery_id, l.sent_at
        from sent_paper_lists l cross join unnest(l.paper_ids) as p(paper_id)
      on conflict do nothing;
    drop table sent_paper_lists;
  `.execute(db);
}
