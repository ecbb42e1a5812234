import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import type { Config } from "./config.ts";
import { type DkimSettings, dkimSettings, SMTP_TIMEOUTS, smtpEndpoint } from "./smtp/options.ts";

/** A message built by the app: both parts, plus any extra headers. */
export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
  /** Without angle brackets; nodemailer adds them. Deterministic ids make resends recognisable. */
  messageId?: string;
}

/** A message whose MIME source was assembled by the caller (the fast delivery path). */
export interface RawMail {
  to: string;
  raw: string | Buffer;
  messageId: string;
}

export interface SentInfo {
  messageId: string;
  /** The server's final reply, e.g. "250 OK queued". */
  response: string;
}

export interface Mailer {
  readonly kind: "smtp" | "outbox";
  send(mail: OutgoingMail | RawMail): Promise<SentInfo>;
  close(): Promise<void>;
}

export interface MailerOptions {
  /** Parallel SMTP connections; match the send worker's concurrency. */
  poolSize?: number;
}

/** SMTP (pooled) when SMTP_URL is set, else .eml files in the dev outbox. */
export function createMailer(config: Config, options: MailerOptions = {}): Mailer {
  const dkim = dkimSettings(config);
  if (config.SMTP_URL) return smtpMailer(config.SMTP_URL, config.MAIL_FROM, dkim, options);
  return outboxMailer(config.OUTBOX_DIR, config.MAIL_FROM, dkim);
}

function toMessage(mail: OutgoingMail | RawMail, from: string) {
  if ("raw" in mail) {
    return {
      envelope: { from: addressOf(from), to: [mail.to] },
      raw: mail.raw,
      messageId: mail.messageId,
    };
  }
  return {
    from,
    to: mail.to,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    headers: mail.headers,
    messageId: mail.messageId ? `<${mail.messageId}>` : undefined,
  };
}

/** "Name <a@b>" → "a@b", for SMTP envelopes. */
export function addressOf(from: string): string {
  const match = /<([^>]+)>/.exec(from);
  return (match ? match[1]! : from).trim();
}

function smtpMailer(
  url: string,
  from: string,
  dkim: DkimSettings | undefined,
  options: MailerOptions,
): Mailer {
  const transport = nodemailer.createTransport({
    pool: true,
    ...smtpEndpoint(url),
    maxConnections: options.poolSize ?? 5,
    maxMessages: Number.POSITIVE_INFINITY,
    ...SMTP_TIMEOUTS,
    dkim,
  });
  return {
    kind: "smtp",
    async send(mail) {
      const message = toMessage(mail, from);
      const info = await transport.sendMail(message);
      return {
        messageId: String(info.messageId ?? message.messageId ?? ""),
        response: String(info.response ?? ""),
      };
    },
    async close() {
      transport.close();
    },
  };
}

function outboxMailer(dir: string, from: string, dkim: DkimSettings | undefined): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, dkim });
  return {
    kind: "outbox",
    async send(mail) {
      const info = await transport.sendMail(toMessage(mail, from));
      await mkdir(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      const id = String(info.messageId ?? "").replace(/[^A-Za-z0-9@._-]/g, "");
      await writeFile(path.join(dir, `${stamp}-${id || "message"}.eml`), info.message as Buffer);
      return { messageId: String(info.messageId ?? ""), response: "250 written to dev outbox" };
    },
    async close() {},
  };
}
