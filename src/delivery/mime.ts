import { randomBytes } from "node:crypto";
import { encodeWords, foldLines } from "nodemailer/lib/mime-funcs";
import type { MailPart, SharedPart } from "../digests/types.ts";
import { MessageBuffers } from "./message-buffers.ts";
import { encode, encodedBound } from "./quoted-printable.ts";

/**
 * The digest's MIME source, assembled directly: nodemailer's sendMail spends most of a
 * message's CPU on generic MIME encoding (quoted-printable, line-length scans), which made it
 * ~7× slower than sending a prebuilt message. The structure is fixed, so it is built once per
 * sender: headers, multipart/alternative, text/plain then text/html, both UTF-8 in
 * quoted-printable (quoted-printable.ts: 7-bit, lines of at most 76 characters, no line starts
 * with a dot), written straight into one Buffer. Shared parts (a card's markup and text lines,
 * the page's fixed head) are encoded once per builder and copied. So the output is already in SMTP
 * DATA form: toSmtpData(raw, "canonical") needs no scan.
 */

export interface DigestMime {
  to: string;
  subject: string;
  /** The text; not read when `textParts` is given. */
  text: string;
  textParts?: readonly MailPart[];
  /** The HTML; not read when `htmlParts` is given. */
  html: string;
  htmlParts?: readonly MailPart[];
  messageId: string;
  /** List-Unsubscribe, List-Unsubscribe-Post, List-Id and any other header. */
  headers: Record<string, string>;
  date: Date;
}

const ASCII_ADDRESS = /^[\x21-\x7e]+@[\x21-\x7e]+$/;

/** Whether `buildDigestMime` can address this recipient (non-ASCII addresses need SMTPUTF8 handling). */
export function mimeCanAddress(email: string): boolean {
  return ASCII_ADDRESS.test(email);
}

/** Line breaks in a value would end the header (or inject one); they become spaces. */
const oneLine = (value: string) => value.replace(/[\r\n]+/g, " ");

/** A header line, RFC 2047-encoded when it is not ASCII, folded at 76 characters. */
function header(name: string, value: string): string {
  return foldLines(`${name}: ${encodeWords(oneLine(value), "B", 52, true)}`, 76);
}

/** One growing output buffer and one for a part's UTF-8, reused message after message. */
class Scratch {
  out = Buffer.allocUnsafe(128 * 1024);
  utf8 = Buffer.allocUnsafe(64 * 1024);
  n = 0;

  room(bytes: number): void {
    if (this.n + bytes <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.n + bytes));
    this.out.copy(bigger, 0, 0, this.n);
    this.out = bigger;
  }

  ascii(text: string): void {
    this.room(text.length);
    this.n += this.out.write(text, this.n, "latin1");
  }

  bytes(buffer: Buffer): void {
    this.room(buffer.length);
    this.n += buffer.copy(this.out, this.n);
  }

  /** `text` as UTF-8 in quoted-printable. */
  qp(text: string): void {
    if (this.utf8.length < text.length * 3) this.utf8 = Buffer.allocUnsafe(text.length * 3);
    const length = this.utf8.write(text, 0, "utf8");
    this.room(encodedBound(length));
    this.n = encode(this.utf8, length, this.out, this.n);
  }

  /** What was written since `from`, copied out (into `into` when given). */
  take(from: number, into?: MessageBuffers): Buffer {
    if (into && from === 0) {
      const message = into.copy(this.out, this.n);
      this.n = 0;
      return message;
    }
    const result = Buffer.allocUnsafe(this.n - from);
    this.out.copy(result, 0, from, this.n);
    this.n = from;
    return result;
  }
}

/**
 * A builder for one sender address. The boundary starts with "=_", which quoted-printable never
 * writes ("=" is followed by two hex digits or a line end), so it cannot occur inside a part.
 */
export function createDigestMimeBuilder(from: string) {
  const boundary = `=_pb_${randomBytes(12).toString("hex")}`;
  const fromLine = header("From", from);
  const partHead = (type: string) =>
    `--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n`;
  const textHead = partHead("text/plain");
  const htmlHead = partHead("text/html");
  const tail = `--${boundary}--\r\n`;
  const mimeHead = `MIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n boundary="${boundary}"\r\n\r\n`;
  const scratch = new Scratch();
  const messages = new MessageBuffers();
  /** A shared part's encoding, kept as long as the part lives (the edition's cards). */
  const encoded = new WeakMap<SharedPart, Buffer>();

  const encodedShared = (part: SharedPart): Buffer => {
    let bytes = encoded.get(part);
    if (!bytes) {
      const from = scratch.n;
      scratch.qp(part.text);
      bytes = scratch.take(from);
      encoded.set(part, bytes);
    }
    return bytes;
  };

  function buildDigestMime(mail: DigestMime): Buffer {
    if (!mimeCanAddress(mail.to)) throw new Error("buildDigestMime needs an ASCII address");
    let head = `${fromLine}\r\nTo: ${mail.to}\r\n${header("Subject", mail.subject)}\r\n`;
    head += `Message-ID: <${oneLine(mail.messageId)}>\r\nDate: ${mail.date.toUTCString().replace("GMT", "+0000")}\r\n`;
    for (const [name, value] of Object.entries(mail.headers)) head += `${header(name, value)}\r\n`;
    scratch.n = 0;
    scratch.ascii(`${head}${mimeHead}${textHead}`);
    const parts = (list: readonly MailPart[]) => {
      for (const part of list) {
        if (typeof part === "string") scratch.qp(part);
        else scratch.bytes(encodedShared(part));
      }
    };
    parts(mail.textParts ?? [mail.text]);
    // The line end before a boundary belongs to the boundary: a part's own last one stays.
    scratch.ascii(`\r\n${htmlHead}`);
    parts(mail.htmlParts ?? [mail.html]);
    scratch.ascii(`\r\n${tail}`);
    return scratch.take(0, messages);
  }
  /** A built message the server accepted: its memory takes a later one (message-buffers.ts). */
  const release = (message: Buffer) => messages.release(message);
  return Object.assign(buildDigestMime, { release });
}

export type DigestMimeBuilder = ReturnType<typeof createDigestMimeBuilder>;
