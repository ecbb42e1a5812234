import { pingDb } from "../../platform/db/index.ts";
import type { Deps } from "../../platform/deps.ts";
import { pingRedis } from "../../platform/redis.ts";
import type { WebRoutes } from "../context.ts";

/** Liveness, readiness (Postgres and Redis) and Prometheus metrics. */
export const healthRoutes: WebRoutes = async (app, { deps }) => {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_req, reply) => {
    const [postgres, redis] = await Promise.all([pingDb(deps.db), pingRedis(deps.redis)]);
    const failing = [!postgres && "postgres", !redis && "redis"].filter(Boolean);
    reply.code(failing.length ? 503 : 200);
    return {
      status: failing.length ? "unavailable" : "ok",
      checks: { postgres: postgres ? "ok" : "down", redis: redis ? "ok" : "down" },
      ...(failing.length ? { failing } : {}),
    };
  });

  app.get("/metrics", async (_req, reply) => {
    await refreshQueueGauges(deps);
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
};

/**
 * Queue state lives in Redis, so it is read at scrape time: depths per queue and state, and
 * whether the send queue is paused (by whichever worker saw the failures).
 */
async function refreshQueueGauges(deps: Deps): Promise<void> {
  const depths = Object.entries(deps.queues).map(async ([name, queue]) => {
    const counts = await queue.getJobCounts("waiting", "active", "delayed", "failed");
    for (const [state, n] of Object.entries(counts)) {
      deps.metrics.queueDepth.set({ queue: name, state }, n);
    }
  });
  const paused = deps.queues.send.isPaused().then((yes) => {
    deps.metrics.sendQueuePaused.set(yes ? 1 : 0);
  });
  // Redis down: keep the last values; /readyz reports the outage.
  await Promise.allSettled([...depths, paused]);
}
