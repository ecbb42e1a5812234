import { Redis } from "ioredis";

/**
 * One ioredis connection. `maxRetriesPerRequest: null` is what BullMQ workers require,
 * and it makes commands wait through a Redis restart instead of failing.
 */
export function createRedis(url: string, name = "paperboy"): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: name,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  // Reconnects are handled by retryStrategy; an unhandled 'error' would crash the process.
  redis.on("error", () => {});
  return redis;
}

export async function pingRedis(redis: Redis, timeoutMs = 2_000): Promise<boolean> {
  try {
    const answer = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("timeout")), timeoutMs).unref(),
      ),
    ]);
    return answer === "PONG";
  } catch {
    return false;
  }
}

/**
 * A connection for work that must not wait for Redis (rate limits on HTTP requests): while
 * Redis is away, commands fail at once instead of queueing until it returns, so the caller can
 * skip the check rather than hang the request.
 */
export function createFailFastRedis(
  url: string,
  name = "paperboy",
  options: { enableAutoPipelining?: boolean } = {},
): Redis {
  const redis = new Redis(url, {
    ...options,
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  redis.on("error", () => {});
  return redis;
}
