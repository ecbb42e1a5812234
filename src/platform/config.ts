import { z } from "zod";

/** Every setting Paperboy reads from the environment, validated once at start. */
const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`,
    );

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const configSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  DATABASE_URL: url(["postgres:", "postgresql:"]).default(
    "postgres://postgres@127.0.0.1:5432/paperboy",
  ),
  REDIS_URL: url(["redis:", "rediss:"]).default("redis://127.0.0.1:6379"),
  /** Namespace for every Redis key (queues, rate limits), so instances can share a server. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "may hold only letters, digits, _ and -")
    .default("paperboy"),
  /** Unset: mail is written to the dev outbox (.data/outbox) instead of sent. */
  SMTP_URL: url(["smtp:", "smtps:"]).optional(),
  MAIL_FROM: z.string().trim().min(3).default("Paperboy <digest@localhost>"),
  PUBLIC_URL: url(["http:", "https:"])
    .default("http://localhost:3000")
    .transform((v) => v.replace(/\/+$/, "")),
  APP_SECRET: z.string().min(32, "must be at least 32 characters (try: openssl rand -hex 32)"),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters"),
  PORT: int(1, 65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  /** Also serve /metrics without a token on 127.0.0.1:METRICS_PORT (for a local Prometheus). */
  METRICS_PORT: int(1, 65535).optional(),
  /** Confirmation mails per recipient domain per hour (list bombing of one provider). */
  CONFIRMATIONS_PER_DOMAIN_PER_HOUR: int(1, 1_000_000_000).default(100),
  /** Parallel SMTP sends per worker process; the SMTP pool is sized to match. */
  SEND_CONCURRENCY: int(1, 256).default(8),
  /** Messages per second across all workers (BullMQ limiter); 0 = unlimited. */
  SEND_RATE_PER_SECOND: int(0, 100_000).default(0),
  /** Consecutive send failures after which the send queue pauses itself. */
  SEND_FAILURE_PAUSE_THRESHOLD: int(1, 100_000).default(50),
  /**
   * Hours after a delivery was planned (its reader's send time) during which transient send
   * failures and crash reclaims are retried; after that the digest is stale and given up.
   */
  DELIVERY_STALE_HOURS: int(1, 24 * 14).default(24),
  /**
   * Whose X-Forwarded-For to believe: fastify's trustProxy (`true`, a hop count, or addresses /
   * CIDRs / `loopback`). Trusting every peer would let any client pick its own IP and walk
   * around the per-IP rate limit; the default believes only a proxy on this machine.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .min(1)
    .default("loopback")
    .transform((v): boolean | number | string =>
      v === "true" ? true : v === "false" ? false : /^\d+$/.test(v) ? Number(v) : v,
    ),
  /** Subscribe requests (form + API) per client IP per minute; raised only for benchmarks. */
  SUBSCRIBE_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000_000).default(10),
  SUBSCRIBE_BACKLOG_LIMIT: int(0, 1_000_000).default(20_000),
  HF_PAPERS_URL: url(["http:", "https:"]).default("https://huggingface.co/api/daily_papers"),
  /** How often the worker re-ingests today's Hugging Face list. */
  INGEST_INTERVAL_MINUTES: int(1, 1440).default(60),
  /** arXiv categories whose daily listing the worker ingests (comma-separated); empty = none. */
  ARXIV_CATEGORIES: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((c) => c.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.string().regex(/^[a-z-]+(\.[A-Za-z-]+)?$/, "must be arXiv categories like cs.AI,cs.LG"),
      ),
    ),
  ARXIV_RSS_URL: url(["http:", "https:"]).default("https://rss.arxiv.org/rss"),
  /** Pause between two arXiv requests (arXiv asks for 3 s). */
  ARXIV_DELAY_MS: int(0, 600_000).default(3_000),
  /** UTC hour after which a day's edition counts as complete and may be delivered. */
  EDITION_CUTOFF_HOUR_UTC: int(0, 23).default(20),
  LIST_ID: z.string().trim().min(1).optional(),
  LIST_UNSUBSCRIBE_MAILTO: z.email().optional(),
  BOUNCE_WEBHOOK_SECRET: z.string().min(16).optional(),
  /** Receivers of outgoing webhooks, comma-separated; empty = none. */
  WEBHOOK_URLS: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(url(["http:", "https:"]))),
  /** HMAC key of the Paperboy-Signature header of outgoing webhooks. */
  WEBHOOK_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  DKIM_DOMAIN: z.string().trim().min(1).optional(),
  DKIM_SELECTOR: z.string().trim().min(1).optional(),
  DKIM_PRIVATE_KEY: z.string().min(1).optional(),
  OUTBOX_DIR: z.string().default(".data/outbox"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Human-readable logs; default: in development at a terminal. JSON otherwise. */
  LOG_PRETTY: bool.optional(),
  /** Expose /dev/outbox; on by default only in development. */
  DEV_OUTBOX_ROUTE: bool.optional(),
});

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {}

/** Parse the environment; the first problem becomes one readable line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? "environment");
    const message =
      issue.code === "invalid_type" && cleaned[name] === undefined ? "is required" : issue.message;
    throw new ConfigError(`Invalid configuration: ${name} ${message}`);
  }
  const config = result.data;
  const dkim = [config.DKIM_DOMAIN, config.DKIM_SELECTOR, config.DKIM_PRIVATE_KEY];
  if (dkim.some(Boolean) && !dkim.every(Boolean)) {
    throw new ConfigError(
      "Invalid configuration: DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY must be set together",
    );
  }
  if (config.WEBHOOK_URLS.length > 0 && !config.WEBHOOK_SECRET) {
    throw new ConfigError(
      "Invalid configuration: WEBHOOK_SECRET is required when WEBHOOK_URLS is set",
    );
  }
  const problem = productionProblem(config);
  if (problem) throw new ConfigError(`Invalid configuration: ${problem}`);
  return config;
}

/**
 * Links and headers in every mail come from PUBLIC_URL and MAIL_FROM, so in production the
 * laptop defaults would ship broken mail (RFC 8058 one-click needs https; nobody can reply to
 * or verify mail from localhost). Their defaults stay for development and tests.
 */
function productionProblem(config: Config): string | undefined {
  if (config.NODE_ENV !== "production") return undefined;
  const publicUrl = new URL(config.PUBLIC_URL);
  if (publicUrl.protocol !== "https:" || isLocalHost(publicUrl.hostname)) {
    return `PUBLIC_URL must be an https URL whose host is not localhost in production (got ${publicUrl.origin}); links in mail point there`;
  }
  const domain = /@([^@\s>]+)>?\s*$/.exec(config.MAIL_FROM)?.[1];
  if (!domain || isLocalHost(domain)) {
    return `MAIL_FROM must be an address at a real domain in production, not at ${domain ?? "no domain"}`;
  }
  return undefined;
}

/** localhost, *.localhost, loopback addresses and the unspecified address. */
function isLocalHost(host: string): boolean {
  const h = host
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  return (
    h === "localhost" ||
    h.endsWith(".localhost") ||
    h === "localhost.localdomain" ||
    /^127\.\d+\.\d+\.\d+$/.test(h) ||
    h === "::1" ||
    h === "0.0.0.0" ||
    h === "::"
  );
}

export function devOutboxEnabled(config: Config): boolean {
  return config.DEV_OUTBOX_ROUTE ?? (config.NODE_ENV === "development" && !config.SMTP_URL);
}
