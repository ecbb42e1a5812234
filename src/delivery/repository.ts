import { sql } from "kysely";
import type { Db } from "../platform/db/index.ts";
import type { DeliveryStatus, Frequency } from "../platform/db/schema.ts";
import { PROCESS_LOCK_CLASS } from "../platform/liveness.ts";
import { mayReceiveMail } from "../subscribers/repository.ts";

/**
 * Every SQL statement on deliveries: delivery/ owns that table. The state machine of a `deliveries` row:
 *   pending → sending (claimed; attempts + 1 is the claim's fencing token, lease set)
 *   sending with message_id = handed to SMTP, outcome unknown until marked
 *   sending → sent | failed | cancelled | skipped, or back to pending (retry, expired lease)
 */

export interface ScheduleGroup {
  timezone: string;
  send_hour: number;
  frequency: Frequency;
  weekly_day: number;
}

/**
 * A reader's weekday only matters when they read weekly; daily readers share weekly_day -1, so
 * there are at most (zones × 24 hours × 8) groups however many readers there are.
 */
const scheduleDay = sql<number>`case when p.frequency = 'weekly' then p.weekly_day else -1 end`;

/** The distinct schedules of active readers: the due rules run once per group, not per reader. */
export function activeScheduleGroups(db: Db): Promise<ScheduleGroup[]> {
  return db
    .selectFrom("subscribers as s")
    .innerJoin("preferences as p", "p.subscriber_id", "s.id")
    .select(["s.timezone", "p.send_hour", "p.frequency", scheduleDay.as("weekly_day")])
    .where("s.status", "=", "active")
    .distinct()
    .execute();
}

/** A schedule group that is due now, with the edition it gets and its local date. */
export interface DueGroup extends ScheduleGroup {
  edition: string;
  local_date: string;
}

export interface Candidate {
  subscriber_id: number;
  edition: string;
  paused_until: string | null;
  local_date: string;
}

/**
 * Give Postgres statistics for the planner's tables if it has none yet (a fresh database, an
 * imported list): without any, it may probe deliveries through the (edition, status) index and
 * turn the first big tick quadratic. Once analyzed, autovacuum keeps them current.
 */
export async function ensureStatistics(db: Db): Promise<void> {
  const { rows } = await sql<{ relname: string }>`
    select relname from pg_stat_user_tables
    where relname in ('subscribers', 'preferences', 'deliveries')
      and last_analyze is null and last_autoanalyze is null`.execute(db);
  for (const { relname } of rows) await sql`analyze ${sql.table(relname)}`.execute(db);
}

/** The highest subscriber id: the planner walks ids in fixed ranges up to it. */
export async function maxSubscriberId(db: Db): Promise<number> {
  const row = await db
    .selectFrom("subscribers")
    .select((eb) => eb.fn.max("id").as("last"))
    .executeTakeFirst();
  return (row?.last as number | null | undefined) ?? 0;
}

/**
 * Active readers with ids in (afterId, lastId] who belong to a due group and have no delivery
 * for their group's edition yet.
 */
export async function dueCandidates(
  db: Db,
  groups: DueGroup[],
  afterId: number,
  lastId: number,
): Promise<Candidate[]> {
  if (groups.length === 0) return [];
  const col = <K extends keyof DueGroup>(k: K) => groups.map((g) => g[k]);
  const { rows } = await sql<Candidate>`
    select s.id as subscriber_id, g.edition::text as edition, p.paused_until,
           g.local_date::text as local_date
    from subscribers s
    join preferences p on p.subscriber_id = s.id
    join unnest(${col("timezone")}::text[], ${col("send_hour")}::int[], ${col("frequency")}::text[],
                ${col("weekly_day")}::int[], ${col("edition")}::date[], ${col("local_date")}::date[])
         as g(timezone, send_hour, frequency, weekly_day, edition, local_date)
      on g.timezone = s.timezone and g.send_hour = p.send_hour and g.frequency = p.frequency
         and g.weekly_day = ${scheduleDay}
    where s.status = 'active' and s.id > ${afterId} and s.id <= ${lastId}
      and not exists (select 1 from deliveries d
                      where d.subscriber_id = s.id and d.edition_date = g.edition)
    order by s.id`.execute(db);
  return rows;
}

export interface OnDemandCandidate {
  subscriber_id: number;
  timezone: string;
  frequency: Frequency;
  weekly_day: number;
  send_hour: number;
  paused_until: string | null;
}

/** One keyset page of active readers without a delivery for `edition` (any hour). */
export function undeliveredReaders(
  db: Db,
  edition: string,
  afterId: number,
  limit: number,
): Promise<OnDemandCandidate[]> {
  return db
    .selectFrom("subscribers as s")
    .innerJoin("preferences as p", "p.subscriber_id", "s.id")
    .select([
      "s.id as subscriber_id",
      "s.timezone",
      "p.frequency",
      "p.weekly_day",
      "p.send_hour",
      "p.paused_until",
    ])
    .where("s.status", "=", "active")
    .where("s.id", ">", afterId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("deliveries as d")
            .select("d.id")
            .whereRef("d.subscriber_id", "=", "s.id")
            .where("d.edition_date", "=", edition),
        ),
      ),
    )
    .orderBy("s.id")
    .limit(limit)
    .execute();
}

export interface PlannedDelivery {
  id: number;
  edition_date: string;
}

/** Insert pending deliveries; rows that already exist (another tick or planner) are skipped. */
export async function insertDeliveries(
  db: Db,
  rows: { subscriber_id: number; edition: string }[],
  now: Date,
): Promise<PlannedDelivery[]> {
  if (rows.length === 0) return [];
  const { rows: inserted } = await sql<PlannedDelivery>`
    insert into deliveries (subscriber_id, edition_date, created_at, updated_at)
    select subscriber_id, edition_date, ${now}, ${now}
    from unnest(${rows.map((r) => r.subscriber_id)}::int[], ${rows.map((r) => r.edition)}::date[])
         as r(subscriber_id, edition_date)
    on conflict (subscriber_id, edition_date) do nothing
    returning id, edition_date::text as edition_date`.execute(db);
  return inserted.sort((a, b) => a.id - b.id);
}

/** Pending deliveries, optionally of one edition, in id order (keyset paging). */
export async function pendingDeliveries(
  db: Db,
  options: { edition?: string; updatedBefore?: Date; afterId: number; limit: number },
): Promise<PlannedDelivery[]> {
  let query = db
    .selectFrom("deliveries")
    .select(["id", "edition_date"])
    .where("status", "=", "pending")
    .where("id", ">", options.afterId);
  if (options.edition) query = query.where("edition_date", "=", options.edition);
  if (options.updatedBefore) query = query.where("updated_at", "<", options.updatedBefore);
  return query.orderBy("id").limit(options.limit).execute();
}

export interface RecoveredDelivery extends PlannedDelivery {
  /** The message had been handed to SMTP: it may have arrived, a resend may duplicate it. */
  handed_off: boolean;
  status: DeliveryStatus;
}

/**
 * The process sessions holding their liveness lock (src/platform/liveness.ts) in this database.
 * pg_locks is live state, not a snapshot: a process locks its session before it claims, so its
 * claims are never taken for dead.
 */
const liveOwners = sql`
  select l.objid::text::int as owner from pg_locks l
  where l.locktype = 'advisory' and l.granted and l.objsubid = 2
    and l.database = (select oid from pg_database where datname = current_database())
    and l.classid = ${PROCESS_LOCK_CLASS}::oid`;

/** Owners of `sending` claims whose liveness lock nobody holds (their process is gone). */
export async function deadClaimOwners(db: Db): Promise<number[]> {
  const { rows } = await sql<{ owner: number }>`
    with alive as (${liveOwners})
    select distinct claimed_by as owner from deliveries
    where status = 'sending' and claimed_by is not null
      and claimed_by not in (select owner from alive)`.execute(db);
  return rows.map((r) => r.owner);
}

/**
 * Claims whose process is gone (its liveness lock is free; only `owners`' when given) go back to pending, to be sent again,
 * or to failed once the digest is stale (planned before `staleBefore`); a claim of a live process
 * is never taken, however old. Claims without an owner (made before liveness existed) fall back
 * to their lease. A reclaim is not an attempt: only real send failures count (send_failures),
 * and only staleness gives up.
 */
export async function releaseDeadClaims(
  db: Db,
  now: Date,
  staleBefore: Date,
  owners?: number[],
): Promise<RecoveredDelivery[]> {
  const only = owners ? sql`and claimed_by = any(${owners}::int[])` : sql``;
  const { rows } = await sql<RecoveredDelivery>`
    with alive as (${liveOwners}), stuck as (
      select id, message_id is not null as handed_off from deliveries
      where status = 'sending'
        and case when claimed_by is null then lease_expires_at < ${now}
                 else claimed_by not in (select owner from alive) ${only} end
      for update skip locked
    )
    update deliveries d set
      status = case when d.created_at < ${staleBefore} then 'failed' else 'pending' end,
      error = case when stuck.handed_off
                   then 'claim lost after hand-off to SMTP; outcome unknown'
                   else 'claim lost before hand-off to SMTP' end,
      message_id = null, lease_expires_at = null, claimed_by = null, updated_at = ${now}
    from stuck where d.id = stuck.id
    returning d.id, d.edition_date::text as edition_date, stuck.handed_off, d.status`.execute(db);
  return rows.sort((a, b) => a.id - b.id);
}

/**
 * This live process's own claims that none of its batches is working on any more (a batch that
 * threw, a sent mark that could not be written while the database was away), older than
 * `before`: back to pending, as a dead process's would be. Another process never takes them.
 */
export async function releaseOwnLostClaims(
  db: Db,
  owner: number,
  working: number[],
  before: Date,
  now: Date,
): Promise<RecoveredDelivery[]> {
  const { rows } = await sql<RecoveredDelivery>`
    with lost as (
      select id, message_id is not null as handed_off from deliveries
      where status = 'sending' and claimed_by = ${owner} and updated_at < ${before}
        and id <> all(${working}::int[])
      for update skip locked
    )
    update deliveries d set status = 'pending', message_id = null, lease_expires_at = null,
      claimed_by = null, updated_at = ${now},
      error = case when lost.handed_off then 'claim lost after hand-off to SMTP; outcome unknown'
                   else 'claim lost before hand-off to SMTP' end
    from lost where d.id = lost.id
    returning d.id, d.edition_date::text as edition_date, lost.handed_off, d.status`.execute(db);
  return rows.sort((a, b) => a.id - b.id);
}

export interface ClaimedDelivery {
  id: number;
  subscriber_id: number;
  edition_date: string;
  /** The claim's fencing token: later updates only apply while it still matches. */
  attempts: number;
  /** Real send failures so far (the retry backoff). */
  send_failures: number;
  /** When the delivery was planned: it is stale DELIVERY_STALE_HOURS later. */
  created_at: Date;
  status: "sending" | "cancelled";
}

/**
 * Claim a batch in one statement: pending rows of still-active, unsuppressed readers become
 * sending (attempts + 1, lease set); the others become cancelled. Rows another worker is
 * claiming right now are skipped, rows in any other state are left alone.
 */
export async function claimDeliveries(
  db: Db,
  ids: number[],
  now: Date,
  leaseUntil: Date,
  owner: number,
): Promise<ClaimedDelivery[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<ClaimedDelivery>`
    with batch as (
      select d.id, ${mayReceiveMail(sql.ref<number>("d.subscriber_id"))} as ok
      from deliveries d
      where d.id = any(${ids}::int[]) and d.status = 'pending'
      for update skip locked
    )
    update deliveries d set
      status = case when batch.ok then 'sending' else 'cancelled' end,
      attempts = d.attempts + case when batch.ok then 1 else 0 end,
      lease_expires_at = case when batch.ok then ${leaseUntil}::timestamptz end,
      claimed_by = case when batch.ok then ${owner}::int end,
      message_id = null, updated_at = ${now}
    from batch where d.id = batch.id
    returning d.id, d.subscriber_id, d.edition_date::text as edition_date, d.attempts,
              d.send_failures, d.created_at, d.status`.execute(db);
  return rows.sort((a, b) => a.id - b.id);
}

/**
 * The last check before SMTP, for a chunk of claims in one statement: each claim is still ours
 * and its reader still active and not suppressed. Records each Message-ID (= handed off,
 * outcome unknown). Returns the ids that may be sent. It touches no indexed column (the lease
 * matters only for claims without an owner, and every claim has one), so with the table's
 * spare room (fillfactor, migration 0010) the update is HOT: no new index entries.
 *
 * Its commit does not wait for the WAL flush (synchronous_commit off for this transaction
 * only): the check reads committed state either way, and the rows are visible to every other
 * session at once, so a worker crash is handled exactly as before. Only a Postgres crash in the
 * next ~200 ms could forget the recorded Message-IDs, and then the resend merely lacks its
 * "possible duplicate" warning.
 */
export async function markHandOffs(
  db: Db,
  claims: { id: number; attempts: number; messageId: string }[],
  now: Date,
  owner: number,
): Promise<{ ownerAlive: boolean; ids: number[] }> {
  if (claims.length === 0) return { ownerAlive: true, ids: [] };
  // Only while `owner` holds its liveness lock: a process whose lock was lost (its session's
  // connection cut) may have had its claims taken back, and must send nothing until it re-locks.
  const { rows } = await sql<{ owner_alive: boolean; ids: number[] }>`
    with alive as (${liveOwners}),
    mine as (select ${owner}::int in (select owner from alive) as ok),
    handed as (
      update deliveries d set message_id = c.message_id, updated_at = ${now}
      from unnest(${claims.map((c) => c.id)}::int[], ${claims.map((c) => c.attempts)}::int[],
                  ${claims.map((c) => c.messageId)}::text[]) as c(id, attempts, message_id), mine
      where mine.ok and d.id = c.id and d.status = 'sending' and d.attempts = c.attempts
        and ${mayReceiveMail(sql.ref<number>("d.subscriber_id"))}
        and set_config('synchronous_commit', 'off', true) = 'off'
      returning d.id)
    select (select ok from mine) as owner_alive, array(select id from handed) as ids`.execute(db);
  return { ownerAlive: rows[0]!.owner_alive, ids: rows[0]!.ids };
}

/**
 * Set the final or retry state of claims still held (status sending, same attempts). `failure`
 * counts a real send failure (back to pending after a 4xx, a timeout, a dropped connection);
 * a claim handed back unsent (graceful stop) is not one.
 */
export async function settleClaims(
  db: Db,
  claims: { id: number; attempts: number }[],
  status: "pending" | "skipped" | "cancelled" | "failed",
  now: Date,
  error: string | null = null,
  failure = false,
): Promise<number[]> {
  if (claims.length === 0) return [];
  const { rows } = await sql<{ id: number }>`
    update deliveries d set status = ${status}, error = ${error}, message_id = null,
                            lease_expires_at = null, claimed_by = null, updated_at = ${now},
                            send_failures = d.send_failures + ${failure ? 1 : 0}
    from unnest(${claims.map((c) => c.id)}::int[], ${claims.map((c) => c.attempts)}::int[])
         as c(id, attempts)
    where d.id = c.id and d.status = 'sending' and d.attempts = c.attempts
    returning d.id`.execute(db);
  return rows.map((r) => r.id);
}

/** Claims still held and not handed to SMTP (no Message-ID recorded) back to pending. */
export async function releaseUnsent(
  db: Db,
  claims: { id: number; attempts: number }[],
  now: Date,
): Promise<number[]> {
  if (claims.length === 0) return [];
  const { rows } = await sql<{ id: number }>`
    update deliveries d set status = 'pending', lease_expires_at = null, claimed_by = null,
                            updated_at = ${now}
    from unnest(${claims.map((c) => c.id)}::int[], ${claims.map((c) => c.attempts)}::int[])
         as c(id, attempts)
    where d.id = c.id and d.status = 'sending' and d.attempts = c.attempts
      and d.message_id is null
    returning d.id`.execute(db);
  return rows.map((r) => r.id);
}

export interface SentMark {
  deliveryId: number;
  messageId: string;
  paperIds: string[];
}

/**
 * After the SMTP server's 250: sent, with the papers each mail carried (`paper_ids`, the
 * already-sent rule's record), for any number of messages in one statement (one durable commit). Applies whatever a row's state, except an
 * earlier 'sent': the mail is out, and the table must say so. No `digest.sent` event row: the
 * row itself says it (status, sent_at, message_id), and the reader's data download has it.
 */
const UNIT_SEPARATOR = "\u001f";

export async function markSent(db: Db, marks: SentMark[], now: Date): Promise<void> {
  if (marks.length === 0) return;
  // One text per mail, split back into its array: ingestion drops C0 controls from every
  // field, so U+001F never occurs in a paper id.
  await sql`
    with input as (
      select * from unnest(${marks.map((m) => m.deliveryId)}::int[],
                           ${marks.map((m) => m.messageId)}::text[],
                           ${marks.map((m) => m.paperIds.join(UNIT_SEPARATOR))}::text[])
        as i(id, message_id, papers)
    )
    update deliveries x set status = 'sent', message_id = input.message_id, sent_at = ${now},
                            error = null, lease_expires_at = null, claimed_by = null,
                            updated_at = ${now},
                            paper_ids = coalesce(string_to_array(nullif(input.papers, ''),
                                                                 ${UNIT_SEPARATOR}), '{}')
    from input where x.id = input.id and x.status <> 'sent'`.execute(db);
}

export interface EditionStats {
  edition: string;
  counts: Partial<Record<DeliveryStatus, number>>;
  total: number;
}

/** Delivery counts by status for the newest editions. */
export async function deliveryStats(db: Db, editions = 14): Promise<EditionStats[]> {
  const { rows } = await sql<{ edition: string; status: DeliveryStatus; n: number }>`
    select d.edition_date::text as edition, d.status, count(*)::int as n
    from deliveries d
    where d.edition_date in (select distinct edition_date from deliveries
                             order by edition_date desc limit ${editions})
    group by 1, 2 order by 1 desc, 2`.execute(db);
  const byEdition = new Map<string, EditionStats>();
  for (const r of rows) {
    const stats = byEdition.get(r.edition) ?? { edition: r.edition, counts: {}, total: 0 };
    stats.counts[r.status] = r.n;
    stats.total += r.n;
    byEdition.set(r.edition, stats);
  }
  return [...byEdition.values()];
}

/** Counts by status of one edition (for the CLI summary). */
export async function editionCounts(
  db: Db,
  edition: string,
): Promise<Partial<Record<DeliveryStatus, number>>> {
  const rows = await db
    .selectFrom("deliveries")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .where("edition_date", "=", edition)
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export interface UnfinishedDelivery {
  id: number;
  subscriber_id: number;
  status: "pending" | "sending";
  /** The process session holding a `sending` claim. */
  claimed_by: number | null;
}

/** Deliveries of `edition` still pending or being sent (the first `limit`, by id). */
export async function unfinishedDeliveries(
  db: Db,
  edition: string,
  limit: number,
): Promise<UnfinishedDelivery[]> {
  const rows = await db
    .selectFrom("deliveries")
    .select(["id", "subscriber_id", "status", "claimed_by"])
    .where("edition_date", "=", edition)
    .where("status", "in", ["pending", "sending"])
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows as UnfinishedDelivery[];
}

/** The editions a set of deliveries belongs to. */
export async function editionsOfDeliveries(db: Db, ids: number[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("deliveries")
    .select("edition_date")
    .distinct()
    .where("id", "in", ids)
    .execute();
  return rows.map((r) => r.edition_date);
}

/** A reader's deliveries, for their data download (art. 15). */
export function deliveriesOf(db: Db, subscriberId: number) {
  return db
    .selectFrom("deliveries")
    .select(["edition_date", "status", "attempts", "message_id", "error", "created_at", "sent_at"])
    .where("subscriber_id", "=", subscriberId)
    .orderBy("id")
    .execute();
}

/** Remove a reader's deliveries (their erasure; the caller's transaction). */
export async function deleteDeliveriesOf(db: Db, subscriberId: number): Promise<void> {
  await db.deleteFrom("deliveries").where("subscriber_id", "=", subscriberId).execute();
}

/** Every delivery by status (metrics at scrape time; an index-only scan of edition_status). */
export async function deliveryStatusCounts(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("deliveries")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
