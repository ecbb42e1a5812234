import type { Worker } from "bullmq";
import { ingestJobHandlers } from "../papers/jobs.ts";
import type { Deps } from "../platform/deps.ts";
import { type JobHandlers, startWorkers } from "../platform/queues.ts";
import { upsertSchedules } from "./schedules.ts";

/** Every job's handler; startWorkers refuses to boot if one is missing. */
export function jobHandlers(deps: Deps): JobHandlers {
  return {
    ...ingestJobHandlers(deps),
  } as JobHandlers;
}

export async function startWorker(deps: Deps): Promise<Worker[]> {
  const workers = startWorkers(jobHandlers(deps), {
    connection: deps.redis,
    prefix: deps.config.REDIS_PREFIX,
    options: {
      send: {
        concurrency: deps.config.SEND_CONCURRENCY,
        ...(deps.config.SEND_RATE_PER_SECOND > 0
          ? { limiter: { max: deps.config.SEND_RATE_PER_SECOND, duration: 1000 } }
          : {}),
      },
    },
  });
  await upsertSchedules(deps.queues, deps.config);
  return workers;
}
