import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import pLimit, { type LimitFunction } from "p-limit";
import pRetry from "p-retry";
import { createDigestComposer } from "../digests/compose.ts";
import { cachedEditionPapers, type EditionPapersSource } from "../digests/edition.ts";
import { digestInputs } from "../digests/reader-digest.ts";
import type { ComposeInput, DigestComposer } from "../digests/types.ts";
import type { Deps } from "../platform/deps.ts";
import { createGroupCommit } from "../platform/group-commit.ts";
import type { SendFailure } from "../platform/smtp/errors.ts";
import type { SendResult } from "../platform/smtp/transport.ts";
import { recordEvents } from "../subscribers/repository.ts";
import { suppress } from "../subscribers/service.ts";
import { type SendBreaker, sendQueueBreaker } from "./breaker.ts";
import { LEASE_MS, staleBefore } from "./plan.ts";
import {
  type ClaimedDelivery,
  claimDeliveries,
  markHandOffs,
  markSent,
  type PlannedDelivery,
  releaseOwnLostClaims,
  releaseUnsent,
  type SentMark,
  settleClaims,
} from "./repository.ts";
import { type Payload, Transmitter } from "./transmit.ts";

export interface SenderOptions {
  /** Builds the digest composer on first use (default: the real one). */
  loadComposer?: () => Promise<DigestComposer>;
  /** Delay before the first retry of a transient failure; doubles per attempt (with jitter). */
  retryBaseMs?: number;
  /** How long the send queue stays paused after a failure streak (default breaker only). */
  pauseCooldownMs?: number;
  /** Told of every SMTP outcome; pauses sending on a failure streak (default: the send queue's). */
  breaker?: SendBreaker;
  /** Messages per hand-off check (default 2 × SEND_CONCURRENCY, at least 8). */
  handOffChunk?: number;
}

export interface BatchOutcome {
  sent: number;
  skipped: number;
  failed: number;
  cancelled: number;
  /** Deliveries back to pending after a transient failure, to send again after `retryDelayMs`. */
  retry: PlannedDelivery[];
  retryDelayMs: number;
  /** The lowest claim count of the retried deliveries, which names their retry job. */
  retryAttempt: number;
  /** The fewest send failures among the retried deliveries, which sets the backoff. */
  retryFailures: number;
  /** Claims handed back unsent because the process is stopping: to send again at once. */
  released: PlannedDelivery[];
  /**
   * The longest time from a hand-off check to the SMTP answer of the last message it cleared
   * (ms): the bound on "left, and still got this digest".
   */
  handOffWindowMs: number;
}

export function emptyOutcome(): BatchOutcome {
  return {
    sent: 0,
    skipped: 0,
    failed: 0,
    cancelled: 0,
    retry: [],
    retryDelayMs: 0,
    retryAttempt: 0,
    retryFailures: 0,
    released: [],
    handOffWindowMs: 0,
  };
}

/** A claimed delivery and what its reader gets (undefined: the reader is gone). */
export interface ReaderInput {
  claim: ClaimedDelivery;
  input: ComposeInput | undefined;
}

/** A message ready for SMTP (its MIME built), plus what its 'sent' mark records. */
export interface ReadyMessage {
  claim: ClaimedDelivery;
  to: string;
  messageId: string;
  paperIds: string[];
  payload: Payload;
}

const PAPERS_TTL_MS = 60_000;
/** Digests composed between two turns of the event loop. */
const YIELD_EVERY = 8;
const MAX_RETRY_DELAY_MS = 30 * 60_000;

/** Exponential backoff with jitter: base·2^(failures-1), capped, times a random 0.5–1. */
export function retryDelay(baseMs: number, failures: number, random = Math.random()): number {
  const delay = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  return Math.round(delay * (0.5 + random / 2));
}

/** Run an idempotent statement through database errors (a restart): 0.25 s, 0.5 s, … ≤ 5 s apart. */
function retryDb<T>(fn: () => Promise<T>, tries: number): Promise<T> {
  return pRetry(fn, { retries: tries - 1, minTimeout: 250, factor: 2, maxTimeout: 5_000 });
}

/**
 * The send side of delivery, one per process. A batch goes claim → compose → (per chunk of
 * messages) hand-off check → transmit → record; each step is a method of its own. The SMTP
 * transport (SEND_CONCURRENCY connections) is shared by all batches of the process.
 */
export class DeliverySender {
  /**
   * Messages between "handed to SMTP" and their committed 'sent' mark, per process: at most
   * SEND_CONCURRENCY, which bounds what a crash can duplicate (docs/DELIVERY.md).
   */
  private readonly window: LimitFunction;
  private readonly transmitter: Transmitter;
  private readonly chunk: number;
  private readonly breaker: SendBreaker;
  private readonly editionPapers: EditionPapersSource;
  private readonly retryBaseMs: number;
  private composer: Promise<DigestComposer> | null = null;
  private stopping = false;
  /** Claims a running batch of this process is working on (see releaseLostClaims). */
  private readonly working = new Set<number>();

  /**
   * The SMTP server has the message: record it. This commit closes the only window in which a
   * crash can cause a duplicate, so a database hiccup is retried for a while, not given up on.
   * Marks of messages accepted while a commit is running share the next one (group commit).
   */
  private readonly commitSent = createGroupCommit<SentMark>((marks) =>
    retryDb(() => markSent(this.deps.db, marks, this.deps.clock.now()), 20),
  );

  constructor(
    private readonly deps: Deps,
    private readonly options: SenderOptions = {},
  ) {
    const concurrency = Math.max(1, deps.config.SEND_CONCURRENCY);
    this.window = pLimit(concurrency);
    this.transmitter = new Transmitter(deps);
    this.chunk = options.handOffChunk ?? Math.max(8, 2 * concurrency);
    this.breaker = options.breaker ?? sendQueueBreaker(deps, options.pauseCooldownMs);
    this.editionPapers = cachedEditionPapers(deps.db, PAPERS_TTL_MS);
    this.retryBaseMs = options.retryBaseMs ?? 30_000;
  }

  /**
   * Graceful stop: no new claims, no new hand-offs. Messages already handed to SMTP finish and
   * are recorded; every other claim of the running batches goes back to pending (`released`),
   * for another worker to send at once, not after a lease.
   */
  stop(): void {
    this.stopping = true;
  }

  /** Claim, compose and send one batch of deliveries. */
  async sendBatch(ids: number[]): Promise<BatchOutcome> {
    const outcome = emptyOutcome();
    if (this.stopping) {
      outcome.released = await this.pendingOf(ids);
      return outcome;
    }
    const held = await this.claim(ids, outcome);
    if (held.length === 0) return outcome;
    for (const c of held) this.working.add(c.id);
    try {
      await this.sendAll(await this.inputsOf(held), outcome);
    } catch (err) {
      // The batch failed (the database went away): give back what was not handed to SMTP, so
      // the job's retry finds it pending. A failure here is caught by releaseLostClaims.
      const now = this.deps.clock.now();
      await releaseUnsent(this.deps.db, held, now).catch(() => {});
      throw err;
    } finally {
      for (const c of held) this.working.delete(c.id);
    }
    if (outcome.retry.length > 0) {
      outcome.retryDelayMs = retryDelay(this.retryBaseMs, outcome.retryFailures);
    }
    return outcome;
  }

  /**
   * This process's claims that no batch works on any more and that have not moved for a minute
   * go back to pending (their jobs re-enqueued by the caller): a live process's claims are never
   * taken by others, so it must not leave any behind.
   */
  async releaseLostClaims(): Promise<PlannedDelivery[]> {
    const owner = await this.deps.session.id();
    const now = this.deps.clock.now();
    const lost = await releaseOwnLostClaims(
      this.deps.db,
      owner,
      [...this.working],
      new Date(now.getTime() - 60_000),
      now,
    );
    for (const r of lost.filter((r) => r.handed_off)) {
      this.deps.logger.warn(
        { deliveryId: r.id, edition: r.edition_date },
        "own claim lost after hand-off to SMTP: outcome unknown, resending (possible duplicate)",
      );
    }
    return lost;
  }

  /** The ids among `ids` still pending (a batch a stopping process will not claim). */
  private async pendingOf(ids: number[]): Promise<PlannedDelivery[]> {
    if (ids.length === 0) return [];
    return this.deps.db
      .selectFrom("deliveries")
      .select(["id", sql<string>`edition_date::text`.as("edition_date")])
      .where("id", "in", ids)
      .where("status", "=", "pending")
      .orderBy("id")
      .execute();
  }

  /**
   * Step 1: claim the batch in one statement (attempts + 1 fences every later update). The
   * claims of readers who may no longer be mailed come back cancelled. Returns the held ones.
   */
  async claim(ids: number[], outcome: BatchOutcome): Promise<ClaimedDelivery[]> {
    const owner = await this.deps.session.id();
    const now = this.deps.clock.now();
    const claims = await claimDeliveries(this.deps.db, ids, now, this.leaseFrom(now), owner);
    await this.finish(
      outcome,
      "cancelled",
      claims.filter((c) => c.status === "cancelled"),
    );
    return claims.filter((c) => c.status === "sending");
  }

  /**
   * Step 2: what each reader gets (digestInputs), composed to a ready message. A reader with
   * nothing to send is skipped; a digest that cannot be composed fails its delivery, never
   * silently: logged with the reason and the subscriber id, counted in
   * paperboy_compose_failures_total, and the rest of the batch goes on. (A batch's sendAll
   * loads the inputs once and composes a chunk at a time, see composeChunk.)
   */
  async compose(held: ClaimedDelivery[], outcome: BatchOutcome): Promise<ReadyMessage[]> {
    return this.composeChunk(await this.inputsOf(held), outcome);
  }

  /** What each claimed reader gets (three queries for the batch), in claim order. */
  async inputsOf(held: ClaimedDelivery[]): Promise<ReaderInput[]> {
    const requests = held.map((c) => ({
      subscriberId: c.subscriber_id,
      editionDate: c.edition_date,
    }));
    const inputs = await digestInputs(this.deps.db, requests, this.editionPapers);
    return held.map((claim, i) => ({ claim, input: inputs[i] }));
  }

  /**
   * Compose a chunk's digests and build their MIME, just before its hand-off check: a digest
   * and its message live for a chunk's sending time, not a batch's, so the process holds a few
   * chunks' messages (their memory reused, message-buffers.ts) and its per-reader garbage dies
   * young instead of piling up in the old generation until a full collection (worker RSS).
   */
  async composeChunk(
    chunk: ReaderInput[],
    outcome: BatchOutcome,
    /** Collects the readers with nothing to send, for the caller to settle (else settled here). */
    skippedOut?: ClaimedDelivery[],
  ): Promise<ReadyMessage[]> {
    const composer = await this.loadComposer();
    const ready: ReadyMessage[] = [];
    const skipped = skippedOut ?? [];
    const broken: { claim: ClaimedDelivery; reason: string }[] = [];
    for (const [i, { claim, input }] of chunk.entries()) {
      // Let other batches' messages go out meanwhile: a chunk composed in one go would hold
      // the event loop for its whole length, inside their hand-off window.
      if (i > 0 && i % YIELD_EVERY === 0) await new Promise((ok) => setImmediate(ok));
      const log = { deliveryId: claim.id, subscriberId: claim.subscriber_id };
      if (!input) {
        this.deps.logger.warn({ ...log, reason: "reader not found" }, "composing a digest failed");
        broken.push({ claim, reason: "reader not found" });
        continue;
      }
      try {
        const message = await this.composeOne(composer, claim, input);
        if (message === null) skipped.push(claim);
        else ready.push(message);
      } catch (err) {
        const reason = (err instanceof Error ? err.message : String(err)).slice(0, 300);
        this.deps.logger.error({ ...log, err, reason }, "composing a digest failed");
        broken.push({ claim, reason });
      }
    }
    if (!skippedOut) await this.settle(outcome, "skipped", skipped);
    for (const { claim, reason } of broken) {
      this.deps.metrics.composeFailures.inc();
      await this.settle(outcome, "failed", [claim], `could not compose the digest: ${reason}`);
    }
    return ready;
  }

  /** One reader's digest as a message prepared for SMTP; null when there is nothing to send. */
  private async composeOne(
    composer: DigestComposer,
    claim: ClaimedDelivery,
    input: ComposeInput,
  ): Promise<ReadyMessage | null> {
    const digest = composer.compose(input);
    if (digest === null) return null;
    const to = input.subscriber.email;
    const payload = await this.transmitter.payload(to, digest, this.deps.clock.now());
    return { claim, to, messageId: digest.messageId, paperIds: digest.paperIds, payload };
  }

  /**
   * Steps 3 to 5, a chunk at a time: one hand-off check for the chunk, its messages to SMTP,
   * each recorded on its answer. The next chunk is checked once this one is nearly out, so the
   * time between a reader's check and their message stays a chunk's sending time while the
   * transport never runs dry. A hand-off check that keeps failing (the database is away) ends
   * the batch after the messages already handed over are recorded.
   */
  private async sendAll(readers: ReaderInput[], outcome: BatchOutcome): Promise<void> {
    const recorded: Promise<void>[] = [];
    const skipped: ClaimedDelivery[] = [];
    let failure: unknown = null;
    for (let i = 0; i < readers.length && failure === null; i += this.chunk) {
      if (this.stopping) {
        await this.handBack(readers.slice(i), outcome);
        break;
      }
      const chunk = await this.composeChunk(readers.slice(i, i + this.chunk), outcome, skipped);
      const checkedAt = performance.now();
      const cleared = await this.handOff(chunk, outcome).catch((err) => {
        failure = err;
        return [] as ReadyMessage[];
      });
      const answered = cleared.map((m) =>
        this.window(async () => {
          const result = await this.transmit(m);
          const windowMs = performance.now() - checkedAt;
          outcome.handOffWindowMs = Math.max(outcome.handOffWindowMs, windowMs);
          await this.record(m, result, outcome);
        }),
      );
      recorded.push(...answered);
      await settledAllBut(answered, this.deps.config.SEND_CONCURRENCY);
    }
    await Promise.all(recorded);
    if (failure !== null) throw failure; // the skipped go back to pending with the rest
    // One statement for the batch's readers with nothing to send, not one per chunk.
    await this.settle(outcome, "skipped", skipped);
  }

  /** Stopping: give unsent claims back (pending, not a failure) for another worker. */
  private async handBack(
    messages: { claim: ClaimedDelivery }[],
    outcome: BatchOutcome,
  ): Promise<void> {
    const claims = messages.map((m) => m.claim);
    const mine = await retryDb(
      () => settleClaims(this.deps.db, claims, "pending", this.deps.clock.now()),
      5,
    ).catch(() => [] as number[]); // the database is away: released when this process is gone
    const released = new Set(mine);
    for (const c of claims) {
      if (released.has(c.id)) outcome.released.push({ id: c.id, edition_date: c.edition_date });
    }
  }

  /**
   * Step 3: the last check before SMTP, one statement for the chunk: each claim is still ours
   * (same attempts) and its reader may still be mailed. Records the Message-IDs. Returns the messages to send; the others are cancelled. Throws when the database
   * stays unreachable (the batch's unsent claims then go back to pending).
   */
  async handOff(messages: ReadyMessage[], outcome: BatchOutcome): Promise<ReadyMessage[]> {
    if (messages.length === 0) return [];
    const now = this.deps.clock.now();
    const rows = messages.map((m) => ({ ...m.claim, messageId: m.messageId }));
    // Idempotent, so a dropped connection (Postgres restart) is simply tried again.
    const owner = await this.deps.session.id();
    const { ownerAlive, ids } = await retryDb(
      () => markHandOffs(this.deps.db, rows, now, owner),
      5,
    );
    // Our liveness lock was lost (its connection cut): the claims may be someone else's now.
    if (!ownerAlive) throw new Error("liveness session lost: sending stops until it is back");
    const cleared = new Set(ids);
    // The reader left or was suppressed since the claim, or the claim is no longer ours.
    const refused = messages.filter((m) => !cleared.has(m.claim.id));
    // Never handed to SMTP: their memory may take later messages.
    for (const m of refused) this.transmitter.release(m.payload);
    await this.settle(
      outcome,
      "cancelled",
      refused.map((m) => m.claim),
    );
    return messages.filter((m) => cleared.has(m.claim.id));
  }

  /** Step 4: hand the message to SMTP; resolves with the server's answer. */
  transmit(message: ReadyMessage): Promise<SendResult> {
    return this.transmitter.send(message.to, message.payload);
  }

  /** Step 5: record the server's answer. */
  async record(message: ReadyMessage, result: SendResult, outcome: BatchOutcome): Promise<void> {
    if (result.ok) {
      this.transmitter.release(message.payload);
      return this.recordSent(message, outcome);
    }
    if (result.outcomeUnknown) {
      this.deps.logger.warn(
        { deliveryId: message.claim.id, subscriberId: message.claim.subscriber_id },
        "no answer after the whole message was sent: retrying (possible duplicate)",
      );
    }
    return this.recordFailure(message, result.failure, outcome);
  }

  /** Step 5, accepted: mark it sent with the papers it carried (group commit). */
  async recordSent(message: ReadyMessage, outcome: BatchOutcome): Promise<void> {
    const { claim, messageId, paperIds } = message;
    try {
      await this.commitSent({ deliveryId: claim.id, messageId, paperIds });
    } catch (err) {
      this.deps.logger.error({ err, deliveryId: claim.id }, "could not record a sent digest");
    }
    this.breaker.succeeded();
    outcome.sent++;
    this.deps.metrics.deliveries.inc({ status: "sent" });
    this.deps.metrics.mailsSent.inc({ kind: "digest" });
  }

  /**
   * Step 5, refused: a 5xx to the recipient suppresses the address (hard bounce); anything else
   * (4xx, timeout, refused or dropped connection) goes back to pending for a retry with backoff,
   * until the digest is stale (DELIVERY_STALE_HOURS after it was planned).
   */
  async recordFailure(
    message: ReadyMessage,
    failure: SendFailure,
    outcome: BatchOutcome,
  ): Promise<void> {
    const { claim } = message;
    const now = this.deps.clock.now();
    const log = { deliveryId: claim.id, subscriberId: claim.subscriber_id, code: failure.code };
    const { logger } = this.deps;
    if (failure.kind === "permanent") {
      logger.warn({ ...log, reason: failure.reason }, "hard bounce: address suppressed");
      await suppress(this.deps, this.deps.queues, message.to, "hard_bounce", failure.reason);
      await this.settle(outcome, "failed", [claim], failure.reason, { bounce: true });
    } else if (claim.created_at < staleBefore(this.deps.config, now)) {
      logger.warn({ ...log, reason: failure.reason }, "giving up on a stale delivery");
      await this.settle(outcome, "failed", [claim], `gave up (stale): ${failure.reason}`);
    } else {
      logger.info({ ...log, reason: failure.reason }, "transient send failure; will retry");
      const mine = await settleClaims(this.deps.db, [claim], "pending", now, failure.reason, true);
      if (mine.length) this.addRetry(outcome, claim);
    }
    await this.breaker.failed();
  }

  private addRetry(outcome: BatchOutcome, claim: ClaimedDelivery): void {
    const first = outcome.retry.length === 0;
    outcome.retry.push({ id: claim.id, edition_date: claim.edition_date });
    const failures = claim.send_failures + 1;
    outcome.retryAttempt = first ? claim.attempts : Math.min(outcome.retryAttempt, claim.attempts);
    outcome.retryFailures = first ? failures : Math.min(outcome.retryFailures, failures);
  }

  /** Put claims still held into a final state, then count and log the ones that were ours. */
  private async settle(
    outcome: BatchOutcome,
    status: "skipped" | "failed" | "cancelled",
    claims: ClaimedDelivery[],
    error: string | null = null,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    if (claims.length === 0) return;
    const now = this.deps.clock.now();
    const mine = new Set(await settleClaims(this.deps.db, claims, status, now, error));
    await this.finish(
      outcome,
      status,
      claims.filter((c) => mine.has(c.id)),
      extra,
    );
  }

  /** Count claims that reached a final state, in the outcome, metrics and the event log. */
  private async finish(
    outcome: BatchOutcome,
    status: "skipped" | "failed" | "cancelled",
    claims: ClaimedDelivery[],
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    if (claims.length === 0) return;
    outcome[status] += claims.length;
    this.deps.metrics.deliveries.inc({ status }, claims.length);
    const events = claims.map((c) => ({
      type: `digest.${status}`,
      subscriberId: c.subscriber_id,
      data: { deliveryId: c.id, edition: c.edition_date, ...extra },
    }));
    await recordEvents(this.deps.db, events, this.deps.clock.now());
  }

  private leaseFrom(now: Date): Date {
    return new Date(now.getTime() + LEASE_MS);
  }

  /** The composer, built on first use; a failed build is tried again with the next batch. */
  private loadComposer(): Promise<DigestComposer> {
    if (!this.composer) {
      const load = this.options.loadComposer ?? (() => createDigestComposer(this.deps));
      this.composer = load();
      this.composer.catch(() => {
        this.composer = null;
      });
    }
    return this.composer;
  }
}

/** Resolves once all but `left` of the promises have settled (at once when that is none). */
function settledAllBut(promises: Promise<unknown>[], left: number): Promise<void> {
  const needed = promises.length - left;
  if (needed <= 0) return Promise.resolve();
  return new Promise((ok) => {
    let settled = 0;
    const one = () => {
      if (++settled === needed) ok();
    };
    for (const p of promises) p.then(one, one);
  });
}

export function createDeliverySender(deps: Deps, options: SenderOptions = {}): DeliverySender {
  return new DeliverySender(deps, options);
}
