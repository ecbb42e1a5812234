import type { Config } from "../platform/config.ts";

/** A CLI command: parses its own arguments, returns the process exit code. */
export interface Command {
  summary: string;
  usage: string;
  run(args: string[], env: NodeJS.ProcessEnv): Promise<number>;
}

/** A mistake in how the command was called or in its input: one line, exit code 2. */
export class UsageError extends Error {}

export type { Config };
