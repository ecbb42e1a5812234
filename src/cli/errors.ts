import { describeSystemError, isUnreachable, systemErrorCode } from "../platform/system-errors.ts";
import type { Env } from "./command.ts";

/** Postgres refusing us for good reasons: its message says which (missing database, bad login). */
const POSTGRES_REFUSALS = new Set(["3D000", "28P01", "28000"]);

/** An error a command could not handle, as one line for the operator, and its exit code. */
export function describeFailure(error: unknown, env: Env): { line: string; code: number } {
  const message = error instanceof Error ? error.message : String(error);
  if (isUnreachable(error)) {
    return {
      line: `cannot reach ${serviceOf(error, env)}: ${describeSystemError(error)}`,
      code: 1,
    };
  }
  if (systemErrorCode(error) === "EADDRINUSE") {
    const port = (error as { port?: number }).port ?? env.PORT ?? "3000";
    return {
      line: `port ${port} is already in use: set PORT to a free one (e.g. PORT=${Number(port) + 1}), or stop what is listening there`,
      code: 1,
    };
  }
  if (POSTGRES_REFUSALS.has(systemErrorCode(error) ?? "")) {
    return { line: `Postgres (DATABASE_URL) refused: ${message}`, code: 1 };
  }
  return { line: message, code: 1 };
}

/** Which configured service an unreachable address belongs to, by port. */
function serviceOf(error: unknown, env: Env): string {
  const failed = addressOf(error);
  if (!failed) return "a service";
  const ports: Array<[string, string | null]> = [
    ["Postgres (DATABASE_URL)", portOf(env.DATABASE_URL, "5432")],
    ["Redis (REDIS_URL)", portOf(env.REDIS_URL, "6379")],
    ["the SMTP relay (SMTP_URL)", env.SMTP_URL ? portOf(env.SMTP_URL, "587") : null],
  ];
  const where = `${failed.host}:${failed.port}`;
  const name = ports.find(([, port]) => port === failed.port)?.[0];
  return name ? `${name} at ${where}` : where;
}

function addressOf(error: unknown): { host: string; port: string } | null {
  const e = error as { address?: unknown; port?: unknown; errors?: unknown[] } | null;
  if (e && typeof e.address === "string" && e.port !== undefined) {
    return { host: e.address, port: String(e.port) };
  }
  return Array.isArray(e?.errors) ? addressOf(e.errors[0]) : null;
}

function portOf(url: string | undefined, fallback: string): string | null {
  if (url === undefined || url === "") return fallback;
  try {
    return new URL(url).port || fallback;
  } catch {
    return null;
  }
}
