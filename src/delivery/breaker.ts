import type { Deps } from "../platform/deps.ts";

/** What the sender reports of each SMTP outcome; the breaker decides when sending pauses. */
export interface SendBreaker {
  /** A message was accepted: any failure streak ends. */
  succeeded(): void;
  /** A message failed (after its outcome was recorded); may pause sending. */
  failed(): Promise<void>;
}

/** What a breaker pauses and resumes. */
export interface Pausable {
  pause(): Promise<void>;
  /** Must not throw: report its own failure. */
  resume(): Promise<void>;
}

/** A failure streak pauses the send queue for this long. */
export const PAUSE_COOLDOWN_MS = 60_000;

/**
 * Counts consecutive failures; the `threshold`-th pauses `target`, which resumes by itself after
 * `cooldownMs`: a relay outage ends on its own and delivery must not wait for a human. If SMTP
 * still fails then, the next streak pauses again.
 */
export function createFailureBreaker(
  target: Pausable,
  threshold: number,
  cooldownMs: number,
): SendBreaker {
  let streak = 0;
  return {
    succeeded() {
      streak = 0;
    },
    async failed() {
      streak++;
      if (streak < threshold) return;
      streak = 0;
      await target.pause();
      setTimeout(() => void target.resume(), cooldownMs).unref();
    },
  };
}

/** The breaker of the send queue (SEND_FAILURE_PAUSE_THRESHOLD), with its metric and logs. */
export function sendQueueBreaker(
  deps: Pick<Deps, "queues" | "metrics" | "logger" | "config">,
  cooldownMs = PAUSE_COOLDOWN_MS,
): SendBreaker {
  const { queues, metrics, logger, config } = deps;
  const threshold = config.SEND_FAILURE_PAUSE_THRESHOLD;
  const queue: Pausable = {
    async pause() {
      await queues.send.pause();
      metrics.sendQueuePaused.set(1);
      logger.error(
        { threshold, cooldownMs },
        "send queue paused after consecutive send failures; it resumes after the cool-down (or from /admin/queues)",
      );
    },
    async resume() {
      try {
        await queues.send.resume();
        metrics.sendQueuePaused.set(0);
        logger.warn("send queue resumed after the cool-down");
      } catch (err) {
        logger.error({ err }, "could not resume the send queue");
      }
    },
  };
  return createFailureBreaker(queue, threshold, cooldownMs);
}
