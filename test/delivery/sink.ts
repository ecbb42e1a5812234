import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/**
 * An SMTP sink that takes its time: each message is counted as soon as its data is complete
 * (the server has it), then answered 250 only after `replyDelayMs`. A client killed in that
 * gap never learns the outcome — the worst case for duplicates after a crash.
 */
export class SlowSink {
  /** Message-IDs received per recipient. */
  readonly received = new Map<string, string[]>();
  private server: SMTPServer;
  port = 0;

  constructor(replyDelayMs: number) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onData: (stream, session, callback) => {
        let head = "";
        stream.on("data", (chunk: Buffer) => {
          if (head.length < 4096) head += chunk.toString("utf8");
        });
        stream.on("end", () => {
          const messageId = /^Message-ID:\s*(\S+)/im.exec(head)?.[1] ?? "";
          for (const { address } of session.envelope.rcptTo) {
            this.received.set(address, [...(this.received.get(address) ?? []), messageId]);
          }
          setTimeout(() => callback(null, "OK queued"), replyDelayMs);
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

  get total(): number {
    let n = 0;
    for (const ids of this.received.values()) n += ids.length;
    return n;
  }

  stop(): Promise<void> {
    return new Promise((ok) => this.server.close(() => ok()));
  }
}
