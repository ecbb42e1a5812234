import type { JobsOptions } from "bullmq";
import { recentEditions } from "../papers/repository.ts";
import { utcDate } from "../platform/clock.ts";
import type { Config } from "../platform/config.ts";
import type { Deps } from "../platform/deps.ts";
import { jobQueue } from "../platform/queues.ts";
import { timeZoneOrUtc } from "../subscribers/timezone.ts";
import { completeEditionAt, dueSlot, dueToday, isPaused } from "./due.ts";
import {
  activeScheduleGroups,
  type DueGroup,
  deadClaimOwners,
  dueCandidates,
  ensureStatistics,
  insertDeliveries,
  maxSubscriberId,
  type PlannedDelivery,
  pendingDeliveries,
  releaseDeadClaims,
  undeliveredReaders,
} from "./repository.ts";

/** Deliveries per send job: big enough to amortise claims and lookups, small enough to retry. */
const SEND_BATCH_SIZE = 200;
/**
 * How long a claim without an owner (made before liveness existed) holds before it is presumed
 * dead. Claims with an owner are released when their process is gone, at once, and never while
 * it lives (see releaseDeadClaims). Renewed per message.
 */
export const LEASE_MS = 5 * 60_000;
/**
 * How often a running worker looks for claims of dead processes. It takes them over once their
 * owner has been seen gone for RECLAIM_GRACE_MS (two looks in a row), so a live process that lost
 * its lock connection for a moment (a Postgres restart) and locked again is left alone: a dead
 * worker's claims go out again 15–30 s after its death.
 */
export const RECLAIM_EVERY_MS = 15_000;
export const RECLAIM_GRACE_MS = 10_000;

/**
 * Looks for dead processes (see RECLAIM_EVERY_MS): each call reclaims the claims of owners seen
 * gone, continuously, for at least `graceMs`. Claims without an owner still go by their lease.
 */
export function confirmedReclaimer(
  deps: Deps,
  graceMs = RECLAIM_GRACE_MS,
): () => Promise<Omit<RecoveryResult, "orphans">> {
  let goneSince = new Map<number, number>();
  return async () => {
    const dead = await deadClaimOwners(deps.db);
    const now = Date.now();
    goneSince = new Map(dead.map((owner) => [owner, goneSince.get(owner) ?? now]));
    const confirmed = dead.filter((owner) => now - goneSince.get(owner)! >= graceMs);
    return reclaimDeadClaims(deps, deps.clock.now(), confirmed);
  };
}

/** A delivery planned before this instant is stale: its failures are no longer retried. */
export function staleBefore(config: Pick<Config, "DELIVERY_STALE_HOURS">, now: Date): Date {
  return new Date(now.getTime() - config.DELIVERY_STALE_HOURS * 3_600_000);
}
/** A pending row older than this, while the send queue is idle, has lost its job. */
const ORPHAN_AFTER_MS = 5 * 60_000;
/** Subscribers read per planner query. */
const PAGE_SIZE = 2000;

/** With a rate limit, a batch is at most one second's worth, so the limiter can pace batches. */
export function sendBatchSize(config: Pick<Config, "SEND_RATE_PER_SECOND">): number {
  const rate = config.SEND_RATE_PER_SECOND;
  return rate > 0 ? Math.min(SEND_BATCH_SIZE, rate) : SEND_BATCH_SIZE;
}

/** Infrastructure errors (database down) are retried by BullMQ; SMTP outcomes by send.ts. */
const SEND_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: "exponential", delay: 2_000, jitter: 0.5 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
};

/**
 * Enqueue one send job per batch of deliveries. The job id is derived from the rows (kind,
 * edition, first id), so enqueueing the same rows again adds nothing while the job exists;
 * and even when it does, claiming is atomic, so a second job finds nothing to send.
 */
export async function enqueueSendBatches(
  deps: Pick<Deps, "queues" | "config">,
  deliveries: PlannedDelivery[],
  kind: string,
  delayMs = 0,
): Promise<number> {
  const size = sendBatchSize(deps.config);
  const jobs = [];
  for (let i = 0; i < deliveries.length; i += size) {
    const batch = deliveries.slice(i, i + size);
    const first = batch[0]!;
    jobs.push({
      name: "send-deliveries" as const,
      data: { deliveryIds: batch.map((d) => d.id) },
      opts: {
        ...SEND_JOB_OPTIONS,
        jobId: `${kind}_${first.edition_date}_${first.id}`,
        ...(delayMs > 0 ? { delay: delayMs } : {}),
      },
    });
  }
  const queue = deps.queues[jobQueue["send-deliveries"]];
  for (let i = 0; i < jobs.length; i += 500) await queue.addBulk(jobs.slice(i, i + 500));
  return jobs.length;
}

export interface RecoveryResult {
  /** Claims of dead processes (or past their lease), back to pending and re-enqueued. */
  released: number;
  /** Of those, messages that had been handed to SMTP: a resend may duplicate them. */
  possibleDuplicates: number;
  /** Given up: the digest was stale (DELIVERY_STALE_HOURS after it was planned). */
  failed: number;
  /** Pending rows whose job was lost (e.g. Redis lost data), re-enqueued. */
  orphans: number;
}

/**
 * Claims of processes that are gone (their liveness lock is free), or past their lease, go back
 * to pending and are enqueued again: if the message never reached SMTP a resend is safe; if it
 * did, the outcome is unknown and we resend anyway (a possible duplicate with the same
 * Message-ID beats a lost digest), logging it. See docs/DELIVERY.md.
 */
export async function reclaimDeadClaims(
  deps: Deps,
  now: Date,
  owners?: number[],
): Promise<Omit<RecoveryResult, "orphans">> {
  const released = await releaseDeadClaims(deps.db, now, staleBefore(deps.config, now), owners);
  const retry = released.filter((r) => r.status === "pending");
  const possibleDuplicates = released.filter((r) => r.handed_off && r.status === "pending");
  const failed = released.length - retry.length;
  for (const r of released.filter((r) => r.handed_off)) {
    deps.logger.warn(
      { deliveryId: r.id, edition: r.edition_date, resend: r.status === "pending" },
      "claim lost after hand-off to SMTP: outcome unknown, resending (possible duplicate)",
    );
  }
  if (released.length > 0) {
    deps.logger.warn(
      { released: retry.length, failed },
      "released claims of dead processes (or past their lease)",
    );
    deps.metrics.deliveries.inc({ status: "failed" }, failed);
  }
  await enqueueSendBatches(deps, retry, `recover${now.getTime()}`);
  return { released: retry.length, possibleDuplicates: possibleDuplicates.length, failed };
}

/** Reclaim dead claims (above), then re-enqueue pending deliveries whose job was lost. */
export async function recoverDeliveries(deps: Deps, now: Date): Promise<RecoveryResult> {
  const reclaimed = await reclaimDeadClaims(deps, now);
  let orphans = 0;
  const counts = await deps.queues[jobQueue["send-deliveries"]].getJobCounts(
    "waiting",
    "active",
    "delayed",
    "prioritized",
    "waiting-children",
  );
  if (Object.values(counts).every((n) => n === 0)) {
    const updatedBefore = new Date(now.getTime() - ORPHAN_AFTER_MS);
    for (let afterId = 0; ; ) {
      const page = await pendingDeliveries(deps.db, { updatedBefore, afterId, limit: PAGE_SIZE });
      if (page.length === 0) break;
      await enqueueSendBatches(deps, page, `orphan${now.getTime()}`);
      orphans += page.length;
      afterId = page[page.length - 1]!.id;
    }
    if (orphans > 0) deps.logger.warn({ orphans }, "re-enqueued pending deliveries without a job");
  }
  return { ...reclaimed, orphans };
}

export interface PlanResult extends RecoveryResult {
  /** Delivery rows created by this run. */
  planned: number;
  /** Send jobs enqueued for them. */
  jobs: number;
  editions: string[];
}

/**
 * The scheduler tick: recover open deliveries, then create a delivery for every reader whose
 * hour has come (see dueSlot) and enqueue their send jobs. Streams readers in keyset pages;
 * idempotent (a second tick or a concurrent planner creates nothing).
 */
export async function planDeliveries(
  deps: Deps,
  now: Date = deps.clock.now(),
): Promise<PlanResult> {
  const recovery = await recoverDeliveries(deps, now);
  await ensureStatistics(deps.db);
  const cutoff = deps.config.EDITION_CUTOFF_HOUR_UTC;
  const editions = await recentEditions(deps.db, utcDate(now));
  const groups: DueGroup[] = [];
  for (const g of await activeScheduleGroups(deps.db)) {
    const schedule = {
      timezone: timeZoneOrUtc(g.timezone),
      sendHour: g.send_hour,
      frequency: g.frequency,
      weeklyDay: g.weekly_day,
    };
    const slot = dueSlot(schedule, now, cutoff, editions);
    if (slot) groups.push({ ...g, edition: slot.edition, local_date: slot.localDate });
  }

  let planned = 0;
  let jobs = 0;
  const plannedEditions = new Set<string>();
  // Fixed id ranges, not "the next N rows": each page is one index range scan, whatever the
  // table statistics say (a freshly imported list has none yet).
  const maxId = groups.length > 0 ? await maxSubscriberId(deps.db) : 0;
  for (let afterId = 0; afterId < maxId; afterId += PAGE_SIZE) {
    const page = await dueCandidates(deps.db, groups, afterId, afterId + PAGE_SIZE);
    const due = page.filter((c) => !isPaused(c.paused_until, c.local_date));
    const inserted = await insertDeliveries(deps.db, due, now);
    planned += inserted.length;
    for (const d of inserted) plannedEditions.add(d.edition_date);
    jobs += await enqueueSendBatches(deps, inserted, "send");
  }
  if (planned > 0) {
    deps.logger.info({ planned, jobs, editions: [...plannedEditions] }, "planned deliveries");
  }
  return { ...recovery, planned, jobs, editions: [...plannedEditions] };
}

/** The edition `paperboy digest` sends by default: the latest complete one now. */
export async function currentEdition(deps: Deps, now: Date): Promise<string | null> {
  const editions = await recentEditions(deps.db, utcDate(now));
  return completeEditionAt(now, deps.config.EDITION_CUTOFF_HOUR_UTC, editions);
}

/**
 * On demand (`paperboy digest`): a delivery of `edition` for every active reader, whatever their
 * hour: daily readers, weekly readers whose local weekday is today, none who paused.
 * Returns how many rows it created (none on a second run).
 */
export async function planEdition(
  deps: Deps,
  edition: string,
  now: Date = deps.clock.now(),
): Promise<number> {
  let created = 0;
  await ensureStatistics(deps.db);
  for (let afterId = 0; ; ) {
    const page = await undeliveredReaders(deps.db, edition, afterId, PAGE_SIZE);
    if (page.length === 0) break;
    afterId = page[page.length - 1]!.subscriber_id;
    const due = page.filter((r) =>
      dueToday(
        {
          timezone: timeZoneOrUtc(r.timezone),
          frequency: r.frequency,
          weeklyDay: r.weekly_day,
          pausedUntil: r.paused_until,
        },
        now,
      ),
    );
    const rows = due.map((r) => ({ subscriber_id: r.subscriber_id, edition }));
    created += (await insertDeliveries(deps.db, rows, now)).length;
    if (page.length < PAGE_SIZE) break;
  }
  return created;
}
