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
  /** The session was TLS / authenticated as this user. */
  secure: boolean;
  user?: string;
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
  /** Offer STARTTLS with this key and certificate (or TLS from the start with `secure`). */
  tls?: { key: string; cert: string; secure?: boolean };
  /** Require AUTH PLAIN/LOGIN with these credentials. */
  auth?: { user: string; pass: string };
}

function smtpError(verdict: NonNullable<Verdict>): Error {
  const error = new Error(verdict.message ?? `Rejected with ${verdict.code}`);
  return Object.assign(error, { responseCode: verdict.code });
}

/**
 * A real SMTP server in the test's process: what every test and the chaos run send mail to.
 * It can misbehave on demand: `respond` (and `respondMailFrom`, `respondRcpt`) answer with a
 * 4xx/5xx, `cutMidData` drops the connection before a message's final dot (never delivered),
 * `dropBeforeReply` after it (accepted, but the client never hears 250), `outage` closes the
 * listener for a while, `dropConnections` cuts every open connection.
 */
export class SmtpSink {
  /** Every accepted message in arrival order. */
  readonly accepted: Accepted[] = [];
  respond: (to: string[], raw: string) => Verdict = () => null;
  /** Reply to MAIL FROM; `transaction` counts from 1 within the session (connection). */
  respondMailFrom: (address: string, transaction: number) => Verdict = () => null;
  respondRcpt: (address: string) => Verdict = () => null;
  cutMidData: (to: string[]) => boolean = () => false;
  /** The server "crashes" after the whole message arrived: its connection is cut, no reply. */
  dropBeforeReply: (raw: string) => boolean = () => false;
  replyDelayMs: number;
  /** Messages accepted whose 250 could not be sent (the connection was cut first). */
  unacknowledged = 0;
  /** Connections opened, and the most open at once. */
  sessions = 0;
  maxOpenSessions = 0;
  port = 0;
  private server: SMTPServer;
  private sockets = new Set<Socket>();
  private waiters: Array<() => void> = [];

  constructor(options: SmtpSinkOptions = {}) {
    this.replyDelayMs = options.replyDelayMs ?? 0;
    const { tls, auth } = options;
    this.server = new SMTPServer({
      authOptional: !auth,
      disabledCommands: [...(tls ? [] : ["STARTTLS"]), ...(auth ? [] : ["AUTH"])],
      ...(tls ? { key: tls.key, cert: tls.cert, secure: tls.secure } : {}),
      logger: false,
      size: 10 * 1024 * 1024,
      onAuth: (given, _session, callback) => {
        if (given.username === auth?.user && given.password === auth?.pass) {
          callback(null, { user: given.username });
        } else callback(smtpError({ code: 535, message: "Authentication failed" }));
      },
      onMailFrom: (address, session, callback) => {
        const verdict = this.respondMailFrom(address.address, session.transaction);
        callback(verdict ? smtpError(verdict) : null);
      },
      onRcptTo: (address, _session, callback) => {
        const verdict = this.respondRcpt(address.address);
        callback(verdict ? smtpError(verdict) : null);
      },
      onData: (stream, session, callback) => this.receive(stream, session, callback),
    });
    this.server.on("error", () => {});
    this.server.server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      this.sessions++;
      this.maxOpenSessions = Math.max(this.maxOpenSessions, this.sockets.size);
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
      if (this.dropBeforeReply(raw)) {
        this.socketOf(session)?.destroy();
        return;
      }
      const verdict = this.respond(to, raw);
      if (verdict) {
        callback(smtpError(verdict));
        return;
      }
      const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
      const user = session.user === undefined ? undefined : String(session.user);
      const message = {
        ...{ to, from, raw, messageId: messageIdOf(raw), at: Date.now() },
        ...{ secure: session.secure, user },
      };
      const accept = () => {
        const { raw: _body, ...kept } = message;
        this.accepted.push(kept);
        for (const w of this.waiters.splice(0)) w();
        setTimeout(() => {
          // Cut (an outage) after the message was accepted but before 250 went out: the client
          // cannot know it arrived and must resend it; the copy is the relay's, not a crash's.
          if (!this.socketOf(session)?.writable) this.unacknowledged++;
          callback(null, "OK queued");
        }, this.replyDelayMs);
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

  /** Cut every client connection (a relay restarting, or its idle timeout). */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
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
