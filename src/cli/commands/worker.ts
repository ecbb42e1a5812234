import { loadConfig } from "../../platform/config.ts";
import { boundOldGeneration } from "../../platform/heap.ts";
import { createReachableDeps } from "../../platform/reachable.ts";
import { untilSignal } from "../../processes/lifecycle.ts";
import { startWorker } from "../../processes/worker.ts";
import type { Env } from "../command.ts";

export async function worker(env: Env): Promise<number> {
  boundOldGeneration();
  const deps = await createReachableDeps(loadConfig(env), { name: "paperboy-worker" });
  const worker = await startWorker(deps);
  deps.logger.info({ queues: worker.workers.map((w) => w.name) }, "worker started");
  return untilSignal(deps.logger, async () => {
    await worker.stop();
    await deps.close();
  });
}
