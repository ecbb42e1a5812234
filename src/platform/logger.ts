import { type Logger, pino } from "pino";

export type { Logger };

/**
 * Structured logs. Addresses and tokens must never appear: callers log subscriber ids,
 * and these paths are redacted as a second line of defence.
 */
export function createLogger(level: string, name = "paperboy"): Logger {
  return pino({
    name,
    level,
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
}
