import type { Worker } from "bullmq";
import { deliveryJobHandlers } from "../delivery/jobs.ts";
import { sendBatchSize } from "../delivery/plan.ts";
import type { SenderOptions } from "../delivery/send.ts";
import { learnJobHandlers } from "../digests/learn.ts";
import { ingestJobHandlers } from "../papers/jobs.ts";
import type { Deps } from "../platform/deps.ts";
import { type JobHandlers, startWorkers } from "../platform/queues.ts";
import { subscriberJobHandlers } from "../subscribers/transactional.ts";
import { upsertSchedules } from "./schedules.ts";

/** Every job's handler; startWorkers refuses to boot if one is missing. */
export function jobHandlers(deps: Deps, delivery: SenderOptions = {}): JobHandlers {
  return {
    ...ingestJobHandlers(deps),
    ...deliveryJobHandlers(deps, delivery),
    ...subscriberJobHandlers(deps),
    ...learnJobHandlers(deps),
  };
}

export async function startWorker(deps: Deps): Promise<Worker[]> {
  const workers = startWorkers(jobHandlers(deps), {
    connection: deps.redis,
    prefix: deps.config.REDIS_PREFIX,
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
  return workers;
}
