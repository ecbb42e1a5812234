import type { Deps } from "../platform/deps.ts";
import { emitWebhook } from "../platform/webhooks.ts";
import { editionCounts, editionsOfDeliveries } from "./repository.ts";

/**
 * The `digest.sent` webhook: once an edition has nothing pending or sending, its counts go out.
 * Readers in later time zones reopen an edition, so each time it settles again the new totals
 * go out; the event id is made of the counts, so batches finishing together announce it once.
 */
export async function announceSettledEditions(deps: Deps, editions: string[]): Promise<void> {
  if (deps.config.WEBHOOK_URLS.length === 0) return;
  for (const edition of new Set(editions)) {
    const counts = await editionCounts(deps.db, edition);
    if ((counts.pending ?? 0) + (counts.sending ?? 0) > 0) continue;
    const data = {
      edition,
      sent: counts.sent ?? 0,
      skipped: counts.skipped ?? 0,
      failed: counts.failed ?? 0,
      cancelled: counts.cancelled ?? 0,
    };
    if (data.sent + data.skipped + data.failed + data.cancelled === 0) continue;
    const id = `digest.sent-${edition}-${data.sent}-${data.skipped}-${data.failed}-${data.cancelled}`;
    await emitWebhook(deps, deps.queues, "digest.sent", data, id);
  }
}

/** After a batch: announce the editions it belonged to if they are now settled. */
export async function announceAfterBatch(deps: Deps, deliveryIds: number[]): Promise<void> {
  if (deps.config.WEBHOOK_URLS.length === 0) return;
  await announceSettledEditions(deps, await editionsOfDeliveries(deps.db, deliveryIds));
}
