import { loadConfig } from "../../platform/config.ts";
import { createReachableDeps } from "../../platform/reachable.ts";
import { untilSignal } from "../../processes/lifecycle.ts";
import { startWorker } from "../../processes/worker.ts";
import type { Env } from "../command.ts";

export async function worker(env: Env): Promise<number> {
  const deps = await createReachableDeps(loadConfig(env), { name: "paperboy-worker" });
  const workers = await startWorker(deps);
  deps.logger.info({ queues: workers.map((w) => w.name) }, "worker started");
  return untilSignal(deps.logger, async () => {
    await Promise.all(workers.map((w) => w.close()));
    await deps.close();
  });
}
