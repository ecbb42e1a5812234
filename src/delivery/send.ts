import { performance } from "node:perf_hooks";
import { createDigestComposer } from "../digests/compose.ts";
import { loadEditionPapers } from "../digests/edition.ts";
import type { ComposedDigest, DigestComposer } from "../digests/types.ts";
import type { EditionPaper } from "../papers/repository.ts";
import type { Frequency } from "../platform/db/schema.ts";
import type { Deps } from "../platform/deps.ts";
import type { OutgoingMail, RawMail } from "../platform/mailer.ts";
import { composeInputFor } from "./compose-input.ts";
import { createGroupCommit } from "./group-commit.ts";
import { createDigestMimeBuilder, mimeCanAddress } from "./mime.ts";
import { LEASE_MS, MAX_ATTEMPTS } from "./plan.ts";
import {
  alreadySentPapers,
  type ClaimedDelivery,
  claimDeliveries,
  markHandOff,
  markSent,
  type PlannedDelivery,
  type ReaderContext,
  readerContexts,
  recordDeliveryEvents,
  type SentMark,
  settleClaims,
  suppressAddress,
} from "./repository.ts";
import { createSemaphore } from "./semaphore.ts";
import { classifySendError } from "./smtp-errors.ts";

export interface SenderOptions {
  /** Builds the digest composer on first use (default: the real one). */
  loadComposer?: () => Promise<DigestComposer>;
  /** Delay before the first retry of a transient failure; doubles per attempt (with jitter). */
  retryBaseMs?: number;
  /** How long the send queue stays paused after a failure streak before it resumes itself. */
  pauseCooldownMs?: number;
}

export interface BatchOutcome {
  sent: number;
  skipped: number;
  failed: number;
  cancelled: number;
  /** Deliveries back to pending after a transient failure, to send again after `retryDelayMs`. */
  retry: PlannedDelivery[];
  retryDelayMs: number;
  /** The claim count of the retried deliveries, which names their retry job. */
  retryAttempt: number;
}

const PAPERS_TTL_MS = 60_000;
/** A failure streak pauses the send queue for this long (see noteFailure). */
const PAUSE_COOLDOWN_MS = 60_000;
const MAX_RETRY_DELAY_MS = 30 * 60_000;

/** Exponential backoff with jitter: base·2^(attempt-1), capped, times a random 0.5–1. */
export function retryDelay(baseMs: number, attempt: number, random = Math.random()): number {
  const delay = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(delay * (0.5 + random / 2));
}

/** Run an idempotent statement, retrying database errors with a growing pause (≤ 5 s). */
async function retryDb<T>(fn: () => Promise<T>, tries: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= tries) throw err;
      await new Promise((ok) => setTimeout(ok, Math.min(5_000, 250 * attempt)));
    }
  }
}

/**
 * The send side of delivery, one per process: it shares the SMTP concurrency (SEND_CONCURRENCY,
 * the pool size) across concurrent batches and counts consecutive failures to pause the queue.
 */
export function createDeliverySender(deps: Deps, options: SenderOptions = {}) {
  const { db, clock, logger, metrics, config } = deps;
  const retryBaseMs = options.retryBaseMs ?? 30_000;
  let composer: Promise<DigestComposer> | null = null;
  const getComposer = () => {
    if (!composer) {
      composer = (options.loadComposer ?? (() => createDigestComposer(deps)))();
      composer.catch(() => {
        composer = null; // try again with the next batch
      });
    }
    return composer;
  };
  // The edition's papers are the same for every reader; within a minute, read them once.
  const papersCache = new Map<string, { at: number; papers: Promise<EditionPaper[]> }>();
  const editionPapers = (edition: string, frequency: Frequency) => {
    const key = `${edition}/${frequency}`;
    const hit = papersCache.get(key);
    if (hit && Date.now() - hit.at < PAPERS_TTL_MS) return hit.papers;
    const papers = loadEditionPapers(db, edition, frequency);
    papers.catch(() => papersCache.delete(key));
    papersCache.set(key, { at: Date.now(), papers });
    return papers;
  };
  const withSmtpSlot = createSemaphore(Math.max(1, config.SEND_CONCURRENCY));
  const buildMime = createDigestMimeBuilder(config.MAIL_FROM);
  let failureStreak = 0;
  const pauseCooldownMs = options.pauseCooldownMs ?? PAUSE_COOLDOWN_MS;

  async function noteFailure(): Promise<void> {
    failureStreak++;
    if (failureStreak < config.SEND_FAILURE_PAUSE_THRESHOLD) return;
    failureStreak = 0;
    await deps.queues.send.pause();
    metrics.sendQueuePaused.set(1);
    logger.error(
      { threshold: config.SEND_FAILURE_PAUSE_THRESHOLD, cooldownMs: pauseCooldownMs },
      "send queue paused after consecutive send failures; it resumes after the cool-down (or from /admin/queues)",
    );
    // A relay outage ends by itself; delivery must not wait for a human. If SMTP still fails,
    // the next streak pauses again.
    setTimeout(() => {
      deps.queues.send
        .resume()
        .then(() => {
          metrics.sendQueuePaused.set(0);
          logger.warn("send queue resumed after the cool-down");
        })
        .catch((err) => logger.error({ err }, "could not resume the send queue"));
    }, pauseCooldownMs).unref();
  }

  /** Claim, compose and send one batch of deliveries. */
  async function sendBatch(ids: number[]): Promise<BatchOutcome> {
    const outcome: BatchOutcome = {
      sent: 0,
      skipped: 0,
      failed: 0,
      cancelled: 0,
      retry: [],
      retryDelayMs: 0,
      retryAttempt: 0,
    };
    const now = clock.now();
    const claims = await claimDeliveries(db, ids, now, new Date(now.getTime() + LEASE_MS));
    const cancelled = claims.filter((c) => c.status === "cancelled");
    await finish(outcome, "cancelled", cancelled, now);
    const held = claims.filter((c) => c.status === "sending");
    if (held.length === 0) return outcome;

    const digests = await composeAll(held);
    const skipped = held.filter((c) => digests.get(c.id) === null);
    await settleClaims(db, skipped, "skipped", now);
    await finish(outcome, "skipped", skipped, now);
    const broken = held.filter((c) => !digests.has(c.id));
    await settleClaims(db, broken, "failed", now, "could not compose the digest");
    await finish(outcome, "failed", broken, now);

    const toSend = held.filter((c) => digests.get(c.id));
    await Promise.all(
      toSend.map((claim) => {
        const message = digests.get(claim.id)!;
        return withSmtpSlot(() => sendOne(claim, message, outcome));
      }),
    );
    if (outcome.retry.length > 0) {
      const retried = new Set(outcome.retry.map((r) => r.id));
      outcome.retryAttempt = Math.min(
        ...toSend.filter((c) => retried.has(c.id)).map((c) => c.attempts),
      );
      outcome.retryDelayMs = retryDelay(retryBaseMs, outcome.retryAttempt);
    }
    return outcome;
  }

  /** A message ready for SMTP, plus what its 'sent' mark records. */
  type Prepared = {
    email: string;
    messageId: string;
    paperIds: string[];
    mail: OutgoingMail | RawMail;
  };
  type Composed = Prepared | null;

  /**
   * Prebuilt MIME is ~5× cheaper than sendMail's generic encoder; nodemailer handles the rare
   * non-ASCII address (SMTPUTF8, punycode) through the structured path. Built at compose time,
   * so a batch waiting for SMTP slots holds compact off-heap bytes rather than HTML strings
   * (which outlived young-generation GC and were promoted: a third of the worker's GC work).
   */
  function prepare(digest: ComposedDigest, email: string): Prepared {
    const { messageId, paperIds } = digest;
    const mail = mimeCanAddress(email)
      ? { to: email, raw: buildMime({ to: email, ...digest, date: clock.now() }), messageId }
      : { to: email, ...digest };
    return { email, messageId, paperIds, mail };
  }

  /** Composed digest per delivery id; null = nothing to send; missing = composing failed. */
  async function composeAll(held: ClaimedDelivery[]): Promise<Map<number, Composed>> {
    const contexts = new Map<number, ReaderContext>(
      (
        await readerContexts(
          db,
          held.map((c) => c.subscriber_id),
        )
      ).map((r) => [r.id, r]),
    );
    const papersByClaim = new Map<number, EditionPaper[]>();
    for (const claim of held) {
      const reader = contexts.get(claim.subscriber_id);
      if (reader) {
        papersByClaim.set(claim.id, await editionPapers(claim.edition_date, reader.frequency));
      }
    }
    const allPaperIds = new Set([...papersByClaim.values()].flat().map((p) => p.id));
    const sent = await alreadySentPapers(db, [...contexts.keys()], [...allPaperIds]);
    const compose = await getComposer();
    const result = new Map<number, Composed>();
    for (const claim of held) {
      const reader = contexts.get(claim.subscriber_id);
      if (!reader) continue;
      try {
        const digest = compose.compose(
          composeInputFor(
            reader,
            claim.edition_date,
            papersByClaim.get(claim.id) ?? [],
            sent.get(reader.id) ?? new Set(),
          ),
        );
        result.set(claim.id, digest ? prepare(digest, reader.email) : null);
      } catch (err) {
        logger.error({ err, deliveryId: claim.id }, "composing a digest failed");
      }
    }
    return result;
  }

  /** Re-check, hand to SMTP, and record the outcome of one message. */
  async function sendOne(
    claim: ClaimedDelivery,
    message: Prepared,
    outcome: BatchOutcome,
  ): Promise<void> {
    const now = clock.now();
    let handedOff: boolean;
    try {
      // Idempotent, so a dropped connection (Postgres restart) is simply tried again.
      handedOff = await retryDb(
        () => markHandOff(db, claim, message.messageId, now, new Date(now.getTime() + LEASE_MS)),
        5,
      );
    } catch (err) {
      // The database stays unreachable: leave the claim to expire; the planner re-sends it.
      logger.error({ err, deliveryId: claim.id }, "could not check a delivery before sending");
      return;
    }
    if (!handedOff) {
      // The reader left or was suppressed since the claim, or the claim is no longer ours.
      const mine = await settleClaims(db, [claim], "cancelled", now);
      await finish(outcome, "cancelled", mine.length ? [claim] : [], now);
      return;
    }

    const started = performance.now();
    try {
      await deps.mailer.send(message.mail);
    } catch (err) {
      await onSendError(claim, message.email, err, outcome);
      return;
    }
    metrics.sendDuration.observe((performance.now() - started) / 1000);
    await persistSent(claim, message);
    failureStreak = 0;
    outcome.sent++;
    metrics.deliveries.inc({ status: "sent" });
    metrics.mailsSent.inc({ kind: "digest" });
  }

  /**
   * The SMTP server has the message: record it. This commit closes the only window in which a
   * crash can cause a duplicate, so a database hiccup is retried for a while, not given up on.
   * Marks of messages accepted while a commit is running share the next one (group commit);
   * each message keeps its SMTP slot until its mark has committed, so at most
   * SEND_CONCURRENCY messages per process are ever inside that window.
   */
  const commitSent = createGroupCommit<SentMark>((marks) =>
    retryDb(() => markSent(db, marks, clock.now()), 20),
  );

  async function persistSent(claim: ClaimedDelivery, message: Prepared): Promise<void> {
    try {
      await commitSent({
        deliveryId: claim.id,
        messageId: message.messageId,
        paperIds: message.paperIds,
      });
    } catch (err) {
      logger.error({ err, deliveryId: claim.id }, "could not record a sent digest");
    }
  }

  async function onSendError(
    claim: ClaimedDelivery,
    email: string,
    err: unknown,
    outcome: BatchOutcome,
  ): Promise<void> {
    const failure = classifySendError(err);
    const now = clock.now();
    const log = { deliveryId: claim.id, subscriberId: claim.subscriber_id, code: failure.code };
    if (failure.kind === "permanent") {
      logger.warn({ ...log, reason: failure.reason }, "hard bounce: address suppressed");
      await settleClaims(db, [claim], "failed", now, failure.reason);
      await suppressAddress(db, email, "hard_bounce", failure.reason, now);
      await finish(outcome, "failed", [claim], now, { bounce: true });
    } else if (claim.attempts >= MAX_ATTEMPTS) {
      logger.warn({ ...log, reason: failure.reason }, "giving up on a delivery after retries");
      await settleClaims(db, [claim], "failed", now, `gave up: ${failure.reason}`);
      await finish(outcome, "failed", [claim], now);
    } else {
      logger.info({ ...log, reason: failure.reason }, "transient send failure; will retry");
      const mine = await settleClaims(db, [claim], "pending", now, failure.reason);
      if (mine.length) outcome.retry.push({ id: claim.id, edition_date: claim.edition_date });
    }
    await noteFailure();
  }

  async function finish(
    outcome: BatchOutcome,
    status: "skipped" | "failed" | "cancelled",
    claims: ClaimedDelivery[],
    now: Date,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    if (claims.length === 0) return;
    outcome[status] += claims.length;
    metrics.deliveries.inc({ status }, claims.length);
    await recordDeliveryEvents(db, `digest.${status}`, claims, now, extra);
  }

  return { sendBatch };
}
