import { ingestSample } from "../../papers/ingest.ts";
import { type Config, devOutboxEnabled, loadConfig } from "../../platform/config.ts";
import { boundOldGeneration } from "../../platform/heap.ts";
import { createReachableDeps } from "../../platform/reachable.ts";
import { untilSignal } from "../../processes/lifecycle.ts";
import { buildServer } from "../../processes/server.ts";
import { setupDatabase } from "../../processes/setup-database.ts";
import { startWorker } from "../../processes/worker.ts";
import type { Env } from "../command.ts";

export async function dev(env: Env): Promise<number> {
  boundOldGeneration();
  const config = loadConfig({ NODE_ENV: "development", ...env });
  const deps = await createReachableDeps(config, { name: "paperboy-dev" });
  await setupDatabase(deps.db);
  const sample = await ingestSample(deps);
  console.log(`Sample papers: ${sample.inserted} new, ${sample.updated + sample.unchanged} known`);
  const worker = await startWorker(deps);
  const app = await buildServer(deps);
  await app.listen({ port: config.PORT, host: config.HOST });
  console.log(devSummary(config));
  return untilSignal(deps.logger, async () => {
    await app.close();
    await worker.stop();
    await deps.close();
  });
}

/** What a developer needs at start, in one short block (pure: tested as text). */
export function devSummary(config: Config): string {
  const url = config.PUBLIC_URL;
  const mail = config.SMTP_URL
    ? "sent through SMTP_URL"
    : devOutboxEnabled(config)
      ? `${url}/dev/outbox  (files in ${config.OUTBOX_DIR})`
      : `written to ${config.OUTBOX_DIR}`;
  return [
    "Paperboy is running.",
    `  Site        ${url}`,
    `  Outbox      ${mail}`,
    `  Admin       ${url}/admin  (any user name; the password is ADMIN_TOKEN in .env)`,
    `  API docs    ${url}/docs`,
    "  Send a digest now:  npm run paperboy -- digest",
  ].join("\n");
}
