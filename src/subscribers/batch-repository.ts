import { sql } from "kysely";
import type { Db } from "../platform/db/index.ts";
import type { Subscriber } from "../platform/db/schema.ts";
import { type BudgetCounter, grantBudgets } from "./budgets.ts";
import {
  type ConfirmationBudget,
  insertEvents,
  isSuppressed,
  type SubscribeOutcome,
  type SubscriberChoices,
} from "./repository.ts";

/**
 * The request paths' writes for many readers at once (see group.ts): one statement for what
 * the single-reader functions in repository.ts do per reader, with the same rules.
 */

const CONFIRMATION_INTERVAL_MS = 5 * 60 * 1000;

export interface SubscribeRequest extends SubscriberChoices {
  email: string;
}

/**
 * recordSubscribeRequest for many addresses in one statement. The addresses must be distinct
 * (ignoring case): one statement may not upsert a row twice. Outcomes in the input's order.
 */
export async function recordSubscribeRequests(
  db: Db,
  requests: SubscribeRequest[],
  now: Date,
): Promise<SubscribeOutcome[]> {
  const { rows } = await sql<{
    ord: number;
    unknown: string[] | null;
    id: number | null;
    created: boolean;
  }>`
    with input as (
      select i.*, lower(i.email) as address,
             ${isSuppressed(sql.ref<string>("i.email"))} as suppressed
        from unnest(${requests.map((_, i) => i)}::int[], ${requests.map((r) => r.email)}::text[],
          ${requests.map((r) => r.timezone)}::text[], ${requests.map((r) => r.frequency)}::text[],
          ${requests.map((r) => JSON.stringify(r.topics))}::text[])
          as i(ord, email, timezone, frequency, topics)),
    wanted as (
      select i.ord, w.slug from input i, jsonb_array_elements_text(i.topics::jsonb) as w(slug)),
    unknown as (
      select w.ord, array_agg(w.slug) as slugs from wanted w
       where not exists (select 1 from topics t where t.slug = w.slug) group by w.ord),
    allowed as (
      select i.* from input i
       where not i.suppressed and not exists (select 1 from unknown u where u.ord = i.ord)),
    upserted as (
      insert into subscribers (email, timezone, confirmation_sent_at, created_at, updated_at)
      select email, timezone, ${now}, ${now}, ${now} from allowed order by address
      on conflict (lower(email)) do update
        set timezone = excluded.timezone, updated_at = excluded.updated_at
        where subscribers.status in ('pending', 'unsubscribed')
      returning id, lower(email) as address, (xmax = 0) as created),
    matched as (
      select a.ord, a.frequency, u.id, u.created from upserted u
        join allowed a on a.address = u.address),
    prefs as (
      insert into preferences (subscriber_id, frequency, updated_at)
      select id, frequency, ${now} from matched
      on conflict (subscriber_id) do update
        set frequency = excluded.frequency, updated_at = excluded.updated_at),
    dropped as (
      delete from subscriber_topics st using matched m
       where st.subscriber_id = m.id
         and not exists (select 1 from wanted w where w.ord = m.ord and w.slug = st.topic_slug)),
    added as (
      insert into subscriber_topics (subscriber_id, topic_slug)
      select m.id, w.slug from matched m join wanted w on w.ord = m.ord on conflict do nothing),
    logged as (${insertEvents(
      sql`select id, case when created then 'subscriber.created' else 'subscriber.choices_replaced' end,
                 case when created then '{"source":"web"}'::jsonb else '{}'::jsonb end
            from matched`,
      now,
    )})
    select i.ord, u.slugs as unknown, m.id, coalesce(m.created, false) as created
      from input i left join unknown u on u.ord = i.ord left join matched m on m.ord = i.ord
  `.execute(db);
  const outcomes: SubscribeOutcome[] = new Array(requests.length);
  for (const row of rows) {
    outcomes[row.ord] = row.unknown?.length
      ? { kind: "unknown-topics", topics: row.unknown }
      : row.id === null
        ? { kind: "unchanged" }
        : { kind: row.created ? "created" : "choices-replaced", subscriberId: row.id };
  }
  return outcomes;
}

/** claimConfirmationSlot for many readers in one UPDATE; the ids that won their slot. */
export async function claimConfirmationSlots(
  db: Db,
  ids: number[],
  now: Date,
): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const cutoff = new Date(now.getTime() - CONFIRMATION_INTERVAL_MS);
  const { rows } = await sql<{ id: number }>`
    update subscribers set confirmation_sent_at = ${now}
     where id = any(${ids}::int[]) and status in ('pending', 'unsubscribed')
       and (confirmation_sent_at is null or confirmation_sent_at <= ${cutoff})
    returning id`.execute(db);
  return new Set(rows.map((r) => r.id));
}

/** releaseConfirmationSlot for many readers claimed at the same moment. */
export async function releaseConfirmationSlots(
  db: Db,
  ids: number[],
  claimedAt: Date,
): Promise<void> {
  if (ids.length === 0) return;
  await sql`update subscribers set confirmation_sent_at = null
     where id = any(${ids}::int[]) and confirmation_sent_at = ${claimedAt}`.execute(db);
}

/**
 * takeConfirmationBudget for several readers in one transaction (grantBudgets decides, in
 * order): the counters are locked first, so concurrent processes serialise on them as the
 * single-row upsert does. Per reader, the budget that refused them, or null when granted.
 */
export async function takeConfirmationBudgets(
  db: Db,
  readers: ConfirmationBudget[][],
  now: Date,
): Promise<(ConfirmationBudget | null)[]> {
  // Sorted, so two processes lock shared keys in the same order.
  const keys = [...new Set(readers.flat().map((b) => b.key))].sort();
  if (keys.length === 0) return readers.map(() => null);
  return db.transaction().execute(async (tx) => {
    // A counter row for every key, so that the lock below covers keys never used before.
    await sql`insert into confirmation_limits (key, window_started_at, sent)
      select k, to_timestamp(0), 0 from unnest(${keys}::text[]) as k
      on conflict (key) do nothing`.execute(tx);
    const { rows } = await sql<{ key: string; window_started_at: Date; sent: number }>`
      select key, window_started_at, sent from confirmation_limits
       where key = any(${keys}::text[]) order by key for update`.execute(tx);
    const counters = new Map<string, BudgetCounter>(
      rows.map((r) => [r.key, { windowStartedAt: r.window_started_at, sent: r.sent }]),
    );
    const { refusedBy, changed } = grantBudgets(readers, counters, now);
    if (changed.size > 0) {
      const entries = [...changed];
      await sql`update confirmation_limits l set window_started_at = c.started, sent = c.sent
        from unnest(${entries.map(([k]) => k)}::text[],
                    ${entries.map(([, c]) => c.windowStartedAt.toISOString())}::timestamptz[],
                    ${entries.map(([, c]) => c.sent)}::int[]) as c(key, started, sent)
       where l.key = c.key`.execute(tx);
    }
    return refusedBy;
  });
}

export interface UnsubscribeRequest {
  subscriberId: number;
  via: string;
}

/**
 * unsubscribeSubscriber for many readers in one statement (one commit); per request, whether
 * it changed the reader (false when they had already left). Ids must be distinct.
 */
export async function unsubscribeSubscribers(
  db: Db,
  requests: UnsubscribeRequest[],
  now: Date,
): Promise<boolean[]> {
  const { rows } = await sql<{ id: number }>`
    with input as (
      select * from unnest(${requests.map((r) => r.subscriberId)}::int[],
                           ${requests.map((r) => r.via)}::text[]) as i(id, via)),
    changed as (
      update subscribers s set status = 'unsubscribed', unsubscribed_at = ${now},
             updated_at = ${now}, token_version = s.token_version + 1
        from input i
       where s.id = i.id and s.status in ('pending', 'active')
      returning s.id, i.via),
    logged as (${insertEvents(
      sql`select id, 'subscriber.unsubscribed', jsonb_build_object('via', via) from changed`,
      now,
    )})
    select id from changed`.execute(db);
  const changed = new Set(rows.map((r) => r.id));
  return requests.map((r) => changed.has(r.subscriberId));
}

/** Many subscribers by id, in one query. */
export async function findSubscribers(db: Db, ids: number[]): Promise<Map<number, Subscriber>> {
  const rows = await db
    .selectFrom("subscribers")
    .selectAll()
    .where(sql<boolean>`id = any(${ids}::int[])`)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}
