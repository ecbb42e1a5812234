import type { FastifyInstance } from "fastify";
import { pingDb } from "../db/index.ts";
import type { Deps } from "../deps.ts";
import { pingRedis } from "../redis.ts";

/** Liveness, readiness (Postgres and Redis) and Prometheus metrics. */
export async function healthRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
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
    await refreshQueueDepths(deps);
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}

async function refreshQueueDepths(deps: Deps): Promise<void> {
  await Promise.all(
    Object.entries(deps.queues).map(async ([name, queue]) => {
      try {
        const counts = await queue.getJobCounts("waiting", "active", "delayed", "failed");
        for (const [state, n] of Object.entries(counts)) {
          deps.metrics.queueDepth.set({ queue: name, state }, n);
        }
      } catch {
        // Redis down: keep the last values; /readyz reports the outage.
      }
    }),
  );
}
