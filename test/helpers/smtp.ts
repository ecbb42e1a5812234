import type { AddressInfo, Socket } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";

export interface ReceivedMail {
  /** RCPT TO addresses. */
  to: string[];
  from: string;
  raw: string;
  parsed: ParsedMail;
  /** The session was TLS / authenticated as this user. */
  secure: boolean;
  user?: string;
}

/** An SMTP reply to force for one message: e.g. { code: 421 } or { code: 550 }. */
export type Verdict = { code: number; message?: string } | null;

export interface TestSmtpOptions {
  /** Offer STARTTLS with this key and certificate (or TLS from the start with `secure`). */
  tls?: { key: string; cert: string; secure?: boolean };
  /** Require AUTH PLAIN/LOGIN with these credentials. */
  auth?: { user: string; pass: string };
}

function smtpError(verdict: NonNullable<Verdict>): Error {
  const err = new Error(verdict.message ?? `Rejected with ${verdict.code}`) as Error & {
    responseCode: number;
  };
  err.responseCode = verdict.code;
  return err;
}

/**
 * A real SMTP server in-process: every accepted message is parsed with mailparser.
 * `respond` lets a test reject chosen messages with a 4xx or 5xx.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  respond: (to: string[], raw: string) => Verdict = () => null;
  /** Reply to MAIL FROM; `transaction` counts from 1 within the session (connection). */
  respondMailFrom: (address: string, transaction: number) => Verdict = () => null;
  respondRcpt: (address: string) => Verdict = () => null;
  /** The server "crashes" after the whole message arrived: its connection is cut, no reply. */
  dropBeforeReply: (raw: string) => boolean = () => false;
  /** Wait this long before answering a complete message. */
  replyDelayMs = 0;
  /** Connections opened, and the most open at once. */
  sessions = 0;
  maxOpenSessions = 0;
  private open = new Map<number, Socket>();
  private server: SMTPServer;
  private waiters: Array<() => void> = [];
  port = 0;

  constructor(options: TestSmtpOptions = {}) {
    const disabled = [...(options.tls ? [] : ["STARTTLS"]), ...(options.auth ? [] : ["AUTH"])];
    this.server = new SMTPServer({
      authOptional: !options.auth,
      disabledCommands: disabled,
      ...(options.tls
        ? { key: options.tls.key, cert: options.tls.cert, secure: options.tls.secure }
        : {}),
      logger: false,
      size: 10 * 1024 * 1024,
      onAuth: (auth, _session, callback) => {
        const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass;
        if (ok) callback(null, { user: auth.username });
        else callback(smtpError({ code: 535, message: "Authentication failed" }));
      },
      onMailFrom: (address, session, callback) => {
        const verdict = this.respondMailFrom(address.address, session.transaction);
        callback(verdict ? smtpError(verdict) : null);
      },
      onRcptTo: (address, _session, callback) => {
        const verdict = this.respondRcpt(address.address);
        callback(verdict ? smtpError(verdict) : null);
      },
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback) => {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          if (this.dropBeforeReply(raw)) {
            this.open.get(session.remotePort)?.destroy();
            return;
          }
          setTimeout(() => this.answer(session, raw, callback), this.replyDelayMs);
        });
      },
    });
    this.server.on("error", () => {});
  }

  private async answer(
    session: SMTPServerSession,
    raw: string,
    callback: (err: Error | null, message?: string) => void,
  ): Promise<void> {
    const to = session.envelope.rcptTo.map((r) => r.address);
    const verdict = this.respond(to, raw);
    if (verdict) {
      callback(smtpError(verdict));
      return;
    }
    const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
    const user = session.user === undefined ? undefined : String(session.user);
    const parsed = await simpleParser(raw);
    this.received.push({ to, from, raw, parsed, secure: session.secure, user });
    callback(null, "OK queued");
    for (const w of this.waiters.splice(0)) w();
  }

  /** Cut every client connection (a relay restarting, or its idle timeout). */
  dropConnections(): void {
    for (const socket of this.open.values()) socket.destroy();
  }

  async start(): Promise<this> {
    this.server.server.on("connection", (socket: Socket) => {
      const port = socket.remotePort!;
      this.open.set(port, socket);
      this.sessions++;
      this.maxOpenSessions = Math.max(this.maxOpenSessions, this.open.size);
      socket.once("close", () => this.open.delete(port));
    });
    await new Promise<void>((ok) => this.server.listen(0, "127.0.0.1", ok));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}?tls=off`;
  }

  /** Messages received for one address. */
  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.to.includes(address));
  }

  /** Wait until at least `count` messages arrived (or fail after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`expected ${count} message(s), got ${this.received.length}`);
      }
      await new Promise<void>((ok) => {
        const timer = setTimeout(ok, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          ok();
        });
      });
    }
    return this.received;
  }

  clear(): void {
    this.received.length = 0;
  }

  stop(): Promise<void> {
    return new Promise((ok) => this.server.close(() => ok()));
  }
}
