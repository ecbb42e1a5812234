import { type Kysely, sql, type Transaction } from "kysely";
import type { Db } from "../platform/db/index.ts";
import type { Database, Frequency, Subscriber, Topic } from "../platform/db/schema.ts";

/** All SQL about subscribers, their preferences and topics. */

/** At most one confirmation mail per address in this window. */
const CONFIRMATION_INTERVAL_MS = 5 * 60 * 1000;

export interface SubscriberChoices {
  topics: string[];
  timezone: string;
  frequency: Frequency;
}

/** A reader's settings as the preferences page and API show them. */
export interface PreferencesView {
  topics: string[];
  keywords: string[];
  authors: string[];
  frequency: Frequency;
  weekly_day: number;
  send_hour: number;
  timezone: string;
  max_papers: number;
  min_upvotes: number;
  skip_empty: boolean;
  paused_until: string | null;
}

type Executor = Kysely<Database> | Transaction<Database>;

export function listTopics(db: Db): Promise<Topic[]> {
  return db.selectFrom("topics").selectAll().orderBy("position").orderBy("slug").execute();
}

/** The slugs in `slugs` that are not topics. */
export async function unknownTopics(db: Db, slugs: string[]): Promise<string[]> {
  if (slugs.length === 0) return [];
  const known = await db.selectFrom("topics").select("slug").where("slug", "in", slugs).execute();
  const set = new Set(known.map((t) => t.slug));
  return slugs.filter((s) => !set.has(s));
}

export function findSubscriber(db: Db, id: number): Promise<Subscriber | undefined> {
  return db.selectFrom("subscribers").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The subscriber and whether their address is suppressed, as a mail is about to go out. */
/** A subscriber by address, ignoring case (as the unique index does). */
export function findSubscriberByEmail(db: Db, email: string) {
  return db
    .selectFrom("subscribers")
    .select(["id", "email", "token_version", "status"])
    .where(sql`lower(email)`, "=", email.trim().toLowerCase())
    .executeTakeFirst();
}

export function findMailRecipient(
  db: Db,
  id: number,
): Promise<(Subscriber & { suppressed: boolean }) | undefined> {
  return db
    .selectFrom("subscribers as s")
    .selectAll("s")
    .select(
      sql<boolean>`exists (select 1 from suppressions where lower(suppressions.email) = lower(s.email))`.as(
        "suppressed",
      ),
    )
    .where("s.id", "=", id)
    .executeTakeFirst();
}

async function replaceTopics(tx: Executor, subscriberId: number, topics: string[]): Promise<void> {
  await tx.deleteFrom("subscriber_topics").where("subscriber_id", "=", subscriberId).execute();
  if (topics.length === 0) return;
  await tx
    .insertInto("subscriber_topics")
    .values(topics.map((topic_slug) => ({ subscriber_id: subscriberId, topic_slug })))
    .execute();
}

export type SubscribeOutcome =
  | { kind: "unknown-topics"; topics: string[] }
  /** Suppressed, or already active/bounced/complained: nothing changed. */
  | { kind: "unchanged" }
  /** A new pending row; it holds the confirmation slot already. */
  | { kind: "created"; subscriberId: number }
  /** A pending or unsubscribed reader chose anew; the slot still has to be claimed. */
  | { kind: "choices-replaced"; subscriberId: number };

/**
 * Record a subscribe request in one statement (one round trip, one commit): refuse unknown
 * topics, skip suppressed addresses, create the pending row (with its confirmation slot taken,
 * preferences, topics and event) or replace a not-yet-active reader's choices (an active one's
 * settings stay). Concurrent calls for one address end with one row (unique lower(email)).
 */
export async function recordSubscribeRequest(
  db: Db,
  email: string,
  choices: SubscriberChoices,
  now: Date,
): Promise<SubscribeOutcome> {
  const { rows } = await sql<{ unknown: string[] | null; id: number | null; created: boolean }>`
    with wanted(slug) as (select unnest(${choices.topics}::text[])),
    unknown as (
      select w.slug from wanted w where not exists (select 1 from topics t where t.slug = w.slug)),
    allowed as (
      select 1 where not exists (select 1 from unknown)
        and not exists (select 1 from suppressions where lower(email) = lower(${email}))),
    upserted as (
      insert into subscribers (email, timezone, confirmation_sent_at, created_at, updated_at)
      select ${email}, ${choices.timezone}, ${now}, ${now}, ${now} from allowed
      on conflict (lower(email)) do update
        set timezone = excluded.timezone, updated_at = excluded.updated_at
        where subscribers.status in ('pending', 'unsubscribed')
      returning id, (xmax = 0) as created),
    prefs as (
      insert into preferences (subscriber_id, frequency, updated_at)
      select id, ${choices.frequency}, ${now} from upserted
      on conflict (subscriber_id) do update
        set frequency = excluded.frequency, updated_at = excluded.updated_at),
    dropped as (
      delete from subscriber_topics st using upserted u
       where st.subscriber_id = u.id and st.topic_slug <> all(${choices.topics}::text[])),
    added as (
      insert into subscriber_topics (subscriber_id, topic_slug)
      select u.id, w.slug from upserted u, wanted w on conflict do nothing),
    logged as (
      insert into events (type, subscriber_id, data)
      select case when created then 'subscriber.created' else 'subscriber.choices_replaced' end,
             id, case when created then '{"source":"web"}'::jsonb else '{}'::jsonb end
        from upserted)
    select (select array_agg(slug) from unknown) as unknown,
           (select id from upserted) as id, coalesce((select created from upserted), false) as created
  `.execute(db);
  const row = rows[0]!;
  if (row.unknown?.length) return { kind: "unknown-topics", topics: row.unknown };
  if (row.id === null) return { kind: "unchanged" };
  return { kind: row.created ? "created" : "choices-replaced", subscriberId: row.id };
}

/**
 * Take the right to send a confirmation mail now: one atomic UPDATE, so of concurrent
 * requests at most one wins, and none within CONFIRMATION_INTERVAL_MS of the last mail.
 */
export async function claimConfirmationSlot(
  db: Db,
  subscriberId: number,
  now: Date,
): Promise<boolean> {
  const cutoff = new Date(now.getTime() - CONFIRMATION_INTERVAL_MS);
  const row = await db
    .updateTable("subscribers")
    .set({ confirmation_sent_at: now })
    .where("id", "=", subscriberId)
    .where("status", "in", ["pending", "unsubscribed"])
    .where((eb) =>
      eb.or([eb("confirmation_sent_at", "is", null), eb("confirmation_sent_at", "<=", cutoff)]),
    )
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/** Give the slot back after a failed send, so the reader can retry at once. */
export async function releaseConfirmationSlot(
  db: Db,
  subscriberId: number,
  claimedAt: Date,
): Promise<void> {
  await db
    .updateTable("subscribers")
    .set({ confirmation_sent_at: null })
    .where("id", "=", subscriberId)
    .where("confirmation_sent_at", "=", claimedAt)
    .execute();
}

/** pending/unsubscribed → active; undefined when it was not in such a state. */
export function activateSubscriber(
  db: Db,
  subscriberId: number,
  now: Date,
): Promise<Subscriber | undefined> {
  return db
    .updateTable("subscribers")
    .set({ status: "active", confirmed_at: now, unsubscribed_at: null, updated_at: now })
    .where("id", "=", subscriberId)
    .where("status", "in", ["pending", "unsubscribed"])
    .returningAll()
    .executeTakeFirst();
}

/**
 * Unsubscribe at once, cancel every delivery not yet sent and log the event, in one statement
 * (one commit). Idempotent: `changed` is false when the reader had already left.
 */
export async function unsubscribeSubscriber(
  db: Db,
  subscriberId: number,
  now: Date,
  /** How the reader left ("one-click", "page"), for the event. */
  via?: string,
): Promise<{ changed: boolean; cancelledDeliveries: number }> {
  const { rows } = await sql<{ changed: boolean; cancelled: number }>`
    with changed as (
      update subscribers set status = 'unsubscribed', unsubscribed_at = ${now}, updated_at = ${now}
       where id = ${subscriberId} and status in ('pending', 'active')
      returning id),
    cancelled as (
      update deliveries set status = 'cancelled', updated_at = ${now}
       where subscriber_id = ${subscriberId} and status = 'pending'
      returning id),
    logged as (
      insert into events (type, subscriber_id, data)
      select 'subscriber.unsubscribed', id,
             jsonb_strip_nulls(jsonb_build_object('via', ${via ?? null}::text,
                                'cancelledDeliveries', (select count(*) from cancelled)))
        from changed)
    select exists (select 1 from changed) as changed, (select count(*) from cancelled)::int as cancelled
  `.execute(db);
  return { changed: rows[0]!.changed, cancelledDeliveries: rows[0]!.cancelled };
}

/** unsubscribed → active again (the reader confirmed before; their unsubscribe link proves it). */
export async function resubscribeSubscriber(
  db: Db,
  subscriberId: number,
  now: Date,
): Promise<boolean> {
  const row = await db
    .updateTable("subscribers")
    .set({ status: "active", unsubscribed_at: null, updated_at: now })
    .where("id", "=", subscriberId)
    .where("status", "=", "unsubscribed")
    .where("confirmed_at", "is not", null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("suppressions")
            .select("suppressions.email")
            .where(sql`lower(suppressions.email)`, "=", sql`lower(subscribers.email)`),
        ),
      ),
    )
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/** Invalidate every link issued so far (manage, unsubscribe, confirm). */
export async function revokeLinks(db: Db, subscriberId: number): Promise<void> {
  await db
    .updateTable("subscribers")
    .set((eb) => ({ token_version: eb("token_version", "+", 1) }))
    .where("id", "=", subscriberId)
    .execute();
}

export async function getPreferences(
  db: Db,
  subscriberId: number,
): Promise<PreferencesView | undefined> {
  const row = await db
    .selectFrom("subscribers as s")
    .leftJoin("preferences as p", "p.subscriber_id", "s.id")
    .select([
      "s.timezone",
      "p.frequency",
      "p.weekly_day",
      "p.send_hour",
      "p.max_papers",
      "p.min_upvotes",
      "p.skip_empty",
      "p.paused_until",
      "p.keywords",
      "p.authors",
    ])
    .select(
      sql<string[]>`array(select st.topic_slug from subscriber_topics st
        join topics t on t.slug = st.topic_slug
        where st.subscriber_id = s.id order by t.position, t.slug)`.as("topics"),
    )
    .where("s.id", "=", subscriberId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    topics: row.topics,
    keywords: row.keywords ?? [],
    authors: row.authors ?? [],
    frequency: row.frequency ?? "daily",
    weekly_day: row.weekly_day ?? 1,
    send_hour: row.send_hour ?? 8,
    timezone: row.timezone,
    max_papers: row.max_papers ?? 10,
    min_upvotes: row.min_upvotes ?? 0,
    skip_empty: row.skip_empty ?? true,
    paused_until: row.paused_until ?? null,
  };
}

export async function savePreferences(
  db: Db,
  subscriberId: number,
  prefs: PreferencesView,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const { topics, timezone, ...rest } = prefs;
    await tx
      .updateTable("subscribers")
      .set({ timezone, updated_at: now })
      .where("id", "=", subscriberId)
      .execute();
    await tx
      .insertInto("preferences")
      .values({ subscriber_id: subscriberId, ...rest, updated_at: now })
      .onConflict((oc) => oc.column("subscriber_id").doUpdateSet({ ...rest, updated_at: now }))
      .execute();
    await replaceTopics(tx, subscriberId, topics);
  });
}

/** One validated CSV row, ready to store. */
export interface ImportRow {
  email: string;
  topics: string[];
  timezone: string;
  frequency: Frequency;
  status: "pending" | "active" | "unsubscribed" | "bounced" | "complained";
}

/**
 * Upsert a batch of imported rows in one transaction, a handful of set-based statements
 * whatever the batch size. New rows take the row's status; existing ones keep theirs except
 * pending → active (--confirmed) and any → left (unsubscribed/bounced/complained): an import
 * never brings back someone who left. Topics, time zone and frequency are replaced.
 */
export function upsertImportBatch(
  db: Db,
  rows: ImportRow[],
  now: Date,
): Promise<{ imported: number; updated: number }> {
  return db.transaction().execute(async (tx) => {
    const left = ["unsubscribed", "bounced", "complained"];
    const upserted = await sql<{ id: number; key: string; inserted: boolean; status: string }>`
      insert into subscribers (email, status, timezone, source, confirmed_at, unsubscribed_at, created_at, updated_at)
      select t.email, t.status, t.timezone, 'import',
             case when t.status = 'active' then ${now}::timestamptz end,
             case when t.status = any(${left}) then ${now}::timestamptz end,
             ${now}, ${now}
        from unnest(${rows.map((r) => r.email)}::text[], ${rows.map((r) => r.status)}::text[],
                    ${rows.map((r) => r.timezone)}::text[]) as t(email, status, timezone)
      on conflict (lower(email)) do update set
        timezone = excluded.timezone,
        status = case
          when excluded.status = any(${left}) then excluded.status
          when subscribers.status = 'pending' and excluded.status = 'active' then 'active'
          else subscribers.status end,
        confirmed_at = case
          when subscribers.status = 'pending' and excluded.status = 'active' then excluded.confirmed_at
          else subscribers.confirmed_at end,
        unsubscribed_at = case
          when excluded.status = any(${left}) then coalesce(subscribers.unsubscribed_at, excluded.unsubscribed_at)
          else subscribers.unsubscribed_at end,
        updated_at = excluded.updated_at
      returning id, lower(email) as key, (xmax = 0) as inserted, status`.execute(tx);
    const byKey = new Map(upserted.rows.map((r) => [r.key, r]));
    const ids = rows.map((r) => byKey.get(r.email.toLowerCase())!.id);
    await sql`
      insert into preferences (subscriber_id, frequency, updated_at)
      select * from unnest(${ids}::int[], ${rows.map((r) => r.frequency)}::text[],
                           array_fill(${now}::timestamptz, array[${ids.length}::int]))
      on conflict (subscriber_id) do update set
        frequency = excluded.frequency, updated_at = excluded.updated_at`.execute(tx);
    // Topics change by difference, so re-importing an unchanged list writes nothing.
    await sql`
      delete from subscriber_topics st
       using unnest(${ids}::int[], ${rows.map((r) => r.topics.join(";"))}::text[]) as t(id, topics)
       where st.subscriber_id = t.id
         and st.topic_slug <> all(string_to_array(t.topics, ';'))`.execute(tx);
    const pairs = rows.flatMap((r, i) => r.topics.map((t) => [ids[i]!, t] as const));
    if (pairs.length) {
      await sql`
        insert into subscriber_topics (subscriber_id, topic_slug)
        select * from unnest(${pairs.map((p) => p[0])}::int[], ${pairs.map((p) => p[1])}::text[])
        on conflict do nothing`.execute(tx);
    }
    const gone = upserted.rows.filter((r) => left.includes(r.status)).map((r) => r.id);
    if (gone.length) {
      await tx
        .updateTable("deliveries")
        .set({ status: "cancelled", updated_at: now })
        .where("subscriber_id", "in", gone)
        .where("status", "=", "pending")
        .execute();
    }
    await sql`
      insert into events (subscriber_id, type, data)
      select id, 'subscriber.imported', jsonb_build_object('created', inserted, 'status', status)
        from unnest(${upserted.rows.map((r) => r.id)}::int[], ${upserted.rows.map((r) => r.inserted)}::bool[],
                    ${upserted.rows.map((r) => r.status)}::text[]) as t(id, inserted, status)`.execute(
      tx,
    );
    const imported = upserted.rows.filter((r) => r.inserted).length;
    return { imported, updated: upserted.rows.length - imported };
  });
}

/** Lower-cased addresses among `emails` that are suppressed. */
export async function suppressedAmong(db: Db, emails: string[]): Promise<Set<string>> {
  if (emails.length === 0) return new Set();
  const rows = await sql<{ key: string }>`
    select lower(email) as key from suppressions
     where lower(email) = any(${emails.map((e) => e.toLowerCase())}::text[])`.execute(db);
  return new Set(rows.rows.map((r) => r.key));
}

/** Every subscriber for export, oldest first, read through a cursor (constant memory). */
export function streamSubscribersForExport(db: Db) {
  return db
    .selectFrom("subscribers as s")
    .leftJoin("preferences as p", "p.subscriber_id", "s.id")
    .select([
      "s.email",
      sql<string>`coalesce((select string_agg(st.topic_slug, ';' order by st.topic_slug)
        from subscriber_topics st where st.subscriber_id = s.id), '')`.as("topics"),
      "s.timezone",
      sql<string>`coalesce(p.frequency, 'daily')`.as("frequency"),
      "s.status",
      "s.created_at",
      "s.confirmed_at",
    ])
    .orderBy("s.id")
    .stream(1000);
}
