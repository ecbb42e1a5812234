import type { Deps } from "../platform/deps.ts";
import { announceSettledEditions } from "./announce.ts";
import { planEdition, recoverDeliveries, sendBatchSize } from "./plan.ts";
import { editionCounts, type PlannedDelivery, pendingDeliveries } from "./repository.ts";
import { createDeliverySender } from "./send.ts";

export interface EditionProgress {
  /** Deliveries of this edition waiting when the run started. */
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
}

/**
 * The whole edition now, in this process (`paperboy digest`): release expired claims, create a
 * delivery for every reader who should get it (see planEdition), then send every pending one
 * in batches, retrying transient failures in the foreground. Running it again sends nothing new.
 */
export async function deliverEdition(
  deps: Deps,
  edition: string,
  onProgress: (p: EditionProgress) => void = () => {},
  options: { retryBaseMs?: number } = {},
): Promise<EditionRun> {
  const now = deps.clock.now();
  const recovery = await recoverDeliveries(deps, now);
  const planned = await planEdition(deps, edition, now);
  const sender = createDeliverySender(deps, { retryBaseMs: options.retryBaseMs ?? 1_000 });
  const batchSize = sendBatchSize(deps.config);
  const rate = deps.config.SEND_RATE_PER_SECOND;
  const pending = (await editionCounts(deps.db, edition)).pending ?? 0;
  const progress: EditionProgress = {
    total: pending,
    sent: 0,
    skipped: 0,
    failed: 0,
    cancelled: 0,
    retrying: 0,
  };
  onProgress(progress);

  const started = Date.now();
  let handled = 0;
  for (;;) {
    let retryDelayMs = 0;
    let retried = 0;
    for (let afterId = 0; ; ) {
      // Four batches at a time keep the SMTP pool busy while the next batch is composed.
      const page = await pendingDeliveries(deps.db, { edition, afterId, limit: batchSize * 4 });
      if (page.length === 0) break;
      afterId = page[page.length - 1]!.id;
      const batches: PlannedDelivery[][] = [];
      for (let i = 0; i < page.length; i += batchSize) batches.push(page.slice(i, i + batchSize));
      const outcomes = await Promise.all(batches.map((b) => sender.sendBatch(b.map((d) => d.id))));
      for (const o of outcomes) {
        progress.sent += o.sent;
        progress.skipped += o.skipped;
        progress.failed += o.failed;
        progress.cancelled += o.cancelled;
        retried += o.retry.length;
        if (o.retry.length) retryDelayMs = Math.max(retryDelayMs, o.retryDelayMs);
        handled += o.sent + o.skipped + o.failed + o.cancelled;
      }
      progress.retrying = retried;
      onProgress(progress);
      if (rate > 0) {
        // SEND_RATE_PER_SECOND holds here too: wait until the messages so far are due.
        const wait = (handled / rate) * 1000 - (Date.now() - started);
        if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
      }
    }
    if (retried === 0) break;
    await new Promise((ok) => setTimeout(ok, retryDelayMs));
  }
  progress.retrying = 0;
  onProgress(progress);
  await announceSettledEditions(deps, [edition]);
  return {
    ...progress,
    edition,
    planned,
    recovered: recovery.released,
    final: await editionCounts(deps.db, edition),
  };
}
