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

describe("SMTP DATA form of a prebuilt message", () => {
  it("doubles a dot that opens a line and ends with CRLF . CRLF", () => {
    const raw = text("Subject: x\r\n\r\n.hidden\r\nok\r\n..two\r\n");
    const { data, size } = toSmtpData(raw);
    expect(data.toString("latin1")).toBe("Subject: x\r\n\r\n..hidden\r\nok\r\n...two\r\n.\r\n");
    expect(size).toBe(raw.length);
  });

  it("turns bare LF and bare CR into CRLF, stuffing dots after either", () => {
    expect(toSmtpData(text("a\n.b\r.c\rd")).data.toString("latin1")).toBe(
      "a\r\n..b\r\n..c\r\nd\r\n.\r\n",
    );
    expect(toSmtpData(text(".")).data.toString("latin1")).toBe("..\r\n.\r\n");
    expect(toSmtpData(text("")).data.toString("latin1")).toBe("\r\n.\r\n");
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
    const { data } = toSmtpData(raw);
    expect(data.subarray(0, raw.length).equals(raw)).toBe(true);
    expect(data.subarray(raw.length).toString("latin1")).toBe(".\r\n");
  });

  it("is byte for byte what nodemailer's DataStream sends, for any bytes", async () => {
    const lineish = fc.constantFrom("\r", "\n", "\r\n", ".", "..", "a", " ", "\x00", "\xff");
    const messages = fc.oneof(
      fc.array(lineish, { maxLength: 40 }).map((parts) => text(parts.join(""))),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
    );
    await fc.assert(
      fc.asyncProperty(messages, async (raw) => {
        expect(toSmtpData(raw).data.toString("latin1")).toBe(
          (await viaDataStream(raw)).toString("latin1"),
        );
      }),
      { numRuns: 500 },
    );
  });
});
