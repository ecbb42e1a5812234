import { performance } from "node:perf_hooks";
import pLimit, { type LimitFunction } from "p-limit";
import type { ComposedDigest } from "../digests/types.ts";
import type { Deps } from "../platform/deps.ts";
import { addressOf, type OutgoingMail, type RawMail } from "../platform/mailer.ts";
import { classifySendError } from "../platform/smtp/errors.ts";
import type { PreparedMessage } from "../platform/smtp/prepare.ts";
import type { SendResult, SmtpTransport } from "../platform/smtp/transport.ts";
import {
  createDigestMimeBuilder,
  type DigestMime,
  type DigestMimeBuilder,
  mimeCanAddress,
} from "./mime.ts";

/**
 * What goes to SMTP for one digest: prepared DATA for the bulk transport (built at compose time,
 * dot-stuffed and DKIM-signed once, off-heap), or a message for the mailer (dev outbox, a test's
 * mailer, or a non-ASCII address, which needs nodemailer's structured path).
 */
export type Payload = { prepared: PreparedMessage } | { mail: OutgoingMail | RawMail };

/** The MIME builder's input; the HTML goes in parts (the joined string is made only if read). */
export function mimeOf(to: string, digest: ComposedDigest, date: Date): DigestMime {
  return {
    to,
    date,
    subject: digest.subject,
    textParts: digest.textParts,
    get text() {
      return digest.text;
    },
    htmlParts: digest.htmlParts,
    get html() {
      return digest.html;
    },
    messageId: digest.messageId,
    headers: digest.headers,
  };
}

/** Sends digests through the process's transport when there is one, else through the mailer. */
export class Transmitter {
  private readonly transport: SmtpTransport | null;
  private readonly buildMime: DigestMimeBuilder;
  private readonly from: string;
  /** The mailer path's parallelism (the transport queues by itself). */
  private readonly mailerSlots: LimitFunction;

  constructor(private readonly deps: Pick<Deps, "config" | "mailer" | "metrics" | "smtp">) {
    this.transport = deps.smtp();
    this.buildMime = createDigestMimeBuilder(deps.config.MAIL_FROM);
    this.from = addressOf(deps.config.MAIL_FROM);
    this.mailerSlots = pLimit(Math.max(1, deps.config.SEND_CONCURRENCY));
  }

  /** Build what will be sent, once, at compose time. */
  async payload(to: string, digest: ComposedDigest, date: Date): Promise<Payload> {
    if (!mimeCanAddress(to)) return { mail: { to, ...digest } };
    const raw = this.buildMime(mimeOf(to, digest, date));
    if (this.transport) return { prepared: await this.transport.prepare(raw, "canonical") };
    return { mail: { to, raw, messageId: digest.messageId } };
  }

  /**
   * The message's memory may take a later message: its server accepted it (250: every byte was
   * written), or it was never handed over. Not after a failure: a write may still be under way.
   */
  release(payload: Payload): void {
    if ("prepared" in payload) this.buildMime.release(payload.prepared.body);
  }

  /** Hand one message over; resolves with the server's answer, never rejects for SMTP trouble. */
  async send(to: string, payload: Payload): Promise<SendResult> {
    const started = performance.now();
    const result =
      "prepared" in payload && this.transport
        ? await this.transport.send(payload.prepared, { from: this.from, to })
        : await this.viaMailer(payload);
    if (result.ok) this.deps.metrics.sendDuration.observe((performance.now() - started) / 1000);
    return result;
  }

  private viaMailer(payload: Payload): Promise<SendResult> {
    if (!("mail" in payload)) throw new Error("a prepared message needs the SMTP transport");
    return this.mailerSlots(async () => {
      try {
        const info = await this.deps.mailer.send(payload.mail);
        return { ok: true, response: info.response };
      } catch (err) {
        return { ok: false, failure: classifySendError(err), outcomeUnknown: false };
      }
    });
  }
}
