import { createHmac, randomUUID } from "node:crypto";
import { type Job, type JobsOptions, UnrecoverableError } from "bullmq";
import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import { enqueue, type JobHandlers, type Queues } from "./queues.ts";
import type { WebhookEvent, WebhookEventType } from "./webhook-event.ts";

/**
 * Outgoing webhooks: every URL in WEBHOOK_URLS receives each event as JSON, signed the way
 * Stripe does it: `Paperboy-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
 * with WEBHOOK_SECRET. An event becomes one `send-webhook` job per URL, so a slow or failing
 * receiver is retried on its own and never holds up a request. Events carry subscriber ids,
 * never addresses or tokens.
 */

export const SIGNATURE_HEADER = "Paperboy-Signature";

/** The header value for `body` signed at `unixSeconds` (pure). */
export function signWebhook(secret: string, unixSeconds: number, body: string): string {
  const v1 = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${v1}`;
}

/** 1, 2, 4 … 256 s between tries (about 8.5 minutes of receiver trouble is absorbed). */
export const WEBHOOK_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
};

const TIMEOUT_MS = 10_000;

type EmitDeps = { config: Pick<Config, "WEBHOOK_URLS">; clock: Clock; logger: Logger };

/**
 * Queue `type` for every receiver. Never throws (a lost webhook must not fail the change it
 * reports); `id` makes a repeated emit of the same fact a no-op while its jobs are kept.
 */
export async function emitWebhook(
  deps: EmitDeps,
  /** The queues to use, or how to get them (so a process without receivers connects nothing). */
  queues: Queues | (() => Queues),
  type: WebhookEventType,
  data: Record<string, unknown>,
  id: string = randomUUID(),
): Promise<void> {
  const urls = deps.config.WEBHOOK_URLS;
  if (urls.length === 0) return;
  const event: WebhookEvent = { id, type, created_at: deps.clock.now().toISOString(), data };
  try {
    const target = typeof queues === "function" ? queues() : queues;
    await Promise.all(
      urls.map((url, i) =>
        enqueue(
          target,
          "send-webhook",
          { url, event },
          { ...WEBHOOK_JOB_OPTIONS, jobId: `${id}-${i}` },
        ),
      ),
    );
  } catch (error) {
    deps.logger.warn({ type, err: (error as Error).message }, "webhook not queued");
  }
}

type SendDeps = { config: Pick<Config, "WEBHOOK_SECRET">; logger: Logger };

/** POST the event; a 2xx is done, anything else throws for BullMQ to retry (4xx but 408/429: no). */
async function sendWebhook(deps: SendDeps, url: string, event: WebhookEvent, job: Job) {
  const body = JSON.stringify(event);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "Paperboy-Webhooks/1",
  };
  if (deps.config.WEBHOOK_SECRET) {
    headers[SIGNATURE_HEADER] = signWebhook(
      deps.config.WEBHOOK_SECRET,
      Math.floor(Date.now() / 1000),
      body,
    );
  }
  const log = { type: event.type, eventId: event.id, receiver: new URL(url).origin };
  const attempt = job.attemptsMade + 1;
  let status: number;
  try {
    const res = await fetch(url, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    status = res.status;
    await res.body?.cancel();
  } catch (error) {
    deps.logger.warn({ ...log, attempt, err: (error as Error).message }, "webhook failed");
    throw error;
  }
  if (status >= 200 && status < 300) return { status };
  deps.logger.warn({ ...log, attempt, status }, "webhook refused");
  const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
  const reason = `receiver answered ${status}`;
  throw permanent ? new UnrecoverableError(reason) : new Error(reason);
}

export function webhookJobHandlers(deps: SendDeps): Pick<JobHandlers, "send-webhook"> {
  return { "send-webhook": (data, job) => sendWebhook(deps, data.url, data.event, job) };
}
