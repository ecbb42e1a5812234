import fc from "fast-check";
import DataStream from "nodemailer/lib/smtp-connection/data-stream";
import { describe, expect, it } from "vitest";
import { createDigestMimeBuilder } from "../../src/delivery/mime.ts";
import { toSmtpData } from "../../src/platform/smtp/prepare.ts";

/** What nodemailer itself would put on the wire after DATA for this message. */
async function viaDataStream(raw: Buffer): Promise<Buffer> {
  const stream = new DataStream();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise((ok) => stream.on("end", ok));
  stream.end(raw);
  await done;
  return Buffer.concat(chunks);
}

const text = (s: string) => Buffer.from(s, "latin1");
const wire = (raw: Buffer) => {
  const { body, terminator } = toSmtpData(raw);
  return Buffer.concat([body, terminator]).toString("latin1");
};

describe("SMTP DATA form of a prebuilt message", () => {
  it("doubles a dot that opens a line and ends with CRLF . CRLF", () => {
    const raw = text("Subject: x\r\n\r\n.hidden\r\nok\r\n..two\r\n");
    expect(toSmtpData(raw).size).toBe(raw.length);
    expect(wire(raw)).toBe("Subject: x\r\n\r\n..hidden\r\nok\r\n...two\r\n.\r\n");
  });

  it("turns bare LF and bare CR into CRLF, stuffing dots after either", () => {
    expect(wire(text("a\n.b\r.c\rd"))).toBe("a\r\n..b\r\n..c\r\nd\r\n.\r\n");
    expect(wire(text("."))).toBe("..\r\n.\r\n");
    expect(wire(text(""))).toBe("\r\n.\r\n");
  });

  it("leaves the digest MIME untouched but for the terminator (it has no leading dots)", () => {
    const raw = createDigestMimeBuilder("Paperboy <digest@paperboy.test>")({
      to: "reader@example.com",
      subject: "Your papers",
      text: ".a line that starts with a dot\n".repeat(50),
      html: `<p>\n.${"y".repeat(3000)}</p>`,
      messageId: "digest.1.2026-08-18@paperboy.test",
      headers: { "List-Unsubscribe": "<https://paperboy.test/u/abc>" },
      date: new Date("2026-08-19T07:00:00Z"),
    });
    const { body, terminator } = toSmtpData(raw);
    expect(body).toBe(raw); // the very same bytes: nothing was copied or rewritten
    expect(terminator.toString("latin1")).toBe(".\r\n");
  });

  it("is byte for byte what nodemailer's DataStream sends, for any bytes", async () => {
    const lineish = fc.constantFrom("\r", "\n", "\r\n", ".", "..", "a", " ", "\x00", "\xff");
    const messages = fc.oneof(
      fc.array(lineish, { maxLength: 40 }).map((parts) => text(parts.join(""))),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
    );
    await fc.assert(
      fc.asyncProperty(messages, async (raw) => {
        expect(wire(raw)).toBe((await viaDataStream(raw)).toString("latin1"));
      }),
      { numRuns: 500 },
    );
  });
});
