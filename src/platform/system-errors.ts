/** Node's error codes in words, so no message ends in a bare `ENOENT`. */
const REASONS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory",
  EMFILE: "too many open files",
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/** The codes that mean "the other side is not there" (as opposed to a bad request). */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

type CodedError = { code?: unknown; errors?: unknown[]; cause?: unknown; message?: unknown };

/** The error's code, looking into an AggregateError (one try per address) and its cause. */
export function systemErrorCode(error: unknown): string | undefined {
  const e = error as CodedError | null;
  if (!e || typeof e !== "object") return undefined;
  if (typeof e.code === "string") return e.code;
  if (Array.isArray(e.errors)) return systemErrorCode(e.errors[0]);
  return e.cause === undefined ? undefined : systemErrorCode(e.cause);
}

/** A short reason in words: "no such file or directory", "connection refused", … */
export function describeSystemError(error: unknown): string {
  const code = systemErrorCode(error);
  if (code && REASONS[code]) return REASONS[code];
  const message = (error as CodedError | null)?.message;
  return typeof message === "string" && message ? message : (code ?? String(error));
}

export function isUnreachable(error: unknown): boolean {
  return UNREACHABLE.has(systemErrorCode(error) ?? "");
}
