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
import type { MuteKind } from "./tokens.ts";

/**
 * Every write to subscribers, preferences, subscriber_topics, suppressions, events (the
 * readers' history), votes and reader_models: subscribers/ owns these tables. Other folders call these functions or put
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
  // An erased reader's entry holds the address's hash (see eraseSubscriber); both use the index.
  return sql<boolean>`exists (select 1 from suppressions x
    where lower(x.email) in (lower(${email}), ${hashedAddress(email)}))`;
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

/**
 * "Email me my links": record the request unless this reader made one in the last `withinMs`
 * (one statement, so a burst of posts claims once). True when recorded: the caller may send.
 */
export async function claimLinksResend(
  db: Db,
  subscriberId: number,
  now: Date,
  withinMs: number,
): Promise<boolean> {
  const since = new Date(now.getTime() - withinMs);
  const result = await sql`
    insert into events (subscriber_id, type, created_at)
    select ${subscriberId}, 'links.requested', ${now}
    where not exists (
      select 1 from events
      where subscriber_id = ${subscriberId} and type = 'links.requested' and created_at > ${since}
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
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
export function releaseConfirmationSlot(
  db: Db,
  subscriberId: number,
  claimedAt: Date,
): Promise<void> {
  return clearClaim(db, subscriberId, "confirmation_sent_at", claimedAt);
}

/** Set a claim's column back to null, unless a newer claim has replaced it meanwhile. */
async function clearClaim(
  db: Db,
  subscriberId: number,
  column: "confirmation_sent_at" | "confirmation_mailed_at",
  claimedAt: Date,
): Promise<void> {
  await db
    .updateTable("subscribers")
    .set({ [column]: null })
    .where("id", "=", subscriberId)
    .where(column, "=", claimedAt)
    .execute();
}

/**
 * Take the right to mail this confirmation claim: true for exactly one caller per claim while
 * it is still the reader's current one (then send; on failure, unmarkConfirmationMailed).
 */
export async function markConfirmationMailed(
  db: Db,
  subscriberId: number,
  claimedAt: Date,
): Promise<boolean> {
  const row = await db
    .updateTable("subscribers")
    .set({ confirmation_mailed_at: claimedAt })
    .where("id", "=", subscriberId)
    .where("confirmation_sent_at", "=", claimedAt)
    .where((eb) =>
      eb.or([
        eb("confirmation_mailed_at", "is", null),
        eb("confirmation_mailed_at", "!=", claimedAt),
      ]),
    )
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/** The relay did not take the mail: let a retry of the same claim send it. */
export function unmarkConfirmationMailed(
  db: Db,
  subscriberId: number,
  claimedAt: Date,
): Promise<void> {
  return clearClaim(db, subscriberId, "confirmation_mailed_at", claimedAt);
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
  db: Executor,
  subscriberId: number,
): Promise<PreferencesView | undefined> {
  return (await readPreferences(db, [subscriberId])).get(subscriberId);
}

/** Several readers' preferences in one query (defaults for a reader without a row). */
export async function readPreferences(
  db: Executor,
  subscriberIds: number[],
): Promise<Map<number, PreferencesView>> {
  if (subscriberIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("subscribers as s")
    .leftJoin("preferences as p", "p.subscriber_id", "s.id")
    .select([
      "s.id",
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
      "p.muted_topics",
      "p.muted_keywords",
      "p.muted_authors",
    ])
    .select(
      sql<string[]>`array(select st.topic_slug from subscriber_topics st
        join topics t on t.slug = st.topic_slug
        where st.subscriber_id = s.id order by t.position, t.slug)`.as("topics"),
    )
    .where("s.id", "in", subscriberIds)
    .execute();
  const d = DEFAULT_PREFERENCES; // a reader without a preferences row has the defaults
  return new Map(
    rows.map((row) => [
      row.id,
      {
        topics: row.topics,
        keywords: row.keywords ?? d.keywords,
        authors: row.authors ?? d.authors,
        muted_topics: row.muted_topics ?? d.muted_topics,
        muted_keywords: row.muted_keywords ?? d.muted_keywords,
        muted_authors: row.muted_authors ?? d.muted_authors,
        frequency: row.frequency ?? d.frequency,
        weekly_day: row.weekly_day ?? d.weekly_day,
        send_hour: row.send_hour ?? d.send_hour,
        timezone: row.timezone,
        max_papers: row.max_papers ?? d.max_papers,
        min_upvotes: row.min_upvotes ?? d.min_upvotes,
        skip_empty: row.skip_empty ?? d.skip_empty,
        paused_until: row.paused_until ?? d.paused_until,
      },
    ]),
  );
}

export async function savePreferences(
  db: Db,
  subscriberId: number,
  prefs: PreferencesView,
  now: Date,
): Promise<void> {
  await db.transaction().execute((tx) => writePreferences(tx, subscriberId, prefs, now));
}

async function writePreferences(
  tx: Executor,
  subscriberId: number,
  prefs: PreferencesView,
  now: Date,
): Promise<void> {
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
}

const MUTE_COLUMN = {
  topic: "muted_topics",
  keyword: "muted_keywords",
  author: "muted_authors",
} as const;

/**
 * Add one mute (from a digest's mute link), with its event, in one statement. Idempotent: a
 * value already muted (compared ignoring case) is not added twice. True when the mute is new.
 */
export async function addMute(
  db: Db,
  subscriberId: number,
  kind: MuteKind,
  value: string,
  now: Date,
): Promise<boolean> {
  const name = MUTE_COLUMN[kind];
  const column = sql.ref(name);
  const current = sql.ref(`preferences.${name}`);
  const { rows } = await sql<{ added: boolean }>`
    with changed as (
      insert into preferences (subscriber_id, ${column}, updated_at)
      values (${subscriberId}, array[${value}::text], ${now})
      on conflict (subscriber_id) do update
        set ${column} = array_append(${current}, ${value}::text), updated_at = ${now}
        where not exists (select 1 from unnest(${current}) m where lower(m) = lower(${value}))
      returning subscriber_id),
    logged as (${insertEvents(
      sql`select subscriber_id, 'preferences.muted', jsonb_build_object('kind', ${kind}::text)
            from changed`,
      now,
    )})
    select exists (select 1 from changed) as added`.execute(db);
  return rows[0]!.added;
}

/** One validated CSV row, ready to store. */
export interface ImportRow {
  email: string;
  status: "pending" | "active" | "unsubscribed" | "bounced" | "complained";
  /** Only the settings whose columns the file has; the rest stay (or are the defaults). */
  preferences: Partial<PreferencesView>;
  /** The file's votes (undefined: no votes column); stored for new readers and with --update. */
  votes?: { paperId: string; vote: 1 | -1 }[];
  /** From an export's dates, kept for new rows. */
  createdAt: Date | null;
  confirmedAt: Date | null;
}

/**
 * What an import did to one row: a new reader, an existing one whose status or (with
 * --update) preferences changed, one left as it was, or one whose preferences in the file
 * differ but were kept (no --update). `fields` names what changed or would have.
 */
export interface ImportOutcome {
  kind: "created" | "updated" | "unchanged" | "kept";
  subscriberId: number | null;
  fields: string[];
}

const LEFT_STATUSES = new Set(["unsubscribed", "bounced", "complained"]);

/**
 * Store a batch of imported rows in one transaction. New readers get the row's status and
 * settings (defaults for absent columns). Existing readers keep their preferences unless
 * `update` (then only the file's columns replace theirs), and their status except pending →
 * active (--confirmed) and any → left (unsubscribed/bounced/complained): an import never
 * brings back someone who left. Outcomes in row order.
 */
export function upsertImportBatch(
  db: Db,
  rows: ImportRow[],
  now: Date,
  options: { update: boolean },
): Promise<ImportOutcome[]> {
  return db.transaction().execute(async (tx) => {
    const existing = await existingByEmail(tx, rows);
    const created = await insertImportedReaders(
      tx,
      rows.filter((r) => !existing.has(r.email.toLowerCase())),
      now,
    );
    const outcomes: ImportOutcome[] = [];
    const events: NewEvent[] = [];
    const prefs = await readPreferences(
      tx,
      [...existing.values()].map((e) => e.id),
    );
    for (const row of rows) {
      const key = row.email.toLowerCase();
      const old = existing.get(key);
      if (!old) {
        const id = created.get(key) ?? null;
        outcomes.push({ kind: id ? "created" : "unchanged", subscriberId: id, fields: [] });
        if (id) events.push(importEvent(id, { created: true, status: row.status }));
        continue;
      }
      const outcome = await updateImportedReader(tx, old, prefs.get(old.id)!, row, now, options);
      outcomes.push(outcome);
      if (outcome.kind === "updated") {
        events.push(importEvent(old.id, { created: false, fields: outcome.fields }));
      }
    }
    await storeImportedVotes(tx, rows, created, existing, outcomes, options, now);
    await recordEvents(tx, events, now);
    return outcomes;
  });
}

/** A page of readers' votes, by reader (the export). */
async function votesOfReaders(db: Executor, ids: number[]) {
  const rows = await db
    .selectFrom("votes")
    .select(["subscriber_id", "paper_id", "vote"])
    .where("subscriber_id", "in", ids.length ? ids : [0])
    .execute();
  const byReader = new Map<number, { paperId: string; vote: 1 | -1 }[]>();
  for (const r of rows) {
    const list = byReader.get(r.subscriber_id) ?? [];
    list.push({ paperId: r.paper_id, vote: r.vote === 1 ? 1 : -1 });
    byReader.set(r.subscriber_id, list);
  }
  return byReader;
}

/**
 * The file's votes: a new reader's are stored; an existing reader's replace theirs only with
 * --update. Votes on papers this database does not hold are skipped (a vote needs its paper).
 */
async function storeImportedVotes(
  tx: Executor,
  rows: ImportRow[],
  created: Map<string, number>,
  existing: Map<string, { id: number }>,
  outcomes: ImportOutcome[],
  options: { update: boolean },
  now: Date,
): Promise<void> {
  const owners: number[] = [];
  const papers: string[] = [];
  const values: number[] = [];
  const replaced: number[] = [];
  rows.forEach((row, i) => {
    if (row.votes === undefined) return;
    const key = row.email.toLowerCase();
    const id = created.get(key) ?? (options.update ? existing.get(key)?.id : undefined);
    if (id === undefined || outcomes[i]!.subscriberId === null) return;
    if (!created.has(key)) replaced.push(id);
    for (const v of row.votes) {
      owners.push(id);
      papers.push(v.paperId);
      values.push(v.vote);
    }
  });
  if (replaced.length)
    await tx.deleteFrom("votes").where("subscriber_id", "in", replaced).execute();
  if (owners.length === 0) return;
  await sql`insert into votes (subscriber_id, paper_id, vote, created_at, updated_at)
    select v.subscriber_id, v.paper_id, v.vote, ${now}, ${now}
      from unnest(${owners}::int[], ${papers}::text[], ${values}::int[]) as v(subscriber_id, paper_id, vote)
      join papers p on p.id = v.paper_id
    on conflict (subscriber_id, paper_id) do update set vote = excluded.vote`.execute(tx);
}

const importEvent = (subscriberId: number, data: Record<string, unknown>): NewEvent => ({
  type: "subscriber.imported",
  subscriberId,
  data,
});

async function existingByEmail(tx: Executor, rows: ImportRow[]) {
  const found = await tx
    .selectFrom("subscribers")
    .select(["id", "status", sql<string>`lower(email)`.as("key")])
    .where(sql`lower(email)`, "in", rows.length ? rows.map((r) => r.email.toLowerCase()) : [""])
    .execute();
  return new Map(found.map((r) => [r.key, r]));
}

/** New readers with their settings and topics, a few multi-row statements; ids by address. */
async function insertImportedReaders(
  tx: Executor,
  rows: ImportRow[],
  now: Date,
): Promise<Map<string, number>> {
  if (rows.length === 0) return new Map();
  const inserted = await tx
    .insertInto("subscribers")
    .values(
      rows.map((r) => ({
        email: r.email,
        status: r.status,
        timezone: r.preferences.timezone ?? DEFAULT_PREFERENCES.timezone,
        source: "import",
        confirmed_at: r.confirmedAt ?? (r.status === "active" ? now : null),
        unsubscribed_at: LEFT_STATUSES.has(r.status) ? now : null,
        created_at: r.createdAt ?? now,
        updated_at: now,
      })),
    )
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returning(["id", sql<string>`lower(email)`.as("key")])
    .execute();
  const ids = new Map(inserted.map((r) => [r.key, r.id]));
  const stored = rows.filter((r) => ids.has(r.email.toLowerCase()));
  const full = stored.map((r) => ({
    id: ids.get(r.email.toLowerCase())!,
    p: { ...DEFAULT_PREFERENCES, ...r.preferences },
  }));
  if (full.length) {
    await tx
      .insertInto("preferences")
      .values(
        full.map(({ id, p }) => {
          const { topics: _t, timezone: _z, ...rest } = p;
          return { subscriber_id: id, ...rest, updated_at: now };
        }),
      )
      .execute();
  }
  const pairs = full.flatMap(({ id, p }) =>
    p.topics.map((topic_slug) => ({ subscriber_id: id, topic_slug })),
  );
  if (pairs.length) await tx.insertInto("subscriber_topics").values(pairs).execute();
  return ids;
}

/** An existing reader: status by the import rules, preferences only with --update. */
async function updateImportedReader(
  tx: Executor,
  old: { id: number; status: SubscriberStatus },
  before: PreferencesView,
  row: ImportRow,
  now: Date,
  options: { update: boolean },
): Promise<ImportOutcome> {
  const after: PreferencesView = { ...before, ...row.preferences };
  const fields = (Object.keys(row.preferences) as (keyof PreferencesView)[]).filter(
    (k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]),
  );
  const status: SubscriberStatus = LEFT_STATUSES.has(row.status)
    ? row.status
    : old.status === "pending" && row.status === "active"
      ? "active"
      : old.status;
  const changed: string[] = [];
  if (status !== old.status) {
    await tx
      .updateTable("subscribers")
      .set({
        status,
        updated_at: now,
        ...(status === "active" ? { confirmed_at: now } : {}),
        ...(LEFT_STATUSES.has(status)
          ? { unsubscribed_at: sql<Date>`coalesce(unsubscribed_at, ${now})` }
          : {}),
      })
      .where("id", "=", old.id)
      .execute();
    changed.push("status");
  }
  if (fields.length && options.update) {
    await writePreferences(tx, old.id, after, now);
    changed.push(...fields);
  }
  if (changed.length) return { kind: "updated", subscriberId: old.id, fields: changed };
  return { kind: fields.length ? "kept" : "unchanged", subscriberId: old.id, fields };
}

/** Lower-cased addresses among `emails` that are suppressed. */
export async function suppressedAmong(db: Db, emails: string[]): Promise<Set<string>> {
  if (emails.length === 0) return new Set();
  const { rows } = await sql<{ email: string }>`
    select e.email from unnest(${emails}::text[]) as e(email)
     where ${isSuppressed(sql.ref<string>("e.email"))}`.execute(db);
  return new Set(rows.map((r) => r.email.toLowerCase()));
}

/**
 * Every subscriber for export, oldest first, with all their preferences, read in pages of
 * 1,000 by id (constant memory).
 */
export async function* subscribersForExport(db: Db) {
  let after = 0;
  for (;;) {
    const page = await db
      .selectFrom("subscribers")
      .select(["id", "email", "status", "created_at", "confirmed_at"])
      .where("id", ">", after)
      .orderBy("id")
      .limit(1000)
      .execute();
    if (page.length === 0) return;
    const ids = page.map((r) => r.id);
    const [prefs, votes] = await Promise.all([readPreferences(db, ids), votesOfReaders(db, ids)]);
    for (const row of page) {
      yield { ...row, preferences: prefs.get(row.id)!, votes: votes.get(row.id) ?? [] };
    }
    after = page[page.length - 1]!.id;
  }
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
  muted_topics: string[];
  muted_keywords: string[];
  muted_authors: string[];
  /** The stored reader model (digests/reader-model.ts), or null before any vote. */
  model: unknown;
}

/** Address, link version, preferences, topics and model of a batch of readers, in one query. */
export async function readerContexts(db: Db, subscriberIds: number[]): Promise<ReaderContext[]> {
  if (subscriberIds.length === 0) return [];
  const { rows } = await sql<ReaderContext>`
    select s.id, s.email, s.token_version, p.frequency, p.max_papers, p.min_upvotes,
           p.skip_empty, p.keywords, p.authors, p.muted_topics, p.muted_keywords, p.muted_authors,
           coalesce((select array_agg(t.topic_slug order by t.topic_slug)
                     from subscriber_topics t where t.subscriber_id = s.id), '{}') as topics,
           m.model
    from subscribers s join preferences p on p.subscriber_id = s.id
    left join reader_models m on m.subscriber_id = s.id
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

/** What subscribers/ holds about one reader: profile, preferences and history (art. 15). */
export async function subscriberDataOf(db: Db, subscriberId: number) {
  const profile = await db
    .selectFrom("subscribers")
    .select([
      "id",
      "email",
      "status",
      "timezone",
      "source",
      "created_at",
      "confirmed_at",
      "unsubscribed_at",
      "updated_at",
    ])
    .where("id", "=", subscriberId)
    .executeTakeFirst();
  if (!profile) return null;
  const [preferences, events] = await Promise.all([
    getPreferences(db, subscriberId),
    db
      .selectFrom("events")
      .select(["type", "data", "created_at"])
      .where("subscriber_id", "=", subscriberId)
      .orderBy("id")
      .execute(),
  ]);
  return { profile, preferences, events };
}

/** sha256 of the lower-cased address: what an erased reader leaves in suppressions. */
export function hashedAddress(email: Expression<string>): RawBuilder<string> {
  return sql<string>`'sha256:' || encode(sha256(convert_to(lower(${email}), 'UTF8')), 'hex')`;
}

/**
 * Erase a reader (art. 17), inside the caller's transaction after the other owners removed
 * their rows: their events go, the row goes (preferences and topics with it), and a suppression
 * keyed by the address's hash stays, so no import or form can add them again (isSuppressed
 * checks hashes too). One anonymous `subscriber.erased` event records that it happened.
 */
export async function eraseSubscriber(
  tx: Transaction<Database>,
  subscriberId: number,
  now: Date,
): Promise<boolean> {
  const reader = await tx
    .selectFrom("subscribers")
    .select("email")
    .where("id", "=", subscriberId)
    .forUpdate()
    .executeTakeFirst();
  if (!reader) return false;
  await sql`insert into suppressions (email, reason, detail, created_at)
    values (${hashedAddress(sql.val(reader.email))}, 'manual', 'erased at the reader''s request', ${now})
    on conflict do nothing`.execute(tx);
  await sql`delete from suppressions where lower(email) = lower(${reader.email})`.execute(tx);
  await sql`select set_config('paperboy.erasing', 'on', true)`.execute(tx);
  await tx.deleteFrom("events").where("subscriber_id", "=", subscriberId).execute();
  await sql`select set_config('paperboy.erasing', 'off', true)`.execute(tx);
  await tx.deleteFrom("subscribers").where("id", "=", subscriberId).execute();
  await recordEvents(tx, [{ type: "subscriber.erased", subscriberId: null }], now);
  return true;
}

/** Readers by status (admin home, metrics). */
export async function subscriberStatusCounts(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("subscribers")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Transactional mails sent, by kind, from their events (metrics; partial index events_mail). */
export async function transactionalMailCounts(db: Db): Promise<Record<string, number>> {
  const { rows } = await sql<{ kind: string; n: number }>`
    select substring(type from 'mail\\.(.*)_sent') as kind, count(*)::int as n
      from events where type like 'mail.%' group by 1`.execute(db);
  return Object.fromEntries(rows.filter((r) => r.kind).map((r) => [r.kind, r.n]));
}

/** The latest hard bounces and complaints (admin home); erased readers' hashes are left out. */
export function recentSuppressions(db: Db, limit = 10) {
  return db
    .selectFrom("suppressions")
    .select(["email", "reason", "detail", "created_at"])
    .where("reason", "in", ["hard_bounce", "complaint"])
    .orderBy("created_at", "desc")
    .limit(limit)
    .execute();
}

/**
 * Record a reader's vote on a paper; the latest vote wins and repeating one changes nothing.
 * False when the paper is unknown. The event is written in the same statement.
 */
export async function recordVote(
  db: Db,
  subscriberId: number,
  paperId: string,
  vote: 1 | -1,
  now: Date,
): Promise<boolean> {
  const { rows } = await sql<{ known: boolean }>`
    with saved as (
      insert into votes (subscriber_id, paper_id, vote, created_at, updated_at)
      select ${subscriberId}, p.id, ${vote}, ${now}, ${now} from papers p where p.id = ${paperId}
      on conflict (subscriber_id, paper_id) do update
        set vote = excluded.vote, updated_at = excluded.updated_at
        where votes.vote <> excluded.vote
      returning 1
    ), logged as (
      ${insertEvents(
        sql`select ${subscriberId}::int, 'subscriber.voted', ${JSON.stringify({ paper: paperId, vote })}::text from saved`,
        now,
      )}
    )
    select exists (select 1 from papers where id = ${paperId}) as known`.execute(db);
  return rows[0]?.known === true;
}

/** Remove a reader's vote on a paper (from the preferences page). */
export async function removeVote(db: Db, subscriberId: number, paperId: string): Promise<void> {
  await db
    .deleteFrom("votes")
    .where("subscriber_id", "=", subscriberId)
    .where("paper_id", "=", paperId)
    .execute();
}

export interface VoteView {
  paperId: string;
  title: string;
  vote: 1 | -1;
  updatedAt: Date;
}

/** A reader's votes, newest first, with the papers' titles. */
export async function listVotes(db: Db, subscriberId: number): Promise<VoteView[]> {
  const rows = await db
    .selectFrom("votes as v")
    .innerJoin("papers as p", "p.id", "v.paper_id")
    .select(["v.paper_id", "p.title", "v.vote", "v.updated_at"])
    .where("v.subscriber_id", "=", subscriberId)
    .orderBy("v.updated_at", "desc")
    .orderBy("v.paper_id")
    .execute();
  return rows.map((r) => ({
    paperId: r.paper_id,
    title: r.title,
    vote: r.vote === 1 ? 1 : -1,
    updatedAt: r.updated_at,
  }));
}

/** Store (or replace) a reader's trained model; null removes it (no votes left). */
export async function saveReaderModel(
  db: Db,
  subscriberId: number,
  model: object | null,
  votes: number,
  now: Date,
): Promise<void> {
  if (model === null) {
    await db.deleteFrom("reader_models").where("subscriber_id", "=", subscriberId).execute();
    return;
  }
  const json = JSON.stringify(model);
  await db
    .insertInto("reader_models")
    .values({ subscriber_id: subscriberId, model: json, votes, trained_at: now })
    .onConflict((oc) =>
      oc.column("subscriber_id").doUpdateSet({ model: json, votes, trained_at: now }),
    )
    .execute();
}
