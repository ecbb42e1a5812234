import type { FastifyBaseLogger } from "fastify";

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
}

export function createBackground(logger: FastifyBaseLogger): Background {
  const running = new Set<Promise<unknown>>();
  return {
    run(what, work) {
      const task = Promise.resolve()
        .then(work)
        .catch((err) => logger.error({ err, work: what }, "background work failed"))
        .finally(() => running.delete(task));
      running.add(task);
    },
    size: () => running.size,
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
