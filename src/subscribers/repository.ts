import { type Expression, type Kysely, type RawBuilder, sql, type Transaction } from "kysely";
import type { Db } from "../platform/db/index.ts";
import type {
  Database,
  Frequency,
  Subscriber,
  SubscriberStatus,
  SuppressionReason,
} from "../platform/db/schema.ts";
import { DEFAULT_PREFERENCES, type PreferencesView } from "./preferences.ts";

/**
 * Every write to subscribers, preferences, subscriber_topics, suppressions and events (the
 * readers' history): subscribers/ owns these tables. Other folders call these functions or put
 * the exported fragments (isSuppressed, mayReceiveMail, insertEvents) in their own statements.
 */

/** At most one confirmation mail per address in this window. */
const CONFIRMATION_INTERVAL_MS = 5 * 60 * 1000;

export interface SubscriberChoices {
  topics: string[];
  timezone: string;
  frequency: Frequency;
}

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * "Is this address suppressed?", the one spelling of it, for a column (`sql.ref`) or a value
 * (`sql.val`): compared case-insensitively, as the unique index on lower(email) does.
 */
export function isSuppressed(email: Expression<string>): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from suppressions x where lower(x.email) = lower(${email}))`;
}

/**
 * The reader may be mailed a digest now: still active, address not suppressed. Delivery checks
 * it when it claims a delivery and again right before each message, so leaving, a bounce or a
 * complaint stops mail that is already planned or queued.
 */
export function mayReceiveMail(subscriberId: Expression<number>): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from subscribers r where r.id = ${subscriberId}
    and r.status = 'active' and not ${isSuppressed(sql.ref<string>("r.email"))})`;
}

export interface NewEvent {
  type: string;
  subscriberId: number | null;
  /** What happened, never an address or a token. */
  data?: Record<string, unknown>;
}

/**
 * The one way events are written: `insert into events` from `rows`, a query yielding
 * (subscriber_id, type, data). Alone through recordEvents, or as a CTE inside the statement
 * whose change the event tells of, so both commit together. Stamped with the app's clock.
 */
export function insertEvents(rows: RawBuilder<unknown>, now: Date): RawBuilder<unknown> {
  return sql`insert into events (subscriber_id, type, data, created_at)
    select e.subscriber_id, e.type, e.data::jsonb, ${now}::timestamptz
      from (${rows}) as e(subscriber_id, type, data)`;
}

export async function recordEvents(db: Executor, events: NewEvent[], now: Date): Promise<void> {
  if (events.length === 0) return;
  const rows = sql`select * from unnest(${events.map((e) => e.subscriberId)}::int[],
    ${events.map((e) => e.type)}::text[], ${events.map((e) => JSON.stringify(e.data ?? {}))}::text[])`;
  await insertEvents(rows, now).execute(db);
}

export function findSubscriber(db: Db, id: number): Promise<Subscriber | undefined> {
  return db.selectFrom("subscribers").selectAll().where("id", "=", id).executeTakeFirst();
}

/** A subscriber by address, ignoring case (as the unique index does). */
export function findSubscriberByEmail(db: Db, email: string) {
  return db
    .selectFrom("subscribers")
    .select(["id", "email", "token_version", "status"])
    .where(sql`lower(email)`, "=", email.trim().toLowerCase())
    .executeTakeFirst();
}

/** The subscriber and whether their address is suppressed, as a mail is about to go out. */
export function findMailRecipient(
  db: Db,
  id: number,
): Promise<(Subscriber & { suppressed: boolean }) | undefined> {
  return db
    .selectFrom("subscribers as s")
    .selectAll("s")
    .select(isSuppressed(sql.ref<string>("s.email")).as("suppressed"))
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
        and not ${isSuppressed(sql.val(email))}),
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
    logged as (${insertEvents(
      sql`select id, case when created then 'subscriber.created' else 'subscriber.choices_replaced' end,
                 case when created then '{"source":"web"}'::jsonb else '{}'::jsonb end
            from upserted`,
      now,
    )})
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

/**
 * pending/unsubscribed → active; undefined when it was not in such a state or the address is
 * suppressed (a complaint after the confirmation mail went out outranks its link).
 */
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
    .where((eb) => eb.not(isSuppressed(sql.ref<string>("subscribers.email"))))
    .returningAll()
    .executeTakeFirst();
}

export interface ConfirmationBudget {
  /** What is counted, e.g. "mailbox:<hash>"; stored as given (hash addresses first). */
  key: string;
  /** Confirmation mails allowed per window. */
  max: number;
  windowMs: number;
}

/**
 * Count one confirmation mail against a budget, if it has room: one atomic upsert (concurrent
 * callers serialise on the row), a fixed window that restarts once it has passed. True when
 * counted; a refused call counts nothing.
 */
export async function takeConfirmationBudget(
  db: Db,
  budget: ConfirmationBudget,
  now: Date,
): Promise<boolean> {
  const cutoff = new Date(now.getTime() - budget.windowMs);
  const { rows } = await sql<{ key: string }>`
    insert into confirmation_limits as l (key, window_started_at, sent)
    values (${budget.key}, ${now}, 1)
    on conflict (key) do update set
      window_started_at = case when l.window_started_at <= ${cutoff} then ${now}
                               else l.window_started_at end,
      sent = case when l.window_started_at <= ${cutoff} then 1 else l.sent + 1 end
    where l.window_started_at <= ${cutoff} or l.sent < ${budget.max}
    returning key`.execute(db);
  return rows.length > 0;
}

/**
 * Unsubscribe at once and log the event, in one statement (one commit). From this commit on,
 * delivery refuses the reader's planned digests (mayReceiveMail), and every link issued before
 * is revoked (token_version + 1): an old or forwarded link cannot bring the reader back, only a
 * fresh opt-in can (one-click unsubscribe still takes old links, see subscriberForToken).
 * Idempotent: false when the reader had already left.
 */
export async function unsubscribeSubscriber(
  db: Db,
  subscriberId: number,
  now: Date,
  /** How the reader left ("one-click", "page"), for the event. */
  via?: string,
): Promise<boolean> {
  const { rows } = await sql<{ changed: boolean }>`
    with changed as (
      update subscribers set status = 'unsubscribed', unsubscribed_at = ${now}, updated_at = ${now},
             token_version = token_version + 1
       where id = ${subscriberId} and status in ('pending', 'active')
      returning id),
    logged as (${insertEvents(
      sql`select id, 'subscriber.unsubscribed', jsonb_strip_nulls(jsonb_build_object('via', ${via ?? null}::text))
            from changed`,
      now,
    )})
    select exists (select 1 from changed) as changed
  `.execute(db);
  return rows[0]!.changed;
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
    .where((eb) => eb.not(isSuppressed(sql.ref<string>("subscribers.email"))))
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Invalidate every link issued so far (manage, unsubscribe, confirm) and log why, in one
 * statement; the reader's row with its new token_version.
 */
export async function revokeLinks(
  db: Db,
  subscriberId: number,
  now: Date,
  /** Why, for the event ("unsubscribed", "reader"). */
  reason = "reader",
): Promise<Subscriber | undefined> {
  const { rows } = await sql<Subscriber>`
    with revoked as (
      update subscribers set token_version = token_version + 1, updated_at = ${now}
       where id = ${subscriberId}
      returning *),
    logged as (${insertEvents(
      sql`select id, 'subscriber.links_revoked', jsonb_build_object('reason', ${reason}::text)
            from revoked`,
      now,
    )})
    select * from revoked`.execute(db);
  return rows[0];
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
  const d = DEFAULT_PREFERENCES; // a reader without a preferences row has the defaults
  return {
    topics: row.topics,
    keywords: row.keywords ?? d.keywords,
    authors: row.authors ?? d.authors,
    frequency: row.frequency ?? d.frequency,
    weekly_day: row.weekly_day ?? d.weekly_day,
    send_hour: row.send_hour ?? d.send_hour,
    timezone: row.timezone,
    max_papers: row.max_papers ?? d.max_papers,
    min_upvotes: row.min_upvotes ?? d.min_upvotes,
    skip_empty: row.skip_empty ?? d.skip_empty,
    paused_until: row.paused_until ?? d.paused_until,
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
 * never brings back someone who left, and delivery refuses whom it marks as left. Topics, time
 * zone and frequency are replaced.
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
    await insertEvents(
      sql`select id, 'subscriber.imported', jsonb_build_object('created', inserted, 'status', status)
            from unnest(${upserted.rows.map((r) => r.id)}::int[], ${upserted.rows.map((r) => r.inserted)}::bool[],
                        ${upserted.rows.map((r) => r.status)}::text[]) as t(id, inserted, status)`,
      now,
    ).execute(tx);
    const imported = upserted.rows.filter((r) => r.inserted).length;
    return { imported, updated: upserted.rows.length - imported };
  });
}

/** Lower-cased addresses among `emails` that are suppressed. */
export async function suppressedAmong(db: Db, emails: string[]): Promise<Set<string>> {
  if (emails.length === 0) return new Set();
  const { rows } = await sql<{ email: string }>`
    select e.email from unnest(${emails}::text[]) as e(email)
     where ${isSuppressed(sql.ref<string>("e.email"))}`.execute(db);
  return new Set(rows.map((r) => r.email.toLowerCase()));
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
      sql<string>`coalesce(p.frequency, ${DEFAULT_PREFERENCES.frequency})`.as("frequency"),
      "s.status",
      "s.created_at",
      "s.confirmed_at",
    ])
    .orderBy("s.id")
    .stream(1000);
}

export interface ReaderContext {
  id: number;
  email: string;
  token_version: number;
  frequency: Frequency;
  max_papers: number;
  min_upvotes: number;
  skip_empty: boolean;
  keywords: string[];
  authors: string[];
  topics: string[];
}

/** Address, link version, preferences and topics of a batch of readers, in one query. */
export async function readerContexts(db: Db, subscriberIds: number[]): Promise<ReaderContext[]> {
  if (subscriberIds.length === 0) return [];
  const { rows } = await sql<ReaderContext>`
    select s.id, s.email, s.token_version, p.frequency, p.max_papers, p.min_upvotes,
           p.skip_empty, p.keywords, p.authors,
           coalesce((select array_agg(t.topic_slug order by t.topic_slug)
                     from subscriber_topics t where t.subscriber_id = s.id), '{}') as topics
    from subscribers s join preferences p on p.subscriber_id = s.id
    where s.id = any(${subscriberIds}::int[])`.execute(db);
  return rows;
}

const STATUS_FOR_REASON: Record<SuppressionReason, SubscriberStatus> = {
  hard_bounce: "bounced",
  complaint: "complained",
  manual: "unsubscribed",
};

/**
 * Never mail this address again: add it to suppressions and mark its reader bounced or
 * complained, with an event, in one transaction. Digests already planned for them are refused
 * by delivery from this commit on (mayReceiveMail). Returns the reader's id, if any.
 */
export function suppressAddress(
  db: Db,
  email: string,
  reason: SuppressionReason,
  detail: string | null,
  now: Date,
): Promise<number | null> {
  return db.transaction().execute(async (tx) => {
    await tx
      .insertInto("suppressions")
      .values({ email: email.toLowerCase(), reason, detail, created_at: now })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const reader = await tx
      .selectFrom("subscribers")
      .select(["id", "status"])
      .where(sql`lower(email)`, "=", email.toLowerCase())
      .executeTakeFirst();
    if (!reader) return null;
    if (reader.status === "active" || reader.status === "pending") {
      await tx
        .updateTable("subscribers")
        .set({ status: STATUS_FOR_REASON[reason], updated_at: now })
        .where("id", "=", reader.id)
        .execute();
    }
    await recordEvents(
      tx,
      [{ type: "subscriber.suppressed", subscriberId: reader.id, data: { reason } }],
      now,
    );
    return reader.id;
  });
}
