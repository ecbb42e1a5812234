import type { AddressInfo, Socket } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import { waitUntil } from "./wait.ts";

/** The Message-ID header without angle brackets, from the header block only. */
function messageIdOf(raw: string): string {
  const end = raw.indexOf("\r\n\r\n");
  const head = end === -1 ? raw : raw.slice(0, end);
  return /^Message-ID:\s*<?([^>\s]+)>?/im.exec(head)?.[1] ?? "";
}

/** What the sink knows of one message the moment its data is complete. */
export interface SmtpMessage {
  /** RCPT TO addresses. */
  to: string[];
  from: string;
  raw: string;
  /** The Message-ID header without angle brackets ("" when missing). */
  messageId: string;
  /** When the data was complete (ms since epoch). */
  at: number;
}

/** An accepted message as the kit keeps it: without the body, so counting sinks stay small. */
export type Accepted = Omit<SmtpMessage, "raw">;

/** An SMTP reply to force for one message: e.g. { code: 421 } or { code: 550 }. */
export type Verdict = { code: number; message?: string } | null;

export interface SmtpSinkOptions {
  /**
   * Answer 250 this long after the data is complete. The message counts as accepted at once:
   * a client killed in that gap never learns the outcome (the worst case after a crash).
   */
  replyDelayMs?: number;
}

/**
 * A real SMTP server in the test's process: what every test and the chaos run send mail to.
 * It can misbehave on demand: `respond` answers chosen messages with a 4xx/5xx, `cutMidData`
 * drops the connection before a message's final dot (never delivered), `outage` closes the
 * listener for a while.
 */
export class SmtpSink {
  /** Every accepted message in arrival order. */
  readonly accepted: Accepted[] = [];
  respond: (to: string[], raw: string) => Verdict = () => null;
  cutMidData: (to: string[]) => boolean = () => false;
  port = 0;
  private server: SMTPServer;
  private sockets = new Set<Socket>();
  private waiters: Array<() => void> = [];

  constructor(private options: SmtpSinkOptions = {}) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      size: 10 * 1024 * 1024,
      onData: (stream, session, callback) => this.receive(stream, session, callback),
    });
    this.server.on("error", () => {});
    this.server.server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  private receive(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (error?: Error | null, message?: string) => void,
  ): void {
    const to = session.envelope.rcptTo.map((r) => r.address);
    const cut = this.cutMidData(to);
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => {
      if (cut) {
        // The server never gets the final dot: an SMTP server does not deliver this.
        this.socketOf(session)?.destroy();
        return;
      }
      chunks.push(chunk);
    });
    stream.on("end", () => {
      if (cut) return;
      const raw = Buffer.concat(chunks).toString("utf8");
      const verdict = this.respond(to, raw);
      if (verdict) {
        const error = new Error(verdict.message ?? `Rejected with ${verdict.code}`);
        callback(Object.assign(error, { responseCode: verdict.code }));
        return;
      }
      const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
      const message = { to, from, raw, messageId: messageIdOf(raw), at: Date.now() };
      const accept = () => {
        this.accepted.push({ to, from, messageId: message.messageId, at: message.at });
        for (const w of this.waiters.splice(0)) w();
        setTimeout(() => callback(null, "OK queued"), this.options.replyDelayMs ?? 0);
      };
      Promise.resolve(this.onAccepted(message)).then(accept, accept);
    });
  }

  /** What a kind of sink keeps of each accepted message (before the client hears 250). */
  protected onAccepted(_message: SmtpMessage): void | Promise<void> {}

  private socketOf(session: SMTPServerSession): Socket | undefined {
    for (const s of this.sockets) {
      if (s.remotePort === session.remotePort && s.remoteAddress === session.remoteAddress) {
        return s;
      }
    }
    return undefined;
  }

  /** Listen on 127.0.0.1 (a free port the first time, the same one after an outage). */
  async start(): Promise<this> {
    await new Promise<void>((ok) => this.server.server.listen(this.port, "127.0.0.1", ok));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}?tls=off`;
  }

  get total(): number {
    return this.accepted.length;
  }

  /** Message-IDs accepted for one address, in order (a resend shows as a repeat). */
  messageIdsTo(address: string): string[] {
    return this.accepted.filter((m) => m.to.includes(address)).map((m) => m.messageId);
  }

  /** Wait until at least `count` messages were accepted (or fail after `timeoutMs`). */
  async waitForTotal(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.total < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} message(s), got ${this.total}`);
      await new Promise<void>((ok) => {
        const timer = setTimeout(ok, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          ok();
        });
      });
    }
  }

  /** Refuse connections and cut the open ones for `ms`, then listen on the same port again. */
  async outage(ms: number): Promise<void> {
    await this.close();
    await new Promise((ok) => setTimeout(ok, ms));
    await this.start();
  }

  stop(): Promise<void> {
    return this.close();
  }

  private close(): Promise<void> {
    const closed = new Promise<void>((ok) => this.server.server.close(() => ok()));
    for (const s of this.sockets) s.destroy();
    return closed;
  }
}

export interface ReceivedMail extends SmtpMessage {
  parsed: ParsedMail;
}

/** The sink most tests use: every accepted message kept whole and parsed with mailparser. */
export class TestSmtpServer extends SmtpSink {
  readonly received: ReceivedMail[] = [];

  protected override async onAccepted(message: SmtpMessage): Promise<void> {
    this.received.push({ ...message, parsed: await simpleParser(message.raw) });
  }

  /** Messages received for one address. */
  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.to.includes(address));
  }

  /** Wait until at least `count` messages arrived (or fail after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    await this.waitForTotal(count, timeoutMs);
    return this.received;
  }

  /** Wait until `address` got at least `count` messages; resolves with them. */
  async waitForMailTo(address: string, count = 1, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    await waitUntil(() => this.to(address).length >= count, `mail #${count} to ${address}`, {
      timeoutMs,
      everyMs: 20,
    });
    return this.to(address);
  }

  clear(): void {
    this.received.length = 0;
    this.accepted.length = 0;
  }
}
