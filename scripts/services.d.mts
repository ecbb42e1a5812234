// Types for the parts of scripts/services.mjs (plain JS, runs before dependencies exist) that
// TypeScript scripts reuse.
export function ensureServices(
  env: NodeJS.ProcessEnv,
): Promise<{ DATABASE_URL: string; REDIS_URL: string }>;
export function redisUp(url: string): Promise<boolean>;
export function freePort(): Promise<number>;
