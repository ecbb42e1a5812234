import { createRequire } from "node:module";
import { type Logger, pino } from "pino";

export type { Logger };

/**
 * Structured logs. Addresses and tokens must never appear: callers log subscriber ids,
 * and these paths are redacted as a second line of defence.
 */
export function createLogger(level: string, name = "paperboy", pretty = false): Logger {
  const prettyOn = pretty && prettyInstalled();
  const logger = pino({
    name,
    level,
    // Human-readable lines for a person at a terminal (development only: pino-pretty is a
    // dev dependency); JSON everywhere else.
    ...(prettyOn
      ? {
          transport: {
            target: "pino-pretty",
            options: { colorize: true, translateTime: "HH:MM:ss", ignore: "pid,hostname,name" },
          },
        }
      : {}),
    redact: {
      paths: [
        "email",
        "token",
        "to",
        "*.email",
        "*.token",
        "*.to",
        "req.headers.authorization",
        "req.headers.cookie",
      ],
      censor: "[redacted]",
    },
  });
  if (pretty && !prettyOn)
    logger.warn("LOG_PRETTY: pino-pretty is not installed (a dev dependency); logging JSON");
  return logger;
}

/** A production install (`npm ci --omit=dev`) has no pino-pretty: asking for it must not crash. */
function prettyInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve("pino-pretty");
    return true;
  } catch {
    return false;
  }
}

/** Pretty logs: in development, when stdout is a terminal (LOG_PRETTY overrides). */
export function wantsPrettyLogs(
  config: { NODE_ENV: string; LOG_PRETTY?: boolean },
  isTty = Boolean(process.stdout.isTTY),
): boolean {
  return config.LOG_PRETTY ?? (config.NODE_ENV === "development" && isTty);
}
