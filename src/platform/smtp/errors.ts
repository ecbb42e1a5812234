/**
 * What a failed send means. Only a 5xx answer to the recipient or to the message itself says
 * "this address will never take it" (a hard bounce); every other failure (4xx, timeouts,
 * refused or dropped connections, a 5xx to MAIL FROM or AUTH, which is the relay's problem,
 * not the reader's) is retried later.
 */
export type SendFailure = { kind: "permanent" | "transient"; code: number | null; reason: string };

interface NodemailerError {
  responseCode?: number;
  command?: string;
  code?: string;
  message?: string;
}

const RECIPIENT_COMMANDS = new Set(["RCPT TO", "DATA"]);

export function classifySendError(error: unknown): SendFailure {
  const e = (error ?? {}) as NodemailerError;
  const code = typeof e.responseCode === "number" ? e.responseCode : null;
  const permanent =
    code !== null && code >= 500 && code < 600 && RECIPIENT_COMMANDS.has(e.command ?? "");
  return { kind: permanent ? "permanent" : "transient", code, reason: describe(e, code) };
}

/** A short reason for the delivery row and logs, with any address in it blanked out. */
function describe(e: NodemailerError, code: number | null): string {
  const text = [code ?? e.code, e.command, e.message].filter(Boolean).join(" ");
  return text
    .replace(/[^\s<>"'@]+@[^\s<>"'@]+/g, "[address]")
    .replace(/\s+/g, " ")
    .slice(0, 300);
}
