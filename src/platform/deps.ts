import type { Redis } from "ioredis";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import { createDb, type Db } from "./db/index.ts";
import { createProcessSession, type ProcessSession } from "./liveness.ts";
import { createLogger, type Logger, wantsPrettyLogs } from "./logger.ts";
import { createMailer, type Mailer } from "./mailer.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { createQueues, type Queues } from "./queues.ts";
import { createFailFastRedis, createRedis } from "./redis.ts";
import { type SmtpTransport, smtpTransportFor } from "./smtp/transport.ts";

/** Everything a process needs, built once in its composition root and passed down. */
export interface Deps {
  config: Config;
  clock: Clock;
  logger: Logger;
  db: Db;
  redis: Redis;
  queues: Queues;
  /**
   * The same queues on a connection that fails at once while Redis is away, for work an HTTP
   * request must not wait on (rate limits, enqueueing a mail). Connected on the first call:
   * only the server needs it.
   */
  requestSide(): RequestSide;
  mailer: Mailer;
  /**
   * The bulk SMTP transport (digests), one per process, created on first use; null without
   * SMTP_URL (dev outbox) or when a test supplies its own mailer: then mail goes through `mailer`.
   */
  smtp(): SmtpTransport | null;
  metrics: Metrics;
  /** This process's liveness lock (src/platform/liveness.ts), connected when first used. */
  session: ProcessSession;
  close(): Promise<void>;
}

export interface RequestSide {
  /** The queues' connection (a group of subscribes adds hundreds of mail jobs at once on it). */
  redis: Redis;
  queues: Queues;
  /**
   * Rate-limit counters on a connection of their own: behind a bulk job add on `redis` every
   * request's check would wait its turn. Commands of one tick go out in one write.
   */
  limits: Redis;
}

export interface DepsOverrides {
  clock?: Clock;
  logger?: Logger;
  mailer?: Mailer;
  /** The bulk transport (default: SMTP_URL's, unless `mailer` is overridden). */
  smtp?: SmtpTransport | null;
  dbPoolSize?: number;
  name?: string;
}

export function createDeps(config: Config, overrides: DepsOverrides = {}): Deps {
  const name = overrides.name ?? "paperboy";
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL, name, wantsPrettyLogs(config));
  const db = createDb(config.DATABASE_URL, {
    max: overrides.dbPoolSize ?? 10,
    applicationName: name,
  });
  const redis = createRedis(config.REDIS_URL, name);
  const queues = createQueues(redis, config.REDIS_PREFIX);
  const mailer =
    overrides.mailer ?? createMailer(config, { poolSize: Math.max(1, config.SEND_CONCURRENCY) });
  const session = createProcessSession(config.DATABASE_URL, name, logger);
  let requestSide: RequestSide | undefined;
  let smtp: SmtpTransport | null | undefined = overrides.smtp;
  if (smtp === undefined && overrides.mailer) smtp = null;
  return {
    config,
    clock: overrides.clock ?? systemClock,
    logger,
    db,
    redis,
    queues,
    requestSide() {
      if (!requestSide) {
        const fast = createFailFastRedis(config.REDIS_URL, `${name}-requests`);
        requestSide = {
          redis: fast,
          queues: createQueues(fast, config.REDIS_PREFIX),
          limits: createFailFastRedis(config.REDIS_URL, `${name}-limits`, {
            enableAutoPipelining: true,
          }),
        };
      }
      return requestSide;
    },
    mailer,
    smtp() {
      if (smtp === undefined) smtp = smtpTransportFor(config, Math.max(1, config.SEND_CONCURRENCY));
      return smtp;
    },
    metrics: createMetrics(),
    session,
    async close() {
      const allQueues = [...Object.values(queues), ...Object.values(requestSide?.queues ?? {})];
      await Promise.allSettled(allQueues.map((q) => q.close()));
      requestSide?.redis.disconnect();
      requestSide?.limits.disconnect();
      await mailer.close();
      await smtp?.close();
      await session.close();
      await db.destroy();
      redis.disconnect();
    },
  };
}
