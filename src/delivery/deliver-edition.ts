import pLimit from "p-limit";
import type { Deps } from "../platform/deps.ts";
import { announceSettledEditions } from "./announce.ts";
import {
  confirmedReclaimer,
  enqueueSendBatches,
  planEdition,
  recoverDeliveries,
  sendBatchSize,
} from "./plan.ts";
import {
  editionCounts,
  type PlannedDelivery,
  pendingDeliveries,
  type UnfinishedDelivery,
  unfinishedDeliveries,
} from "./repository.ts";
import { createDeliverySender, type DeliverySender, retryDelay } from "./send.ts";

export interface EditionProgress {
  /** Deliveries of this edition handled by this run plus those still open. */
  total: number;
  sent: number;
  skipped: number;
  failed: number;
  cancelled: number;
  /** Back to pending after a transient failure; tried again in this run. */
  retrying: number;
}

export interface EditionRun extends EditionProgress {
  edition: string;
  /** Delivery rows created by this run (0 when the edition was planned before). */
  planned: number;
  /** Claims of crashed workers that were released and sent again. */
  recovered: number;
  /** Counts by status of the whole edition after the run. */
  final: Partial<Record<string, number>>;
  /** How many deliveries were still pending or sending when the run gave up waiting. */
  unfinished: number;
  /** The first of those (ids, reader ids and who holds them; never addresses). */
  unfinishedSample: UnfinishedDelivery[];
}

export interface EditionOptions {
  /** First retry delay of a transient failure (doubles per failure). */
  retryBaseMs?: number;
  /** How long to wait for unfinished deliveries (retries, other processes' claims). */
  waitMs?: number;
  /** How often to look again at deliveries other processes hold. */
  pollMs?: number;
}

/** One pass over the edition's pending deliveries, two batches at a time. */
async function sendPendingPass(
  deps: Deps,
  sender: DeliverySender,
  edition: string,
  progress: EditionProgress,
  pace: { started: number; handled: number },
  onProgress: (p: EditionProgress) => void,
): Promise<{ retried: number; failures: number }> {
  const batchSize = sendBatchSize(deps.config);
  const rate = deps.config.SEND_RATE_PER_SECOND;
  let retried = 0;
  let failures = Number.POSITIVE_INFINITY;
  for (let afterId = 0; ; ) {
    // Two batches at a time keep the SMTP transport busy while the next one is composed (as
    // the worker's two send jobs do); a page of eight keeps the pauses between pages rare.
    const page = await pendingDeliveries(deps.db, { edition, afterId, limit: batchSize * 8 });
    if (page.length === 0) break;
    afterId = page[page.length - 1]!.id;
    const batches: PlannedDelivery[][] = [];
    for (let i = 0; i < page.length; i += batchSize) batches.push(page.slice(i, i + batchSize));
    const lanes = pLimit(2);
    const outcomes = await Promise.all(
      batches.map((b) => lanes(() => sender.sendBatch(b.map((d) => d.id)))),
    );
    for (const o of outcomes) {
      progress.sent += o.sent;
      progress.skipped += o.skipped;
      progress.failed += o.failed;
      progress.cancelled += o.cancelled;
      retried += o.retry.length;
      if (o.retry.length) failures = Math.min(failures, o.retryFailures);
      pace.handled += o.sent + o.skipped + o.failed + o.cancelled;
    }
    progress.retrying = retried;
    onProgress(progress);
    if (rate > 0) {
      // SEND_RATE_PER_SECOND holds here too: wait until the messages so far are due.
      const wait = (pace.handled / rate) * 1000 - (Date.now() - pace.started);
      if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
    }
  }
  return { retried, failures: Number.isFinite(failures) ? failures : 0 };
}

const openOf = (counts: Partial<Record<string, number>>) =>
  (counts.pending ?? 0) + (counts.sending ?? 0);

/**
 * The whole edition now, in this process (`paperboy digest`): release the claims of dead
 * processes at once, create a delivery for every reader who should get it (see planEdition),
 * then send every pending one in batches. It waits (up to `waitMs`) until every delivery of the
 * edition is finished: its own transient failures are retried with backoff, claims held by live
 * workers are waited for, and claims of processes that die meanwhile are taken over. What is
 * still open after that is reported (`unfinished`) and left to the workers, which retry it
 * until it is stale. Running it again sends nothing new.
 */
export async function deliverEdition(
  deps: Deps,
  edition: string,
  onProgress: (p: EditionProgress) => void = () => {},
  options: EditionOptions = {},
): Promise<EditionRun> {
  const { retryBaseMs = 1_000, waitMs = 10 * 60_000, pollMs = 1_000 } = options;
  const now = deps.clock.now();
  const recovery = await recoverDeliveries(deps, now);
  const planned = await planEdition(deps, edition, now);
  const sender = createDeliverySender(deps, { retryBaseMs });
  const progress: EditionProgress = {
    total: openOf(await editionCounts(deps.db, edition)),
    sent: 0,
    skipped: 0,
    failed: 0,
    cancelled: 0,
    retrying: 0,
  };
  onProgress(progress);

  const pace = { started: Date.now(), handled: 0 };
  const reclaimDead = confirmedReclaimer(deps);
  const deadline = Date.now() + waitMs;
  let counts: Partial<Record<string, number>>;
  for (;;) {
    const { retried, failures } = await sendPendingPass(
      deps,
      sender,
      edition,
      progress,
      pace,
      onProgress,
    );
    counts = await editionCounts(deps.db, edition);
    progress.total = pace.handled + openOf(counts);
    onProgress(progress);
    if (openOf(counts) === 0 || Date.now() >= deadline) break;
    const pause = retried > 0 ? retryDelay(retryBaseMs, failures) : pollMs;
    await new Promise((ok) => setTimeout(ok, Math.min(pause, Math.max(0, deadline - Date.now()))));
    // A worker whose claims we wait for may have died meanwhile: take them over (once it has
    // been gone for 10 s); claims of ours that no batch works on any more go back to pending.
    await reclaimDead();
    await sender.releaseLostClaims();
  }
  progress.retrying = 0;
  onProgress(progress);
  const unfinished = openOf(counts);
  if (unfinished > 0) await handOverToWorkers(deps, edition);
  await announceSettledEditions(deps, [edition]);
  return {
    ...progress,
    edition,
    planned,
    recovered: recovery.released,
    final: counts,
    unfinished,
    unfinishedSample: unfinished > 0 ? await unfinishedDeliveries(deps.db, edition, 10) : [],
  };
}

/** Enqueue the edition's pending deliveries, for the workers to retry until they are stale. */
async function handOverToWorkers(deps: Deps, edition: string): Promise<void> {
  const at = Date.now();
  for (let afterId = 0; ; ) {
    const page = await pendingDeliveries(deps.db, { edition, afterId, limit: 2_000 });
    if (page.length === 0) break;
    await enqueueSendBatches(deps, page, `digest${at}`);
    afterId = page[page.length - 1]!.id;
  }
}
