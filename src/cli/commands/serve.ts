import { loadConfig } from "../../platform/config.ts";
import { createDeps } from "../../platform/deps.ts";
import { untilSignal } from "../../processes/lifecycle.ts";
import { buildServer } from "../../processes/server.ts";
import { type Command, UsageError } from "../command.ts";

export const serve: Command = {
  summary: "HTTP: API, pages, one-click unsubscribe, health, metrics",
  usage: "serve",
  async run(args, env) {
    if (args.length) throw new UsageError(`unexpected argument '${args[0]}'`);
    const deps = createDeps(loadConfig(env), { name: "paperboy-serve" });
    const app = await buildServer(deps);
    await app.listen({ port: deps.config.PORT, host: deps.config.HOST });
    deps.logger.info({ port: deps.config.PORT }, "serving");
    return untilSignal(deps.logger, async () => {
      await app.close();
      await deps.close();
    });
  },
};
