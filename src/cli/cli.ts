import { ConfigError } from "../platform/config.ts";
import { type Command, UsageError } from "./command.ts";
import { commands } from "./commands/index.ts";

function help(): string {
  const width = Math.max(...Object.values(commands).map((c) => c.usage.length));
  const lines = Object.values(commands).map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return [
    "Paperboy: trending research papers by email, at each reader's hour.",
    "",
    "Usage: paperboy <command> [options]",
    "",
    ...lines,
    "",
    "Configuration comes from the environment (see .env.example); `paperboy <command> --help` for details.",
  ].join("\n");
}

/** Known failures print one line; anything else is a bug and prints its stack. */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name ? 0 : 2;
  }
  const command: Command | undefined = commands[name];
  if (!command) {
    console.error(`paperboy: unknown command '${name}' (try: paperboy --help)`);
    return 2;
  }
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`Usage: paperboy ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    return await command.run(args, env);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(`paperboy ${name}: ${error.message}`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    if (isConnectionError(error)) {
      console.error(`paperboy ${name}: cannot reach a service: ${message}`);
      return 1;
    }
    console.error(`paperboy ${name}: ${message}`);
    if (env.PAPERBOY_DEBUG) console.error(error);
    return 1;
  }
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return ["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH", "3D000", "28P01"].includes(
    code ?? "",
  );
}
