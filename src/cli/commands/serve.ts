import { loadConfig } from "../../platform/config.ts";
import { createDeps } from "../../platform/deps.ts";
import { untilSignal } from "../../processes/lifecycle.ts";
import { buildServer } from "../../processes/server.ts";
import { metricsListener } from "../../web/routes/health.ts";
import type { Env } from "../command.ts";

export async function serve(env: Env): Promise<number> {
  const deps = createDeps(loadConfig(env), { name: "paperboy-serve" });
  const app = await buildServer(deps);
  await app.listen({ port: deps.config.PORT, host: deps.config.HOST });
  const metrics = await metricsListener(deps);
  deps.logger.info({ port: deps.config.PORT, metricsPort: deps.config.METRICS_PORT }, "serving");
  return untilSignal(deps.logger, async () => {
    await metrics?.close();
    await app.close();
    await deps.close();
  });
}
