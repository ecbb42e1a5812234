import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { deliveryStatusCounts } from "../../delivery/repository.ts";
import { paperCounts } from "../../papers/repository.ts";
import { pingDb } from "../../platform/db/index.ts";
import type { Deps } from "../../platform/deps.ts";
import { pingRedis } from "../../platform/redis.ts";
import { subscriberStatusCounts, transactionalMailCounts } from "../../subscribers/repository.ts";
import { requireAdmin } from "../auth.ts";
import type { WebRoutes } from "../context.ts";

/**
 * Liveness, readiness (Postgres and Redis) and Prometheus metrics. Metrics are the operator's
 * (queue depths move with each subscribe request): `Authorization: Bearer ADMIN_TOKEN` here,
 * or no token on the loopback listener of METRICS_PORT (metricsListener).
 */
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

  app.get("/metrics", { onRequest: requireAdmin(deps.config.ADMIN_TOKEN) }, async (_req, reply) =>
    sendMetrics(deps, reply),
  );
};

async function sendMetrics(deps: Deps, reply: FastifyReply) {
  await Promise.all([refreshQueueGauges(deps), refreshWorkCounts(deps)]);
  reply.type(deps.metrics.registry.contentType);
  return deps.metrics.registry.metrics();
}

/**
 * With METRICS_PORT, a second listener on 127.0.0.1 serves /metrics without a token (only
 * this machine can reach it); anything else there is a bare 404. Undefined without it.
 */
export async function metricsListener(deps: Deps): Promise<FastifyInstance | undefined> {
  const port = deps.config.METRICS_PORT;
  if (port === undefined) return undefined;
  const app = Fastify({ logger: false });
  app.get("/metrics", async (_req, reply) => sendMetrics(deps, reply));
  await app.listen({ port, host: "127.0.0.1" });
  return app;
}

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

const FINAL = ["sent", "skipped", "failed", "cancelled"] as const;

/**
 * Work is done by workers and `paperboy digest` runs, not by the process being scraped, so
 * what counts work is read from Postgres at scrape time: every process's work, once.
 */
async function refreshWorkCounts(deps: Deps): Promise<void> {
  const m = deps.metrics;
  try {
    const [deliveries, subscribers, mails, papers] = await Promise.all([
      deliveryStatusCounts(deps.db),
      subscriberStatusCounts(deps.db),
      transactionalMailCounts(deps.db),
      paperCounts(deps.db),
    ]);
    m.deliveries.reset();
    for (const status of FINAL) m.deliveries.inc({ status }, deliveries[status] ?? 0);
    for (const status of ["pending", "sending"]) {
      m.deliveriesOpen.set({ status }, deliveries[status] ?? 0);
    }
    m.mailsSent.reset();
    m.mailsSent.inc({ kind: "digest" }, deliveries.sent ?? 0);
    for (const [kind, n] of Object.entries(mails)) m.mailsSent.inc({ kind }, n);
    m.subscribers.reset();
    for (const [status, n] of Object.entries(subscribers)) m.subscribers.set({ status }, n);
    m.papers.reset();
    for (const [source, n] of Object.entries(papers.bySource)) m.papers.set({ source }, n);
    if (papers.lastIngestedAt) m.lastIngest.set(papers.lastIngestedAt.getTime() / 1000);
  } catch (error) {
    // Postgres down: keep the last values; /readyz reports the outage.
    deps.logger.warn({ err: (error as Error).message }, "metrics: could not read counts");
  }
}
