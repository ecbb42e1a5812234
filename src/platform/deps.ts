import type { Redis } from "ioredis";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import { createDb, type Db } from "./db/index.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createMailer, type Mailer } from "./mailer.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { createQueues, type Queues } from "./queues.ts";
import { createRedis } from "./redis.ts";

/** Everything a process needs, built once in its composition root and passed down. */
export interface Deps {
  config: Config;
  clock: Clock;
  logger: Logger;
  db: Db;
  redis: Redis;
  queues: Queues;
  mailer: Mailer;
  metrics: Metrics;
  close(): Promise<void>;
}

export interface DepsOverrides {
  clock?: Clock;
  logger?: Logger;
  mailer?: Mailer;
  dbPoolSize?: number;
  name?: string;
}

export function createDeps(config: Config, overrides: DepsOverrides = {}): Deps {
  const name = overrides.name ?? "paperboy";
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL, name);
  const db = createDb(config.DATABASE_URL, {
    max: overrides.dbPoolSize ?? 10,
    applicationName: name,
  });
  const redis = createRedis(config.REDIS_URL, name);
  const queues = createQueues(redis, config.REDIS_PREFIX);
  const mailer =
    overrides.mailer ?? createMailer(config, { poolSize: Math.max(1, config.SEND_CONCURRENCY) });
  return {
    config,
    clock: overrides.clock ?? systemClock,
    logger,
    db,
    redis,
    queues,
    mailer,
    metrics: createMetrics(),
    async close() {
      await Promise.allSettled(Object.values(queues).map((q) => q.close()));
      await mailer.close();
      await db.destroy();
      redis.disconnect();
    },
  };
}
