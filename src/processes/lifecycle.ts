import type { Logger } from "../platform/logger.ts";

/**
 * Resolve when SIGINT/SIGTERM arrives, after running `stop` (bounded by `timeoutMs`, so
 * in-flight sends get time to finish but a stuck one cannot hold the process forever).
 */
export function untilSignal(
  logger: Logger,
  stop: () => Promise<void>,
  timeoutMs = 30_000,
): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "shutting down");
      const timer = setTimeout(() => {
        logger.error({ timeoutMs }, "shutdown timed out; exiting");
        resolve(1);
      }, timeoutMs);
      timer.unref();
      stop()
        .then(() => resolve(0))
        .catch((err) => {
          logger.error({ err }, "error during shutdown");
          resolve(1);
        })
        .finally(() => clearTimeout(timer));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });
}
