import { type Job, type JobsOptions, Queue, Worker, type WorkerOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "./logger.ts";
import type { WebhookEvent } from "./webhook-event.ts";

/**
 * Every background job, the queue it runs on and its payload. A worker refuses to boot unless
 * each job name here has a handler (see startWorkers), so a job can never sit unprocessed.
 */
export interface JobPayloads {
  /** Fetch and upsert today's Hugging Face Daily Papers (the list grows through the day). */
  "ingest-hf-today": Record<string, never>;
  /** Fetch today's arXiv listing of every ARXIV_CATEGORIES category (once a day). */
  "ingest-arxiv-today": Record<string, never>;
  /** Find due subscribers and fan out deliveries (the 15-minute scheduler tick). */
  "plan-deliveries": { at?: string };
  /** Render and send a batch of deliveries (ids of `deliveries` rows). */
  "send-deliveries": { deliveryIds: number[] };
  /** Render and send one transactional mail from the subscriber's row as it is at send time. */
  "send-transactional":
    | { kind: "confirmation"; subscriberId: number; claimedAt: string }
    | { kind: "welcome" | "links"; subscriberId: number };
  /**
   * Several transactional mails queued by a request's group commit as one job; the worker adds
   * each as its own send-transactional job (the server adds one job per group, not per mail).
   */
  "queue-transactional": { jobs: JobPayloads["send-transactional"][] };
  /** POST one event to one WEBHOOK_URLS receiver, signed at send time (see webhooks.ts). */
  "send-webhook": { url: string; event: WebhookEvent };
  /** Retrain one reader's relevance model from their votes (debounced after each vote). */
  "train-reader-model": { subscriberId: number };
}
export type JobName = keyof JobPayloads;

export const jobQueue = {
  "ingest-hf-today": "ingest",
  "ingest-arxiv-today": "ingest",
  "plan-deliveries": "plan",
  "send-deliveries": "send",
  // Its own queue, so a confirmation never waits behind a morning's digest batches.
  "send-transactional": "mail",
  "queue-transactional": "mail",
  "send-webhook": "webhooks",
  "train-reader-model": "learn",
} as const satisfies Record<JobName, string>;
export type QueueName = (typeof jobQueue)[JobName];
const queueNames = [...new Set(Object.values(jobQueue))] as QueueName[];

export type Queues = Record<QueueName, Queue>;

export function createQueues(connection: Redis, prefix: string): Queues {
  const entries = queueNames.map((name) => {
    const queue = new Queue(name, { connection, prefix });
    queue.on("error", () => {}); // reconnects are ioredis' job; don't crash on a Redis restart
    return [name, queue] as const;
  });
  return Object.fromEntries(entries) as Queues;
}

/** Add one job to the queue it belongs to. */
export function enqueue<N extends JobName>(
  queues: Queues,
  name: N,
  data: JobPayloads[N],
  opts?: JobsOptions,
): Promise<Job> {
  return queues[jobQueue[name]].add(name, data, opts);
}

export type JobHandlers = { [N in JobName]: (data: JobPayloads[N], job: Job) => Promise<unknown> };

export interface WorkerSettings {
  connection: Redis;
  prefix: string;
  /** Per-queue options (concurrency, limiter). */
  options?: Partial<Record<QueueName, Omit<WorkerOptions, "connection" | "prefix">>>;
  /** Told of every failed try: warn while BullMQ will retry, error once it gives up. */
  logger?: Pick<Logger, "warn" | "error">;
}

/** One BullMQ Worker per queue, dispatching by job name; throws if any job lacks a handler. */
export function startWorkers(handlers: JobHandlers, settings: WorkerSettings): Worker[] {
  const missing = (Object.keys(jobQueue) as JobName[]).filter(
    (name) => typeof handlers[name] !== "function",
  );
  if (missing.length > 0) throw new Error(`No handler for job(s): ${missing.join(", ")}`);
  return queueNames.map((queue) => {
    const worker = new Worker(
      queue,
      async (job) => {
        const handler = handlers[job.name as JobName] as (d: unknown, j: Job) => Promise<unknown>;
        if (jobQueue[job.name as JobName] !== queue || !handler) {
          throw new Error(`Unknown job ${job.name} on queue ${queue}`);
        }
        return handler(job.data, job);
      },
      { connection: settings.connection, prefix: settings.prefix, ...settings.options?.[queue] },
    );
    worker.on("error", () => {});
    const { logger } = settings;
    if (logger) worker.on("failed", (job, err) => logJobFailure(logger, queue, job, err));
    return worker;
  });
}

/** One line per failed try, with the job's name and the reason (no payload: it may hold ids only). */
export function logJobFailure(
  logger: Pick<Logger, "warn" | "error">,
  queue: string,
  job: Job | undefined,
  err: Error,
): void {
  const attempts = Math.max(1, job?.opts.attempts ?? 1);
  const attempt = job?.attemptsMade ?? 1;
  const final = attempt >= attempts || err.name === "UnrecoverableError";
  const fields = { queue, job: job?.name, jobId: job?.id, attempt, attempts, reason: err.message };
  if (final) logger.error(fields, `job ${job?.name ?? "?"} failed: ${err.message}`);
  else logger.warn(fields, `job ${job?.name ?? "?"} failed, will retry: ${err.message}`);
}
