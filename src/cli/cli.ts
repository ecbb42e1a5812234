import { type Command, CommanderError } from "commander";
import { type Env, UsageError } from "./command.ts";
import { describeFailure } from "./errors.ts";
import { buildProgram } from "./program.ts";

/** Where the CLI writes; a test passes its own. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/**
 * Run one command line; resolves with the exit code: 0 done, 2 a usage or input mistake, 1 a
 * failure. Every failure is one line on stderr, `paperboy <command>: <reason>`; a stack trace
 * only with PAPERBOY_DEBUG set.
 */
export async function main(argv: string[], env: Env, io: Output = stdio): Promise<number> {
  let code = 0;
  const program = buildProgram(env, (c) => (code = c), io.out);
  const target = commandAt(program, argv);
  const name = ["paperboy", ...path(target)].join(" ");
  if (argv.length === 0) {
    program.outputHelp();
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error, target, name, io);
    const { ConfigError } = await import("../platform/config.ts");
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.err(`${name}: ${(error as Error).message}\n`);
      return 2;
    }
    const failure = describeFailure(error, env);
    io.err(`${name}: ${failure.line}\n`);
    if (env.PAPERBOY_DEBUG) io.err(`${(error as Error).stack ?? error}\n`);
    return failure.code;
  }
}

/** Help shown (0), or a mistake commander found in the command line (2), in one line. */
function commanderExit(error: CommanderError, target: Command, name: string, io: Output): number {
  if (error.exitCode === 0) return 0; // help was asked for and printed
  const reason =
    error.code === "commander.help" // a group such as `paperboy topics` without its subcommand
      ? `expected a subcommand: ${target.commands.map((c) => c.name()).join(", ")}`
      : error.message
          .replace(/^error: /, "")
          .replace(/\s*\n\s*\(Did you mean (.+)\?\)/, "; did you mean $1?");
  io.err(`${name}: ${reason} (see '${name} --help')\n`);
  return 2;
}

/** The (sub)command the leading words of argv name: `topics list --x` → topics list. */
function commandAt(program: Command, argv: string[]): Command {
  let current = program;
  for (const word of argv) {
    const sub = current.commands.find((c) => c.name() === word);
    if (!sub) break;
    current = sub;
  }
  return current;
}

function path(command: Command): string[] {
  return command.parent ? [...path(command.parent), command.name()] : [];
}
