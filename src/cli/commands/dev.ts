import { ingestSample } from "../../papers/ingest.ts";
import { loadConfig } from "../../platform/config.ts";
import { createReachableDeps } from "../../platform/reachable.ts";
import { untilSignal } from "../../processes/lifecycle.ts";
import { buildServer } from "../../processes/server.ts";
import { setupDatabase } from "../../processes/setup-database.ts";
import { startWorker } from "../../processes/worker.ts";
import { type Command, UsageError } from "../command.ts";

export const dev: Command = {
  summary: "everything in one process: migrate, load sample papers, serve + worker, dev outbox",
  usage: "dev",
  async run(args, env) {
    if (args.length) throw new UsageError(`unexpected argument '${args[0]}'`);
    const config = loadConfig({ NODE_ENV: "development", ...env });
    const deps = await createReachableDeps(config, { name: "paperboy-dev" });
    await setupDatabase(deps.db);
    const sample = await ingestSample(deps);
    console.log(
      `Sample papers: ${sample.inserted} new, ${sample.updated + sample.unchanged} known`,
    );
    const workers = await startWorker(deps);
    const app = await buildServer(deps);
    await app.listen({ port: config.PORT, host: config.HOST });
    const where = config.SMTP_URL ? "SMTP_URL" : `${config.OUTBOX_DIR} (see /dev/outbox)`;
    console.log(`Paperboy is running at ${config.PUBLIC_URL}  ·  mail goes to ${where}`);
    return untilSignal(deps.logger, async () => {
      await app.close();
      await Promise.all(workers.map((w) => w.close()));
      await deps.close();
    });
  },
};
