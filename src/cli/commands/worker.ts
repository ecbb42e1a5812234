import { loadConfig } from "../../platform/config.ts";
import { createReachableDeps } from "../../platform/reachable.ts";
import { untilSignal } from "../../processes/lifecycle.ts";
import { startWorker } from "../../processes/worker.ts";
import { type Command, UsageError } from "../command.ts";

export const worker: Command = {
  summary: "BullMQ workers and job schedulers (ingest, plan, deliver)",
  usage: "worker",
  async run(args, env) {
    if (args.length) throw new UsageError(`unexpected argument '${args[0]}'`);
    const deps = await createReachableDeps(loadConfig(env), { name: "paperboy-worker" });
    const workers = await startWorker(deps);
    deps.logger.info({ queues: workers.map((w) => w.name) }, "worker started");
    return untilSignal(deps.logger, async () => {
      await Promise.all(workers.map((w) => w.close()));
      await deps.close();
    });
  },
};
