import { Worker } from "bullmq";
import type { FastifyInstance } from "fastify";
import type { Deps } from "../../src/platform/deps.ts";
import { jobQueue } from "../../src/platform/queues.ts";
import { buildServer } from "../../src/processes/server.ts";
import { subscriberJobHandlers } from "../../src/subscribers/transactional.ts";

/** A real BullMQ worker for the transactional mail queue, as `paperboy worker` runs it. */
export function startMailWorker(deps: Deps): Worker {
  const handlers = subscriberJobHandlers(deps);
  const worker = new Worker(
    jobQueue["send-transactional"],
    (job) =>
      job.name === "queue-transactional"
        ? handlers["queue-transactional"](job.data, job)
        : handlers["send-transactional"](job.data, job),
    {
      connection: deps.redis,
      prefix: deps.config.REDIS_PREFIX,
    },
  );
  worker.on("error", () => {});
  return worker;
}

/** The server with a mail worker beside it (what `paperboy dev` runs); closing one closes both. */
export async function buildServerWithMailWorker(deps: Deps): Promise<FastifyInstance> {
  const worker = startMailWorker(deps);
  const app = await buildServer(deps);
  app.addHook("onClose", () => worker.close());
  return app;
}
