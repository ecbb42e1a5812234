/** A mistake in how the command was called or in its input: one line, exit code 2. */
export class UsageError extends Error {}

/** What every command gets besides its own arguments: the environment it runs in. */
export type Env = NodeJS.ProcessEnv;

/** A command's implementation, loaded only when that command runs. */
export type Run<A extends unknown[]> = (env: Env, ...args: A) => Promise<number>;
