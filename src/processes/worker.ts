import type { Worker } from "bullmq";
import { deliveryJobHandlers } from "../delivery/jobs.ts";
import {
  confirmedReclaimer,
  enqueueSendBatches,
  RECLAIM_EVERY_MS,
  sendBatchSize,
} from "../delivery/plan.ts";
import { createDeliverySender, type DeliverySender, type SenderOptions } from "../delivery/send.ts";
import { learnJobHandlers } from "../digests/learn.ts";
import { ingestJobHandlers } from "../papers/jobs.ts";
import type { Deps } from "../platform/deps.ts";
import { type JobHandlers, startWorkers } from "../platform/queues.ts";
import { webhookJobHandlers } from "../platform/webhooks.ts";
import { subscriberJobHandlers } from "../subscribers/transactional.ts";
import { upsertSchedules } from "./schedules.ts";

/** Every job's handler; startWorkers refuses to boot if one is missing. */
export function jobHandlers(
  deps: Deps,
  delivery: SenderOptions = {},
  sender?: DeliverySender,
): JobHandlers {
  return {
    ...ingestJobHandlers(deps),
    ...deliveryJobHandlers(deps, delivery, sender),
    ...subscriberJobHandlers(deps),
    ...webhookJobHandlers(deps),
    ...learnJobHandlers(deps),
  };
}

export interface RunningWorker {
  workers: Worker[];
  /**
   * Graceful stop: take no more jobs; messages already in SMTP finish and are recorded; every
   * other claim goes back to pending and is enqueued for another worker at once.
   */
  stop(): Promise<void>;
}

/**
 * Look for claims of dead processes now and every RECLAIM_EVERY_MS, so a crashed worker's
 * batches go out again within seconds (not after its lease). Returns the stop function.
 */
function reclaimEvery(deps: Deps, sender: DeliverySender, ms: number): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const reclaimDead = confirmedReclaimer(deps);
  const reclaim = async () => {
    await reclaimDead();
    const lost = await sender.releaseLostClaims();
    await enqueueSendBatches(deps, lost, `lost${Date.now()}`);
  };
  const tick = () => {
    running = reclaim().catch((err) =>
      deps.logger.warn({ err }, "could not look for claims of dead processes"),
    );
  };
  tick();
  const timer = setInterval(tick, ms);
  return async () => {
    clearInterval(timer);
    await running;
  };
}

export async function startWorker(deps: Deps): Promise<RunningWorker> {
  const sender = createDeliverySender(deps);
  await deps.session.id(); // hold the liveness lock before the first claim (fail fast if not)
  const workers = startWorkers(jobHandlers(deps, {}, sender), {
    connection: deps.redis,
    prefix: deps.config.REDIS_PREFIX,
    logger: deps.logger,
    options: {
      // Confirmation and welcome mails: one at a time per pooled SMTP connection.
      mail: { concurrency: Math.max(1, deps.config.SEND_CONCURRENCY) },
      // A send job is a batch; its messages share SEND_CONCURRENCY SMTP connections. Two batches
      // at once keep the pool busy while the next one is claimed and composed.
      send: {
        concurrency: 2,
        // The limiter counts jobs: pace batches so messages stay under SEND_RATE_PER_SECOND.
        ...(deps.config.SEND_RATE_PER_SECOND > 0
          ? {
              limiter: {
                max: 1,
                duration: Math.ceil(
                  (1000 * sendBatchSize(deps.config)) / deps.config.SEND_RATE_PER_SECOND,
                ),
              },
            }
          : {}),
      },
    },
  });
  await upsertSchedules(deps.queues, deps.config);
  const stopReclaiming = reclaimEvery(deps, sender, RECLAIM_EVERY_MS);
  return {
    workers,
    async stop() {
      sender.stop();
      await stopReclaiming();
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
