import {
  type ConnectionSettings,
  openConnection,
  type PreparedDataConnection,
  resetSession,
  sendPrepared,
} from "./connection.ts";
import { classifySendError } from "./errors.ts";
import type { PreparedMessage } from "./prepare.ts";
import type { Envelope, SendResult, SmtpTransportStats } from "./send-result.ts";

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

/** One connection's worth of sending: at most one message at a time. */
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

/**
 * Persistent connections opened on demand, each sending the queue's next message (FIFO). A
 * connection found dead is replaced; one that fails mid-message is replaced after its message
 * is reported.
 */
export class ConnectionPool {
  readonly stats: SmtpTransportStats = { connectionsOpened: 0, resentOnFreshConnection: 0 };
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private drained: (() => void) | null = null;

  constructor(
    private readonly settings: ConnectionSettings,
    size: number,
    private readonly idleMs: number,
  ) {
    this.slots = Array.from({ length: size }, () => ({ live: null, busy: false }));
  }

  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.busy).length;
  }

  send(message: PreparedMessage, envelope: Envelope): Promise<SendResult> {
    return new Promise((resolve) => {
      this.queue.push({ message, envelope, resolve, movedOnce: false });
      const free = this.slots.find((s) => !s.busy);
      if (free) void this.run(free);
    });
  }

  /** Waits for the queue to drain, then says QUIT on every connection. */
  async close(): Promise<void> {
    if (this.slots.some((s) => s.busy)) await new Promise<void>((ok) => (this.drained = ok));
    for (const slot of this.slots) {
      clearTimeout(slot.idle);
      if (slot.live && !slot.live.gone) slot.live.connection.quit();
      slot.live = null;
    }
  }

  private async run(slot: Slot): Promise<void> {
    slot.busy = true;
    clearTimeout(slot.idle);
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      if (!(await this.deliver(slot, job))) this.queue.unshift(job);
    }
    slot.busy = false;
    slot.idle = setTimeout(() => {
      if (slot.live && !slot.busy) {
        slot.live.connection.quit();
        slot.live = null;
      }
    }, this.idleMs).unref();
    if (this.drained && this.slots.every((s) => !s.busy)) this.drained();
  }

  private async connect(slot: Slot): Promise<Live> {
    let live: Live | undefined;
    const connection = await openConnection(this.settings, () => {
      if (live) live.gone = true;
    });
    live = { connection, gone: connection.destroyed, used: 0 };
    this.stats.connectionsOpened++;
    slot.live = live;
    return live;
  }

  private discard(slot: Slot, live: Live): void {
    live.gone = true;
    live.connection.close();
    if (slot.live === live) slot.live = null;
  }

  /** Send one job on the slot's connection; false = put it back in the queue for another try. */
  private async deliver(slot: Slot, job: Job): Promise<boolean> {
    let live = slot.live && !slot.live.gone ? slot.live : null;
    if (!live) {
      if (slot.live) this.discard(slot, slot.live);
      try {
        live = await this.connect(slot);
      } catch (err) {
        job.resolve({ ok: false, failure: classifySendError(err), outcomeUnknown: false });
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
      if (!(await resetSession(live.connection))) this.discard(slot, live);
    } else {
      this.discard(slot, live);
      // A reused connection that died before this message's data went out was stale (an idle
      // timeout or a 421 on MAIL FROM): the server cannot have the message, so one more try
      // on a fresh connection cannot duplicate it.
      if (reused && !attempt.dataWritten && !job.movedOnce) {
        job.movedOnce = true;
        this.stats.resentOnFreshConnection++;
        return false;
      }
    }
    const failure = classifySendError(attempt.error);
    job.resolve({
      ok: false,
      failure,
      outcomeUnknown: attempt.dataWritten && failure.code === null,
    });
    return true;
  }
}
