import { loadConfig } from "../../platform/config.ts";
import { createDeps } from "../../platform/deps.ts";
import { untilSignal } from "../../processes/lifecycle.ts";
import { buildServer } from "../../processes/server.ts";
import type { Env } from "../command.ts";

export async function serve(env: Env): Promise<number> {
  const deps = createDeps(loadConfig(env), { name: "paperboy-serve" });
  const app = await buildServer(deps);
  await app.listen({ port: deps.config.PORT, host: deps.config.HOST });
  deps.logger.info({ port: deps.config.PORT }, "serving");
  return untilSignal(deps.logger, async () => {
    await app.close();
    await deps.close();
  });
}
