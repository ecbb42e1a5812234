import type { Config } from "../config.ts";
import {
  type ConnectionSettings,
  openConnection,
  type PreparedDataConnection,
  resetSession,
  sendPrepared,
} from "./connection.ts";
import { classifySendError, type SendFailure } from "./errors.ts";
import { type DkimSettings, dkimSettings, smtpEndpoint } from "./options.ts";
import { createDkimSigner, type PreparedMessage, toSmtpData } from "./prepare.ts";

export type SendResult = { ok: true; response: string } | { ok: false; failure: SendFailure };

/** Bare addresses: the envelope, not the headers. */
export interface Envelope {
  from: string;
  to: string;
}

export interface SmtpTransportOptions extends ConnectionSettings {
  /** Persistent connections, i.e. messages in flight (nodemailer runs one transaction per connection at a time). */
  connections: number;
  dkim?: DkimSettings;
  /** A connection with nothing to send for this long says QUIT (default 10 s). */
  idleMs?: number;
}

export interface SmtpTransportStats {
  connectionsOpened: number;
  /** Messages moved to a fresh connection because theirs died before any of their data was sent. */
  resentOnFreshConnection: number;
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

interface Job {
  message: PreparedMessage;
  envelope: Envelope;
  resolve(result: SendResult): void;
  movedOnce: boolean;
}

interface Live {
  connection: PreparedDataConnection;
  gone: boolean;
  used: number;
}

interface Slot {
  live: Live | null;
  busy: boolean;
  idle?: NodeJS.Timeout;
}

/** A refusal of this message by a healthy session, as opposed to a broken session. */
function isRefusal(error: unknown): boolean {
  const e = error as { code?: string; responseCode?: number };
  return (e.code === "EENVELOPE" || e.code === "EMESSAGE") && e.responseCode !== 421;
}

/** A small pool of persistent connections sending prepared messages (see prepare.ts). */
export function createSmtpTransport(options: SmtpTransportOptions): SmtpTransport {
  const idleMs = options.idleMs ?? 10_000;
  const sign = options.dkim ? createDkimSigner(options.dkim) : null;
  const slots: Slot[] = Array.from({ length: Math.max(1, options.connections) }, () => ({
    live: null,
    busy: false,
  }));
  const queue: Job[] = [];
  const stats: SmtpTransportStats = { connectionsOpened: 0, resentOnFreshConnection: 0 };
  let closing: Promise<void> | null = null;
  let drained: (() => void) | null = null;

  async function prepare(raw: Buffer, known?: "canonical"): Promise<PreparedMessage> {
    // The signature header is nodemailer's, not the builder's: scan the signed message.
    return sign ? toSmtpData(await sign(raw)) : toSmtpData(raw, known);
  }

  async function connect(slot: Slot): Promise<Live> {
    let live: Live | undefined;
    const connection = await openConnection(options, () => {
      if (live) live.gone = true;
    });
    live = { connection, gone: connection.destroyed, used: 0 };
    stats.connectionsOpened++;
    slot.live = live;
    return live;
  }

  function discard(slot: Slot, live: Live): void {
    live.gone = true;
    live.connection.close();
    if (slot.live === live) slot.live = null;
  }

  /** Send one job on the slot's connection; false = put back in the queue for another try. */
  async function deliver(slot: Slot, job: Job): Promise<boolean> {
    let live = slot.live && !slot.live.gone ? slot.live : null;
    if (!live) {
      if (slot.live) discard(slot, slot.live);
      try {
        live = await connect(slot);
      } catch (err) {
        job.resolve({ ok: false, failure: classifySendError(err) });
        return true;
      }
    }
    const reused = live.used++ > 0;
    const attempt = await sendPrepared(live.connection, job.envelope, job.message);
    if (attempt.ok) {
      job.resolve({ ok: true, response: attempt.response });
      return true;
    }
    if (isRefusal(attempt.error) && !live.gone && !live.connection.destroyed) {
      if (!(await resetSession(live.connection))) discard(slot, live);
    } else {
      discard(slot, live);
      // A reused connection that died before this message's data went out was stale (an idle
      // timeout or a 421 on MAIL FROM): the server cannot have the message, so one more try
      // on a fresh connection cannot duplicate it.
      if (reused && !attempt.dataWritten && !job.movedOnce) {
        job.movedOnce = true;
        stats.resentOnFreshConnection++;
        return false;
      }
    }
    job.resolve({ ok: false, failure: classifySendError(attempt.error) });
    return true;
  }

  async function run(slot: Slot): Promise<void> {
    slot.busy = true;
    clearTimeout(slot.idle);
    for (let job = queue.shift(); job; job = queue.shift()) {
      if (!(await deliver(slot, job))) queue.unshift(job);
    }
    slot.busy = false;
    slot.idle = setTimeout(() => {
      if (slot.live && !slot.busy) {
        slot.live.connection.quit();
        slot.live = null;
      }
    }, idleMs).unref();
    if (drained && slots.every((s) => !s.busy)) drained();
  }

  function wake(): void {
    const free = slots.find((s) => !s.busy);
    if (free) void run(free);
  }

  return {
    prepare,
    async send(message, envelope) {
      if (closing) throw new Error("the SMTP transport is closed");
      const prepared = Buffer.isBuffer(message) ? await prepare(message) : message;
      return new Promise<SendResult>((resolve) => {
        queue.push({ message: prepared, envelope, resolve, movedOnce: false });
        wake();
      });
    },
    get pending() {
      return queue.length + slots.filter((s) => s.busy).length;
    },
    stats,
    close() {
      closing ??= (async () => {
        if (slots.some((s) => s.busy)) await new Promise<void>((ok) => (drained = ok));
        for (const slot of slots) {
          clearTimeout(slot.idle);
          if (slot.live && !slot.live.gone) slot.live.connection.quit();
          slot.live = null;
        }
      })();
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
