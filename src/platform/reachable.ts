import type { Redis } from "ioredis";
import { sql } from "kysely";
import type { Config } from "./config.ts";
import type { Db } from "./db/index.ts";
import { createDeps, type Deps, type DepsOverrides } from "./deps.ts";
import { describeSystemError } from "./system-errors.ts";

/** A command's Postgres or Redis does not answer: one line naming it and its host. */
export class ServiceUnreachableError extends Error {}

/** "host:port" of a service URL: enough to find the service, never its credentials. */
export function serviceHost(url: string): string {
  try {
    const u = new URL(url);
    return u.port ? `${u.hostname}:${u.port}` : u.hostname;
  } catch {
    return "(unparsable URL)";
  }
}

/**
 * Fail within `timeoutMs` when a service a command needs does not answer. Without this the
 * command hangs silently: ioredis queues commands until Redis comes back (as BullMQ needs), and
 * every query waits out pg's connection timeout. `serve` does not call it: it starts anyway and
 * /readyz says what is down.
 */
export async function requireReachable(
  config: Pick<Config, "DATABASE_URL" | "REDIS_URL">,
  clients: { db?: Db; redis?: Redis },
  timeoutMs = 5_000,
): Promise<void> {
  const checks = [
    clients.db &&
      probe(`Postgres (DATABASE_URL) at ${serviceHost(config.DATABASE_URL)}`, timeoutMs, () =>
        sql`select 1`.execute(clients.db!),
      ),
    clients.redis &&
      probe(`Redis (REDIS_URL) at ${serviceHost(config.REDIS_URL)}`, timeoutMs, () =>
        pingOrError(clients.redis!),
      ),
  ];
  const failures = (await Promise.all(checks)).filter((f): f is string => Boolean(f));
  if (failures.length) throw new ServiceUnreachableError(`cannot reach ${failures.join("; nor ")}`);
}

/**
 * createDeps for a command that cannot work without Postgres and Redis: fails fast when one is
 * down, closing what it opened.
 */
export async function createReachableDeps(
  config: Config,
  overrides: DepsOverrides = {},
): Promise<Deps> {
  const deps = createDeps(config, overrides);
  try {
    await requireReachable(config, deps);
  } catch (error) {
    await deps.close();
    throw error;
  }
  return deps;
}

/**
 * PING, or the first connection error: while Redis is away ioredis keeps the command queued
 * (BullMQ needs that) and says why only through 'error' events.
 */
function pingOrError(redis: Redis): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const settle = (done: () => void) => {
      redis.off("error", reject);
      done();
    };
    redis.once("error", reject);
    redis.ping().then(
      (answer) => settle(() => resolve(answer)),
      (error) => settle(() => reject(error)),
    );
  });
}

/** Undefined when `attempt` resolves in time, else "<what>: <why>". */
async function probe(
  what: string,
  timeoutMs: number,
  attempt: () => Promise<unknown>,
): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
  });
  const answered = attempt().then(
    () => undefined,
    (error: unknown) => reason(error),
  );
  try {
    const why = await Promise.race([answered, timedOut]);
    return why === undefined ? undefined : `${what}: ${why}`;
  } finally {
    clearTimeout(timer);
  }
}

/** A short, credential-free reason: system error codes in words, else the server's first line. */
function reason(error: unknown): string {
  return describeSystemError(error)
    .split("\n")[0]!
    .replace(/\/\/[^@/\s]*@/g, "//");
}
