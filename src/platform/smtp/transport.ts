import type { Config } from "../config.ts";
import type { ConnectionSettings } from "./connection.ts";
import { type DkimSettings, dkimSettings, smtpEndpoint } from "./options.ts";
import { ConnectionPool } from "./pool.ts";
import { createDkimSigner, type PreparedMessage, toSmtpData } from "./prepare.ts";
import type { Envelope, SendResult, SmtpTransportStats } from "./send-result.ts";

export type { Envelope, SendResult, SmtpTransportStats };

export interface SmtpTransportOptions extends ConnectionSettings {
  /** Persistent connections, i.e. messages in flight (nodemailer runs one transaction per connection at a time). */
  connections: number;
  dkim?: DkimSettings;
  /** A connection with nothing to send for this long says QUIT (default 10 s). */
  idleMs?: number;
}

export interface SmtpTransport {
  /**
   * DKIM-sign (when configured) and dot-stuff once; do it when the message is built.
   * `known: "canonical"`: the builder guarantees the DATA form already (see toSmtpData).
   */
  prepare(raw: Buffer, known?: "canonical"): Promise<PreparedMessage>;
  /**
   * Hand one message to the relay. Never rejects for SMTP trouble: the result is the server's
   * acceptance or a classified failure. Calls beyond `connections` wait their turn (FIFO).
   */
  send(message: PreparedMessage | Buffer, envelope: Envelope): Promise<SendResult>;
  /** Messages queued or in flight. */
  readonly pending: number;
  readonly stats: Readonly<SmtpTransportStats>;
  /** Finishes what was handed over, then says QUIT on every connection. */
  close(): Promise<void>;
}

/** A small pool of persistent connections sending prepared messages (see prepare.ts). */
export function createSmtpTransport(options: SmtpTransportOptions): SmtpTransport {
  const sign = options.dkim ? createDkimSigner(options.dkim) : null;
  const pool = new ConnectionPool(
    options,
    Math.max(1, options.connections),
    options.idleMs ?? 10_000,
  );
  let closing: Promise<void> | null = null;
  async function prepare(raw: Buffer, known?: "canonical"): Promise<PreparedMessage> {
    // The signature header is nodemailer's, not the builder's: scan the signed message.
    return sign ? toSmtpData(await sign(raw)) : toSmtpData(raw, known);
  }
  return {
    prepare,
    async send(message, envelope) {
      if (closing) throw new Error("the SMTP transport is closed");
      return pool.send(Buffer.isBuffer(message) ? await prepare(message) : message, envelope);
    },
    get pending() {
      return pool.pending;
    },
    stats: pool.stats,
    close() {
      closing ??= pool.close();
      return closing;
    },
  };
}

/** The transport SMTP_URL and DKIM_* describe, or null in dev-outbox mode (no SMTP_URL). */
export function smtpTransportFor(
  config: Config,
  connections: number,
  extra: Partial<SmtpTransportOptions> = {},
): SmtpTransport | null {
  if (!config.SMTP_URL) return null;
  return createSmtpTransport({
    endpoint: smtpEndpoint(config.SMTP_URL),
    connections,
    dkim: dkimSettings(config),
    ...extra,
  });
}
