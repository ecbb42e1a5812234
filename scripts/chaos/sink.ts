import type { Socket } from "node:net";
import { SMTPServer } from "smtp-server";

/** One accepted message: its Message-ID and when the sink took it (ms since epoch). */
export interface Accepted {
  messageId: string;
  at: number;
}

export interface SinkFaults {
  /** Share of messages answered `421` after their data (the client must retry). */
  tempFailRate: number;
  /** Share of messages whose connection is cut in the middle of DATA (never delivered). */
  dropRate: number;
}

/**
 * The chaos run's SMTP relay, in the orchestrating process so it outlives every kill of the
 * app's processes. Counts what it accepted per address, and can misbehave on demand: 421s,
 * connections dropped mid-DATA, and whole outages (listener closed, open connections cut).
 */
export class ChaosSink {
  /** Digests accepted per recipient (Message-ID `digest.*`). */
  readonly digests = new Map<string, Accepted[]>();
  /** Every other accepted mail (confirmations, welcomes) per recipient. */
  readonly transactional = new Map<string, Accepted[]>();
  /** Digests accepted per edition (from the Message-ID `digest.<id>.<edition>@host`). */
  readonly perEdition = new Map<string, number>();
  faults: SinkFaults = { tempFailRate: 0, dropRate: 0 };
  readonly injected = { tempFailures: 0, drops: 0, outages: 0 };
  private server: SMTPServer;
  private sockets = new Map<string, Socket>();
  port = 0;

  constructor(private random: () => number = Math.random) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      size: 10 * 1024 * 1024,
      onData: (stream, session, callback) => {
        const key = `${session.remoteAddress}:${session.remotePort}`;
        const drop = this.random() < this.faults.dropRate;
        let head = "";
        let cut = false;
        stream.on("data", (chunk: Buffer) => {
          if (head.length < 8192) head += chunk.toString("utf8");
          if (drop && !cut) {
            // The server never gets the final dot: an SMTP server does not deliver this.
            cut = true;
            this.injected.drops++;
            this.sockets.get(key)?.destroy();
          }
        });
        stream.on("end", () => {
          if (cut) return;
          if (this.random() < this.faults.tempFailRate) {
            this.injected.tempFailures++;
            const err = new Error("Try again later (chaos)") as Error & { responseCode: number };
            err.responseCode = 421;
            callback(err);
            return;
          }
          const messageId = /^Message-ID:\s*<?([^>\s]+)>?/im.exec(head)?.[1] ?? "";
          const book = messageId.startsWith("digest.") ? this.digests : this.transactional;
          const edition = /^digest\.\d+\.(\d{4}-\d{2}-\d{2})@/.exec(messageId)?.[1];
          if (edition) this.perEdition.set(edition, (this.perEdition.get(edition) ?? 0) + 1);
          for (const { address } of session.envelope.rcptTo) {
            const list = book.get(address) ?? [];
            list.push({ messageId, at: Date.now() });
            book.set(address, list);
          }
          callback(null, "OK queued");
        });
      },
    });
    this.server.on("error", () => {});
    this.server.server.on("connection", (socket: Socket) => {
      const key = `${socket.remoteAddress}:${socket.remotePort}`;
      this.sockets.set(key, socket);
      socket.on("close", () => this.sockets.delete(key));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((ok) => this.server.server.listen(this.port, "127.0.0.1", ok));
    this.port = (this.server.server.address() as { port: number }).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}?tls=off`;
  }

  /** Refuse connections and cut the open ones for `ms`, then listen on the same port again. */
  async outage(ms: number): Promise<void> {
    this.injected.outages++;
    await new Promise<void>((ok) => {
      this.server.server.close(() => ok());
      for (const s of this.sockets.values()) s.destroy();
    });
    await new Promise((ok) => setTimeout(ok, ms));
    await this.start();
  }

  /** Digests of one edition per recipient. */
  digestsOf(edition: string): Map<string, Accepted[]> {
    const out = new Map<string, Accepted[]>();
    for (const [address, list] of this.digests) {
      const mine = list.filter((a) => a.messageId.includes(`.${edition}@`));
      if (mine.length) out.set(address, mine);
    }
    return out;
  }

  get totalDigests(): number {
    let n = 0;
    for (const list of this.digests.values()) n += list.length;
    return n;
  }

  stop(): Promise<void> {
    for (const s of this.sockets.values()) s.destroy();
    return new Promise((ok) => this.server.close(() => ok()));
  }
}
