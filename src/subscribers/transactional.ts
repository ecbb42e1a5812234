import { type Job, type JobsOptions, UnrecoverableError } from "bullmq";
import type { Redis } from "ioredis";
import { listTopics } from "../papers/repository.ts";
import type { Deps } from "../platform/deps.ts";
import { type JobHandlers, type JobPayloads, jobQueue } from "../platform/queues.ts";
import { classifySendError } from "../platform/smtp/errors.ts";
import { loadSubscriberMails, type SubscriberMails, sendTransactional } from "./mails.ts";
import {
  findMailRecipient,
  getPreferences,
  markConfirmationMailed,
  releaseConfirmationSlot,
  unmarkConfirmationMailed,
} from "./repository.ts";
import { confirmLink, subscriberLinks } from "./tokens.ts";

/**
 * Confirmation, welcome and links mails leave the request: the request records state and enqueues,
 * a worker renders from the subscriber's row at send time (signing the link then) and sends,
 * retrying transient SMTP failures with backoff.
 */

export type TransactionalJob = JobPayloads["send-transactional"];

/** 2, 4, 8, 16, 32 s (±50 %) between tries: about a minute of relay trouble is absorbed. */
const TRANSACTIONAL_JOB_OPTIONS: JobsOptions = {
  attempts: 6,
  backoff: { type: "exponential", delay: 2_000, jitter: 0.5 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
};

type MailDeps = Pick<Deps, "db" | "mailer" | "metrics" | "clock" | "config">;

/**
 * Send the mail if it still applies to the reader as they are now: never to a suppressed
 * address, a confirmation only for the current claim of a pending or unsubscribed reader, a
 * welcome or links mail only to an active one.
 */
async function sendTransactionalJob(
  deps: MailDeps,
  mails: SubscriberMails,
  job: TransactionalJob,
): Promise<"sent" | "skipped"> {
  const reader = await findMailRecipient(deps.db, job.subscriberId);
  if (!reader || reader.suppressed) return "skipped";
  const { PUBLIC_URL, APP_SECRET } = deps.config;
  if (job.kind === "confirmation") {
    const current = reader.confirmation_sent_at?.toISOString() === job.claimedAt;
    if (!current || !["pending", "unsubscribed"].includes(reader.status)) return "skipped";
    // One mail per claim, whoever sends it (see migrations/0008_confirmation_mailed.ts).
    const claim = new Date(job.claimedAt);
    if (!(await markConfirmationMailed(deps.db, reader.id, claim))) return "skipped";
    const link = confirmLink(PUBLIC_URL, APP_SECRET, reader, deps.clock.now());
    try {
      await sendTransactional(
        deps,
        "confirmation",
        reader.id,
        mails.confirmation(reader.email, link),
      );
    } catch (error) {
      await unmarkConfirmationMailed(deps.db, reader.id, claim);
      throw error;
    }
    return "sent";
  }
  if (reader.status !== "active") return "skipped";
  const links = subscriberLinks(PUBLIC_URL, APP_SECRET, reader);
  if (job.kind === "links") {
    await sendTransactional(deps, "links", reader.id, mails.links(reader.email, links));
    return "sent";
  }
  const [prefs, topics] = await Promise.all([
    getPreferences(deps.db, reader.id),
    listTopics(deps.db),
  ]);
  const names = new Map(topics.map((t) => [t.slug, t.name]));
  const mail = mails.welcome(
    reader.email,
    links,
    prefs!,
    prefs!.topics.map((t) => names.get(t) ?? t),
  );
  await sendTransactional(deps, "welcome", reader.id, mail);
  return "sent";
}

/** A confirmation that will not go out gives its slot back, so the reader can retry at once. */
async function giveUp(deps: MailDeps, job: TransactionalJob): Promise<void> {
  if (job.kind === "confirmation") {
    await releaseConfirmationSlot(deps.db, job.subscriberId, new Date(job.claimedAt));
  }
}

/** A group's mails as one job: retried alone, its mails not yet queued are queued then. */
const FAN_OUT_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
};

type TransactionalHandlers = Pick<JobHandlers, "send-transactional" | "queue-transactional">;

export function subscriberJobHandlers(deps: Deps): TransactionalHandlers {
  let mails: Promise<SubscriberMails> | undefined;
  return {
    // Each mail's job id derives from the group's, so a retried group queues no mail twice.
    "queue-transactional": async (data, job: Job) => {
      await deps.queues[jobQueue["send-transactional"]].addBulk(
        data.jobs.map((mail, i) => ({
          name: "send-transactional",
          data: mail,
          opts: { ...TRANSACTIONAL_JOB_OPTIONS, jobId: `group${job.id}-${i}` },
        })),
      );
    },
    "send-transactional": async (data, job: Job) => {
      mails ??= loadSubscriberMails();
      try {
        return await sendTransactionalJob(deps, await mails, data);
      } catch (error) {
        const failure = classifySendError(error);
        const last =
          failure.kind === "permanent" || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        deps.logger.warn(
          { subscriberId: data.subscriberId, kind: data.kind, attempt: job.attemptsMade + 1, last },
          `${data.kind} mail failed: ${failure.reason}`,
        );
        if (last) await giveUp(deps, data);
        throw failure.kind === "permanent" ? new UnrecoverableError(failure.reason) : error;
      }
    },
  };
}

export interface TransactionalDispatch {
  /** Hand a mail to the workers; resolves once it is queued (or, see below, scheduled here). */
  dispatch(job: TransactionalJob): Promise<void>;
  /** Several at once: one job for a group of subscribes, which a worker fans out. */
  dispatchMany(jobs: TransactionalJob[]): Promise<void>;
  /** Wait for mails sent from this process (the queue connection is the caller's). */
  close(): Promise<void>;
}

/**
 * The request side. It enqueues on the deps' fail-fast connection: while Redis is unreachable
 * the mail is sent from this process after the answer (one try, as before the queue existed),
 * so a reader never waits on an outage and still gets their link.
 */
export async function createTransactionalDispatch(deps: Deps): Promise<TransactionalDispatch> {
  const mails = await loadSubscriberMails();
  const { redis, queues } = deps.requestSide();
  const name = "send-transactional";
  const queue = queues[jobQueue[name]];
  // Give the connection a moment at boot, so the first requests use the queue when Redis is up.
  await untilReady(redis, 1_000);
  const inflight = new Set<Promise<void>>();
  const sendHere = (job: TransactionalJob) => {
    const run = sendTransactionalJob(deps, mails, job)
      .then(() => {})
      .catch(async (error) => {
        await giveUp(deps, job).catch(() => {});
        deps.logger.error(
          { subscriberId: job.subscriberId, err: classifySendError(error).reason },
          `${job.kind} mail failed`,
        );
      })
      .finally(() => inflight.delete(run));
    inflight.add(run);
  };
  const dispatch = async (job: TransactionalJob) => {
    if (redis.status === "ready") {
      try {
        await queue.add(name, job, TRANSACTIONAL_JOB_OPTIONS);
        return;
      } catch (error) {
        deps.logger.warn(
          { subscriberId: job.subscriberId, err: (error as Error).message },
          "mail queue unreachable: sending from the server",
        );
      }
    }
    sendHere(job);
  };
  return {
    dispatch,
    async dispatchMany(jobs) {
      if (jobs.length === 1) return dispatch(jobs[0]!);
      if (redis.status === "ready") {
        try {
          // One job for the group: adding hundreds of jobs here would hold up requests.
          await queue.add("queue-transactional", { jobs }, FAN_OUT_JOB_OPTIONS);
          return;
        } catch (error) {
          deps.logger.warn(
            { jobs: jobs.length, err: (error as Error).message },
            "mail queue unreachable: sending from the server",
          );
        }
      }
      for (const job of jobs) sendHere(job);
    },
    async close() {
      await Promise.allSettled([...inflight]);
    },
  };
}

function untilReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise<void>((ok) => {
    const timer = setTimeout(ok, timeoutMs);
    redis.once("ready", () => {
      clearTimeout(timer);
      ok();
    });
  });
}
