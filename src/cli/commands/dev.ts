import { ingestSample } from "../../papers/ingest.ts";
import { loadConfig } from "../../platform/config.ts";
import { createReachableDeps } from "../../platform/reachable.ts";
import { untilSignal } from "../../processes/lifecycle.ts";
import { buildServer } from "../../processes/server.ts";
import { setupDatabase } from "../../processes/setup-database.ts";
import { startWorker } from "../../processes/worker.ts";
import type { Env } from "../command.ts";

export async function dev(env: Env): Promise<number> {
  const config = loadConfig({ NODE_ENV: "development", ...env });
  const deps = await createReachableDeps(config, { name: "paperboy-dev" });
  await setupDatabase(deps.db);
  const sample = await ingestSample(deps);
  console.log(`Sample papers: ${sample.inserted} new, ${sample.updated + sample.unchanged} known`);
  const worker = await startWorker(deps);
  const app = await buildServer(deps);
  await app.listen({ port: config.PORT, host: config.HOST });
  const where = config.SMTP_URL ? "SMTP_URL" : `${config.OUTBOX_DIR} (see /dev/outbox)`;
  console.log(`Paperboy is running at ${config.PUBLIC_URL}  ·  mail goes to ${where}`);
  return untilSignal(deps.logger, async () => {
    await app.close();
    await worker.stop();
    await deps.close();
  });
}
