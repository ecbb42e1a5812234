import type { FastifyBaseLogger } from "fastify";
import { createRateWindow, type PaceState, paceSlot } from "./pace.ts";

/**
 * Work a request starts after its answer was sent (so the answer's timing cannot tell what the
 * work found). Failures are logged, never thrown; `idle()` waits for everything started, which
 * the server does on close (and tests do before they look at the database).
 */
export interface Background {
  run(what: string, work: () => Promise<unknown>): void;
  idle(): Promise<void>;
  /** Work started and not yet finished (a bound on it keeps an overload from eating memory). */
  size(): number;
  /**
   * Resolves when a new request may be answered (see pace.ts): at once while fewer than
   * `paceAbove` are unfinished, else in its turn at the rate work has been finishing; false
   * when that turn is too far away (the caller refuses the request).
   */
  admit(paceAbove: number): Promise<boolean>;
}

export function createBackground(logger: FastifyBaseLogger): Background {
  const running = new Set<Promise<unknown>>();
  const finished = createRateWindow();
  const pace: PaceState = { lastSlotMs: 0 };
  return {
    run(what, work) {
      const task = Promise.resolve()
        .then(work)
        .catch((err) => logger.error({ err, work: what }, "background work failed"))
        .finally(() => {
          running.delete(task);
          finished.add();
        });
      running.add(task);
    },
    size: () => running.size,
    async admit(paceAbove) {
      const now = performance.now();
      const slot = paceSlot(pace, now, running.size, paceAbove, finished.perSecond());
      if (slot === null) return false;
      if (slot > now) await new Promise((ok) => setTimeout(ok, slot - now));
      return true;
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
