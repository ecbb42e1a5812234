import { sql } from "kysely";
import type { Db } from "../../src/platform/db/index.ts";
import type { ChaosSink } from "./sink.ts";

/** The readers of the chaos run and the checks every trial must pass. */

export const readerEmail = (i: number) => `chaos-reader-${i}@readers.test`;

export interface Population {
  active: number;
  /** Left before the run; must never get a digest. */
  unsubscribed: number;
  /** Still `active` but their address is in suppressions (bounce recorded by the relay). */
  suppressed: number;
}

/**
 * Bulk-insert the readers: all daily at 00:00 UTC (so every one is due whenever the planner
 * looks), no topics (the trending list: nobody's digest is empty).
 */
export async function seedReaders(db: Db, pop: Population, now: Date): Promise<void> {
  const total = pop.active + pop.unsubscribed + pop.suppressed;
  await sql`
    insert into subscribers (email, status, timezone, confirmed_at, created_at, updated_at,
                             unsubscribed_at, source)
    select 'chaos-reader-' || i || '@readers.test',
           case when i > ${pop.active}::int and i <= ${pop.active + pop.unsubscribed}::int
                then 'unsubscribed' else 'active' end,
           'UTC', ${now}, ${now}, ${now},
           case when i > ${pop.active}::int and i <= ${pop.active + pop.unsubscribed}::int
                then ${now}::timestamptz end,
           'chaos'
    from generate_series(1, ${total}::int) as i`.execute(db);
  await sql`
    insert into preferences (subscriber_id, send_hour, updated_at)
    select id, 0, ${now} from subscribers where source = 'chaos'`.execute(db);
  await sql`
    insert into suppressions (email, reason, detail, created_at)
    select 'chaos-reader-' || i || '@readers.test', 'hard_bounce', 'chaos seed', ${now}
    from generate_series(${pop.active + pop.unsubscribed + 1}::int, ${total}::int) as i`.execute(
    db,
  );
  await sql`analyze`.execute(db);
}

export interface TrialCheck {
  expected: number;
  received: number;
  lost: number;
  duplicated: number;
  /** Digests to addresses that had left or were suppressed (must be 0). */
  forbidden: number;
  /** Addresses where the deliveries table and the sink disagree (must be 0). */
  tableMismatches: number;
  /** Deliveries still pending or sending at the end (must be 0). */
  open: number;
  failed: number;
  cancelled: number;
  /** Duplicates that carried the same Message-ID as the first copy (receivers can dedupe). */
  sameMessageId: boolean;
}

/**
 * Compare the sink with the database for one edition. `leftAt` holds addresses that left
 * during the trial, with the moment it was acknowledged: mail accepted after that is forbidden.
 */
export async function checkEdition(
  db: Db,
  sink: ChaosSink,
  edition: string,
  leftAt: Map<string, number> = new Map(),
): Promise<TrialCheck> {
  const readers = await sql<{ id: number; email: string; ok: boolean }>`
    select s.id, s.email,
           (s.status = 'active' and not exists (select 1 from suppressions x
                                                where lower(x.email) = lower(s.email))) as ok
    from subscribers s where s.source = 'chaos'`.execute(db);
  const rows = await sql<{ subscriber_id: number; status: string }>`
    select subscriber_id, status from deliveries where edition_date = ${edition}`.execute(db);
  const statusOf = new Map(rows.rows.map((r) => [r.subscriber_id, r.status]));
  const got = sink.digestsOf(edition);
  const check: TrialCheck = {
    expected: 0,
    received: 0,
    lost: 0,
    duplicated: 0,
    forbidden: 0,
    tableMismatches: 0,
    open: rows.rows.filter((r) => r.status === "pending" || r.status === "sending").length,
    failed: rows.rows.filter((r) => r.status === "failed").length,
    cancelled: rows.rows.filter((r) => r.status === "cancelled").length,
    sameMessageId: true,
  };
  for (const r of readers.rows) {
    const mails = got.get(r.email) ?? [];
    check.received += mails.length;
    check.duplicated += Math.max(0, mails.length - 1);
    if (new Set(mails.map((m) => m.messageId)).size > 1) check.sameMessageId = false;
    const left = leftAt.get(r.email);
    if (left !== undefined) {
      if (mails.some((m) => m.at > left)) check.forbidden++;
    } else if (r.ok) {
      check.expected++;
      if (mails.length === 0) check.lost++;
    } else if (mails.length > 0) {
      check.forbidden++;
    }
    if ((statusOf.get(r.id) === "sent") !== mails.length > 0) check.tableMismatches++;
  }
  return check;
}

/** Deliveries of one edition by status. */
export async function editionStatus(db: Db, edition: string): Promise<Record<string, number>> {
  const { rows } = await sql<{ status: string; n: number }>`
    select status, count(*)::int as n from deliveries where edition_date = ${edition}
    group by status`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
