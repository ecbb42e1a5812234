import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { simpleParser } from "mailparser";
import nodemailer from "nodemailer";
import { describe, expect, it } from "vitest";
import { createDigestMimeBuilder, mimeCanAddress } from "../../src/delivery/mime.ts";
import { sharedPart } from "../../src/digests/types.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { createMailer } from "../../src/platform/mailer.ts";
import { toSmtpData } from "../../src/platform/smtp/prepare.ts";
import { verifyDkim } from "../helpers/dkim.ts";

const FROM = "Paperboy <digest@paperboy.test>";
const digest = {
  to: "reader@example.com",
  // Non-ASCII and long enough to need several RFC 2047 words and folding.
  subject:
    "Your papers for Tue, 18 Aug 2026: 7 new, top: Ünïcode-heavy títle — “quotes” ▲ and a very long tail that keeps going",
  text: `Your papers\n===========\n\n1. A paper · ▲ 42\n.starts with a dot\n${"x".repeat(300)}\n`,
  html: `<p>Héllo <b>there</b> ▲&nbsp;42</p>\n.<p>${"y".repeat(2000)}</p>`,
  messageId: "digest.42.2026-08-18@paperboy.test",
  headers: {
    "List-Unsubscribe": "<https://paperboy.test/unsubscribe/abc.def>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "List-Id": "Paperboy <paperboy.test>",
  },
};

/** The same digest through nodemailer's sendMail (the path the raw builder replaces). */
async function viaSendMail(): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const info = await transport.sendMail({
    from: FROM,
    to: digest.to,
    subject: digest.subject,
    text: digest.text,
    html: digest.html,
    headers: digest.headers,
    messageId: `<${digest.messageId}>`,
  });
  return info.message as Buffer;
}

describe("raw digest MIME", () => {
  const build = createDigestMimeBuilder(FROM);
  const raw = build({ ...digest, date: new Date("2026-08-19T07:00:00Z") });

  it("parses exactly like the sendMail message: subject, both parts, list headers", async () => {
    const mine = await simpleParser(raw);
    const theirs = await simpleParser(await viaSendMail());
    expect(mine.subject).toBe(digest.subject);
    expect(mine.subject).toBe(theirs.subject);
    expect(mine.text).toBe(theirs.text);
    expect(mine.text).toBe(digest.text);
    expect(mine.html).toBe(theirs.html);
    expect(mine.html).toBe(digest.html);
    expect(mine.messageId).toBe(`<${digest.messageId}>`);
    expect(mine.messageId).toBe(theirs.messageId);
    expect(mine.from?.text).toBe(theirs.from?.text);
    expect(mine.to).toEqual(theirs.to);
    expect(mine.date?.toISOString()).toBe("2026-08-19T07:00:00.000Z");
    // mailparser folds List-* headers into one object; compare the header lines as received.
    const line = (mail: typeof mine, name: string) =>
      mail.headerLines
        .find((h) => h.key === name)
        ?.line.replace(/^[^:]+:/, "")
        .replace(/\r?\n\s+/g, " ");
    for (const name of ["list-unsubscribe", "list-unsubscribe-post", "list-id", "mime-version"]) {
      expect(line(mine, name), name).toBeDefined();
      expect(line(mine, name), name).toBe(line(theirs, name));
    }
    expect(line(mine, "list-unsubscribe-post")).toBe(" List-Unsubscribe=One-Click");
    expect((mine.headers.get("content-type") as { value: string }).value).toBe(
      "multipart/alternative",
    );
  });

  it("is 7-bit, CRLF-only, lines ≤ 78 characters, no line starting with a dot", () => {
    const source = raw.toString("latin1");
    expect(/[^\t\r\n -~]/.test(source)).toBe(false);
    expect(/[^\r]\n/.test(source)).toBe(false);
    const lines = source.split("\r\n");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(78);
    expect(lines.some((l) => l.startsWith("."))).toBe(false);
    // RFC 2047 encoded words stay within 75 characters.
    const subject = /^Subject: [\s\S]*?\r\n(?=\S)/m.exec(source)![0];
    for (const word of subject.match(/=\?[^?]+\?[BQ]\?[^?]*\?=/g) ?? []) {
      expect(word.length).toBeLessThanOrEqual(75);
    }
  });

  it("is already in SMTP DATA form for any subject, body and header values (no scan needed before sending)", () => {
    const tricky = fc
      .array(
        fc.oneof(
          fc.constantFrom("\r", "\n", "\r\n", ".", "..", " ", "\t", "é", "▲", "—"),
          fc.string(),
        ),
        {
          maxLength: 30,
        },
      )
      .map((parts) => parts.join(""));
    fc.assert(
      fc.property(tricky, tricky, tricky, tricky, (subject, text, html, value) => {
        const source = build({
          ...digest,
          subject,
          text,
          html,
          headers: { ...digest.headers, "List-Id": value },
          date: new Date("2026-08-19T07:00:00Z"),
        });
        // The scanning path finds nothing to rewrite: the very same buffer comes back.
        expect(toSmtpData(source).body).toBe(source);
      }),
      { numRuns: 300 },
    );
  });

  it("encodes the HTML in parts, shared parts once, as the joined HTML (quoted-printable, any text)", () => {
    const text = fc.string({
      unit: fc.constantFrom("a", " ", "\t", "=", ".", "\r", "\n", "é", "▲", "x", "-"),
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(text, fc.boolean()), { maxLength: 8 }),
        text,
        (pieces, plain) => {
          const htmlParts = pieces.map(([t, shared]) => (shared ? sharedPart(t) : t));
          const html = pieces.map(([t]) => t).join("");
          const date = new Date("2026-08-19T07:00:00Z");
          const source = build({ ...digest, text: plain, html: "", htmlParts, date });
          // Twice: the second time the shared parts come from the builder's cache.
          expect(build({ ...digest, text: plain, html: "", htmlParts, date })).toEqual(source);
          expect(toSmtpData(source).body).toBe(source);
          const lines = source.toString("latin1").split("\r\n");
          expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(78);
          expect(lines.some((l) => l.startsWith("."))).toBe(false);
          const [textBody, htmlBody] = bodies(source);
          // A line break is CRLF on the wire whether it was LF or CRLF; a lone CR stays itself.
          expect(textBody).toBe(plain.replace(/\r\n/g, "\n"));
          expect(htmlBody).toBe(pieces.map(([t]) => t.replace(/\r\n/g, "\n")).join(""));
          const whole = bodies(build({ ...digest, text: plain, html, date }))[1];
          expect(whole).toBe(html.replace(/\r\n/g, "\n"));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("reuses an accepted message's memory for the next one, each released once, nothing foreign", () => {
    const own = createDigestMimeBuilder(FROM);
    const date = new Date("2026-08-19T07:00:00Z");
    const a = own({ ...digest, date });
    const expected = Buffer.from(own({ ...digest, subject: "second", date }));
    own.release(a);
    own.release(a); // twice: still one slab in the free list
    own.release(Buffer.alloc(100)); // not the builder's: ignored
    const b = own({ ...digest, subject: "second", date });
    const c = own({ ...digest, subject: "second", date });
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(b.buffer);
    expect(b).toEqual(expected);
    expect(c).toEqual(expected);
  });

  it("keeps a header value with line breaks on its header", async () => {
    const source = build({ ...digest, subject: "one\r\n.two\nBcc: x@evil.test", date: new Date() });
    const parsed = await simpleParser(source);
    expect(parsed.subject).toBe("one .two Bcc: x@evil.test");
    expect(parsed.bcc).toBeUndefined();
  });

  it("refuses non-ASCII addresses (the sender uses sendMail for those)", () => {
    expect(mimeCanAddress("reader@example.com")).toBe(true);
    expect(mimeCanAddress("léa@example.com")).toBe(false);
    expect(() => build({ ...digest, to: "léa@example.com", date: new Date() })).toThrow();
  });
});

/** The decoded text and HTML parts of a built message (quoted-printable by hand). */
function bodies(source: Buffer): string[] {
  const raw = source.toString("latin1");
  const boundary = /boundary="([^"]+)"/.exec(raw)![1]!;
  return raw
    .split(`--${boundary}`)
    .slice(1, 3)
    .map((part) => {
      const body = part.slice(part.indexOf("\r\n\r\n") + 4, -2);
      const bytes = body
        .replace(/=\r\n/g, "")
        .replace(/\r\n/g, "\n")
        .replace(/=([0-9A-F]{2})/g, (_, hex: string) =>
          String.fromCharCode(Number.parseInt(hex, 16)),
        );
      return Buffer.from(bytes, "latin1").toString("utf8");
    });
}

describe("DKIM on the raw path", () => {
  it("the mailer signs prebuilt messages, List-Unsubscribe headers included, and the signature verifies", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const outbox = mkdtempSync(path.join(tmpdir(), "paperboy-dkim-"));
    const config = loadConfig({
      NODE_ENV: "test",
      APP_SECRET: "test-secret-0123456789abcdef0123456789abcdef",
      ADMIN_TOKEN: "test-admin-token-0123456789",
      MAIL_FROM: FROM,
      OUTBOX_DIR: outbox,
      DKIM_DOMAIN: "paperboy.test",
      DKIM_SELECTOR: "pb",
      DKIM_PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    });
    const mailer = createMailer(config);
    const raw = createDigestMimeBuilder(FROM)({ ...digest, date: new Date() });
    await mailer.send({ to: digest.to, raw, messageId: digest.messageId });
    const [file] = readdirSync(outbox);
    const message = readFileSync(path.join(outbox, file!), "latin1");
    expect(message).toMatch(/^DKIM-Signature: /m);
    const { ok, signed } = verifyDkim(
      message,
      publicKey.export({ type: "spki", format: "pem" }).toString(),
    );
    expect(signed).toEqual(
      expect.arrayContaining(["from", "subject", "list-unsubscribe", "list-unsubscribe-post"]),
    );
    expect(ok).toBe(true);
    // A changed byte in the body breaks it: the check can fail.
    const tampered = message.replace(/\r\n\r\n([\s\S]*?)A/, "\r\n\r\n$1B");
    expect(
      verifyDkim(tampered, publicKey.export({ type: "spki", format: "pem" }).toString()).ok,
    ).toBe(false);
    await mailer.close();
  });
});
