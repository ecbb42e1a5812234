import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";

export interface ReceivedMail {
  /** RCPT TO addresses. */
  to: string[];
  from: string;
  raw: string;
  parsed: ParsedMail;
}

/** An SMTP reply to force for one message: e.g. { code: 421 } or { code: 550 }. */
export type Verdict = { code: number; message?: string } | null;

/**
 * A real SMTP server in-process: every accepted message is parsed with mailparser.
 * `respond` lets a test reject chosen messages with a 4xx or 5xx.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  respond: (to: string[], raw: string) => Verdict = () => null;
  private server: SMTPServer;
  private waiters: Array<() => void> = [];
  port = 0;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      size: 10 * 1024 * 1024,
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback) => {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", async () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          const to = session.envelope.rcptTo.map((r) => r.address);
          const verdict = this.respond(to, raw);
          if (verdict) {
            const err = new Error(verdict.message ?? `Rejected with ${verdict.code}`) as Error & {
              responseCode: number;
            };
            err.responseCode = verdict.code;
            callback(err);
            return;
          }
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
          this.received.push({ to, from, raw, parsed: await simpleParser(raw) });
          callback(null, "OK queued");
          for (const w of this.waiters.splice(0)) w();
        });
      },
    });
    this.server.on("error", () => {});
  }

  async start(): Promise<this> {
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
