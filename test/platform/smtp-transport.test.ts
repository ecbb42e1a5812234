import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { postfixAvailable, startSink } from "../../scripts/bench/postfix.ts";
import { createDigestMimeBuilder } from "../../src/delivery/mime.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { dkimSettings, smtpEndpoint } from "../../src/platform/smtp/options.ts";
import {
  createSmtpTransport,
  type SendResult,
  type SmtpTransport,
  type SmtpTransportOptions,
  smtpTransportFor,
} from "../../src/platform/smtp/transport.ts";
import { TEST_ADMIN_TOKEN, TEST_SECRET } from "../helpers/context.ts";
import { verifyDkim } from "../helpers/dkim.ts";
import { type SmtpSinkOptions, TestSmtpServer } from "../helpers/smtp.ts";
import { selfSignedLocalhost } from "../helpers/tls.ts";

const FROM = "Paperboy <digest@paperboy.test>";
const SENDER = "digest@paperboy.test";
const build = createDigestMimeBuilder(FROM);

/** A real digest-shaped message for reader i, its Message-ID naming i. */
function digest(i: number): Buffer {
  return build({
    to: `reader${i}@example.com`,
    subject: `Your papers ${i}: Ünïcode — “quotes”`,
    text: `Paper ${i}\n.a line that opens with a dot\n${"x".repeat(500)}\n`,
    html: `<p>Paper <b>${i}</b></p>\n<p>${"y".repeat(4000)}</p>`,
    messageId: `digest.${i}.2026-08-18@paperboy.test`,
    headers: {
      "List-Unsubscribe": `<https://paperboy.test/unsubscribe/${i}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "List-Id": "Paperboy <paperboy.paperboy.test>",
    },
    date: new Date("2026-08-19T07:00:00Z"),
  });
}
const envelope = (i: number) => ({ from: SENDER, to: `reader${i}@example.com` });
const indexOf = (raw: string) => Number(/^Message-ID: <digest\.(\d+)\./m.exec(raw)?.[1]);

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(options?: SmtpSinkOptions): Promise<TestSmtpServer> {
  const smtp = await new TestSmtpServer(options).start();
  cleanup.push(() => smtp.stop());
  return smtp;
}

function transport(
  smtp: TestSmtpServer,
  options: Partial<SmtpTransportOptions> = {},
): SmtpTransport {
  const t = createSmtpTransport({ endpoint: smtpEndpoint(smtp.url), connections: 3, ...options });
  cleanup.push(() => t.close());
  return t;
}

/** Send messages 0..n-1 at once; the results in order. */
async function sendAll(t: SmtpTransport, n: number): Promise<SendResult[]> {
  const prepared = await Promise.all(
    Array.from({ length: n }, (_, i) => t.prepare(digest(i), "canonical")),
  );
  return Promise.all(prepared.map((m, i) => t.send(m, envelope(i))));
}

/** How often each message index reached the server. */
function arrivals(smtp: TestSmtpServer): Map<number, number> {
  const seen = new Map<number, number>();
  for (const m of smtp.received) seen.set(indexOf(m.raw), (seen.get(indexOf(m.raw)) ?? 0) + 1);
  return seen;
}

describe("SMTP transport: delivery", () => {
  it("delivers every message intact over a few persistent connections, never more at once", async () => {
    const smtp = await server();
    const t = transport(smtp);
    const results = await sendAll(t, 40);
    expect(results.every((r) => r.ok && /^250 /.test(r.response))).toBe(true);
    expect(smtp.received).toHaveLength(40);
    expect([...arrivals(smtp).values()].every((n) => n === 1)).toBe(true);
    const got = smtp.received.find((m) => indexOf(m.raw) === 7)!;
    expect(got.to).toEqual(["reader7@example.com"]);
    expect(got.from).toBe(SENDER);
    expect(got.parsed.subject).toBe("Your papers 7: Ünïcode — “quotes”");
    expect(got.parsed.text).toContain("\n.a line that opens with a dot\n");
    expect(got.parsed.html).toContain("<p>Paper <b>7</b></p>");
    expect(got.raw).toContain("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    expect(got.raw).toBe(digest(7).toString("latin1"));
    expect(smtp.sessions).toBe(3);
    expect(smtp.maxOpenSessions).toBe(3);
    expect(t.stats.connectionsOpened).toBe(3);
    expect(t.pending).toBe(0);
  });

  it("dot-stuffs a raw message whose lines open with dots, and the server gets it back unchanged", async () => {
    const smtp = await server();
    const t = transport(smtp, { connections: 1 });
    const raw = Buffer.from(
      "From: a@paperboy.test\r\nTo: b@example.com\r\nSubject: dots\r\nMessage-ID: <dots@x>\r\n\r\n" +
        ".leading dot\r\n.\r\n..two dots\r\nlast line\r\n",
    );
    const result = await t.send(raw, { from: SENDER, to: "b@example.com" });
    expect(result.ok).toBe(true);
    const [got] = await smtp.waitFor(1);
    expect(got!.raw).toBe(raw.toString("latin1"));
    expect(got!.parsed.text).toBe(".leading dot\n.\n..two dots\nlast line\n");
  });

  it("delivers exactly N messages into postfix's smtp-sink", async () => {
    if (!postfixAvailable()) return expect.fail("postfix (smtp-sink) is not installed");
    const sink = await startSink();
    cleanup.push(() => sink.stop());
    const t = createSmtpTransport({
      endpoint: smtpEndpoint(`smtp://127.0.0.1:${sink.port}?tls=off`),
      connections: 4,
    });
    cleanup.push(() => t.close());
    const results = await sendAll(t, 200);
    expect(results.filter((r) => r.ok)).toHaveLength(200);
    for (let i = 0; i < 100 && sink.count() < 200; i++) await new Promise((r) => setTimeout(r, 20));
    expect(sink.count()).toBe(200);
  });

  it("finishes what it was given on close, then refuses new work", async () => {
    const smtp = await server();
    smtp.replyDelayMs = 50;
    const t = createSmtpTransport({ endpoint: smtpEndpoint(smtp.url), connections: 2 });
    const sending = sendAll(t, 6);
    await new Promise((r) => setTimeout(r, 10));
    await t.close();
    expect((await sending).every((r) => r.ok)).toBe(true);
    expect(smtp.received).toHaveLength(6);
    await expect(t.send(digest(9), envelope(9))).rejects.toThrow(/closed/);
  });
});

describe("SMTP transport: failures are classified like smtp-errors", () => {
  it("4xx is transient, 5xx to RCPT TO or to the message permanent, 5xx to MAIL FROM transient; the session goes on", async () => {
    const smtp = await server();
    smtp.respondRcpt = (to) => (to === "reader1@example.com" ? { code: 550 } : null);
    smtp.respond = (to) =>
      to[0] === "reader2@example.com"
        ? { code: 451, message: "try later" }
        : to[0] === "reader3@example.com"
          ? { code: 554, message: "content rejected" }
          : null;
    smtp.respondMailFrom = (from) =>
      from === "blocked@paperboy.test" ? { code: 553, message: "sender not allowed" } : null;
    const t = transport(smtp, { connections: 1 });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.send(
          digest(i),
          i === 4 ? { ...envelope(i), from: "blocked@paperboy.test" } : envelope(i),
        ),
      ),
    );
    const failure = (i: number) => {
      const r = results[i]!;
      return r.ok ? null : { kind: r.failure.kind, code: r.failure.code };
    };
    expect(results.every((r) => r.ok || !r.outcomeUnknown)).toBe(true); // each got its answer
    expect(failure(0)).toBeNull();
    expect(failure(1)).toEqual({ kind: "permanent", code: 550 });
    expect(failure(2)).toEqual({ kind: "transient", code: 451 });
    expect(failure(3)).toEqual({ kind: "permanent", code: 554 });
    expect(failure(4)).toEqual({ kind: "transient", code: 553 }); // to MAIL FROM
    for (const i of [5, 6, 7]) expect(failure(i)).toBeNull();
    expect(new Set(smtp.received.map((m) => indexOf(m.raw)))).toEqual(new Set([0, 5, 6, 7]));
    // Refusals leave the session usable (RSET), so one connection carried all eight.
    expect(smtp.sessions).toBe(1);
    const reason = results[1]!.ok ? "" : results[1]!.failure.reason;
    expect(reason).not.toContain("reader1@example.com");
  });

  it("a refused connection and a silent server are transient failures", async () => {
    const smtp = await server();
    const port = smtp.port;
    await smtp.stop();
    cleanup.pop();
    const refused = createSmtpTransport({
      endpoint: smtpEndpoint(`smtp://127.0.0.1:${port}?tls=off`),
      connections: 1,
    });
    cleanup.push(() => refused.close());
    const r = await refused.send(digest(0), envelope(0));
    expect(r.ok ? null : r.failure.kind).toBe("transient");

    const slow = await server();
    slow.replyDelayMs = 2_000;
    const t = transport(slow, { connections: 1, timeouts: { socketTimeout: 300 } });
    const timedOut = await t.send(digest(1), envelope(1));
    expect(timedOut.ok ? null : timedOut.failure).toMatchObject({ kind: "transient", code: null });
    expect(timedOut.ok ? "" : timedOut.failure.reason).toMatch(/ETIMEDOUT/);
    expect(timedOut.ok ? null : timedOut.outcomeUnknown).toBe(true);
    expect(r.ok ? null : r.outcomeUnknown).toBe(false);
  });
});

describe("SMTP transport: dropped connections", () => {
  it("a server dying mid-batch fails only the messages it held, reconnects, and loses or doubles nothing", async () => {
    const smtp = await server();
    // The server cuts the connection after receiving every 7th message, before answering it.
    smtp.dropBeforeReply = (raw) => indexOf(raw) % 7 === 3;
    const t = transport(smtp);
    const results = await sendAll(t, 50);
    const failed = results.flatMap((r, i) => (r.ok ? [] : [i]));
    expect(failed).toEqual([3, 10, 17, 24, 31, 38, 45]);
    for (const i of failed) {
      const r = results[i]!;
      expect(r.ok ? null : r.failure.kind).toBe("transient");
      // The server had the whole message when it went away: the sender must know a resend may duplicate.
      expect(r.ok ? null : r.outcomeUnknown).toBe(true);
    }
    const seen = arrivals(smtp);
    for (let i = 0; i < 50; i++)
      expect(seen.get(i) ?? 0, `message ${i}`).toBe(failed.includes(i) ? 0 : 1);
    expect(t.stats.connectionsOpened).toBe(3 + failed.length);
  });

  it("moves a message to a fresh connection when its reused one was closed before any data (421, idle timeout)", async () => {
    const smtp = await server();
    // Every session takes two messages, then answers the third MAIL FROM with 421 and closes.
    smtp.respondMailFrom = (_from, n) => (n >= 3 ? { code: 421, message: "closing" } : null);
    const t = transport(smtp, { connections: 2 });
    const results = await sendAll(t, 20);
    expect(results.every((r) => r.ok)).toBe(true);
    expect([...arrivals(smtp).values()]).toEqual(Array(20).fill(1));
    expect(t.stats.resentOnFreshConnection).toBeGreaterThan(0);

    // The relay restarts while the connections are idle: the next batch opens new ones.
    smtp.respondMailFrom = () => null;
    smtp.dropConnections();
    await new Promise((r) => setTimeout(r, 50));
    smtp.clear();
    const again = await sendAll(t, 6);
    expect(again.every((r) => r.ok)).toBe(true);
    expect(smtp.received).toHaveLength(6);
  });

  it("reports a message as failed, not resent, when its data went out before the drop", async () => {
    const smtp = await server();
    smtp.dropBeforeReply = (raw) => indexOf(raw) === 1;
    const t = transport(smtp, { connections: 1 });
    expect((await t.send(digest(0), envelope(0))).ok).toBe(true); // message 1 goes on a reused connection
    const r = await t.send(digest(1), envelope(1));
    expect(r.ok ? null : r.failure.kind).toBe("transient");
    expect(t.stats.resentOnFreshConnection).toBe(0);
    expect(smtp.sessions).toBe(1);
  });
});

describe("SMTP transport: TLS, AUTH and DKIM, from SMTP_URL and DKIM_*", () => {
  const baseEnv = {
    NODE_ENV: "test",
    APP_SECRET: TEST_SECRET,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    MAIL_FROM: FROM,
  };
  const cert = selfSignedLocalhost();

  it("STARTTLS + AUTH with smtp://user:pass@host, TLS from the start with smtps://", async () => {
    for (const secure of [false, true]) {
      const smtp = await server({
        tls: { ...cert, secure },
        auth: { user: "relay user", pass: "p@ss:w/rd" },
      });
      const scheme = secure ? "smtps" : "smtp";
      const url = `${scheme}://relay%20user:p%40ss%3Aw%2Frd@localhost:${smtp.port}`;
      const t = smtpTransportFor(loadConfig({ ...baseEnv, SMTP_URL: url }), 1, {
        tls: { ca: cert.cert },
      })!;
      cleanup.push(() => t.close());
      const r = await t.send(digest(secure ? 1 : 0), envelope(0));
      expect(r.ok, JSON.stringify(r)).toBe(true);
      const [got] = await smtp.waitFor(1);
      expect(got!.secure).toBe(true);
      expect(got!.user).toBe("relay user");
    }
  });

  it("a wrong password is a transient failure (the relay's problem, not the reader's)", async () => {
    const smtp = await server({ tls: cert, auth: { user: "u", pass: "right" } });
    const url = `smtp://u:wrong@localhost:${smtp.port}`;
    const t = smtpTransportFor(loadConfig({ ...baseEnv, SMTP_URL: url }), 1, {
      tls: { ca: cert.cert },
    })!;
    cleanup.push(() => t.close());
    const r = await t.send(digest(0), envelope(0));
    expect(r.ok ? null : r.failure).toMatchObject({ kind: "transient", code: 535 });
    expect(smtp.received).toHaveLength(0);
  });

  it("signs with DKIM when configured, List-Unsubscribe headers included, and the signature verifies", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const config = loadConfig({
      ...baseEnv,
      SMTP_URL: "smtp://127.0.0.1:1?tls=off",
      DKIM_DOMAIN: "paperboy.test",
      DKIM_SELECTOR: "pb",
      DKIM_PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    });
    const smtp = await server();
    const t = transport(smtp, { dkim: dkimSettings(config) });
    expect((await t.send(await t.prepare(digest(0)), envelope(0))).ok).toBe(true);
    const [got] = await smtp.waitFor(1);
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const { ok, signed } = verifyDkim(got!.raw, pem);
    expect(signed).toEqual(
      expect.arrayContaining(["from", "subject", "list-unsubscribe", "list-unsubscribe-post"]),
    );
    expect(ok).toBe(true);
    // A changed byte in the body breaks it: the check can fail.
    const raw = got!.raw;
    const bodyStart = raw.indexOf("\r\n\r\n") + 4;
    const at = bodyStart + raw.slice(bodyStart).search(/[a-z]/i);
    expect(at).toBeGreaterThanOrEqual(bodyStart);
    const tampered = `${raw.slice(0, at)}${raw[at] === "x" ? "y" : "x"}${raw.slice(at + 1)}`;
    expect(verifyDkim(tampered, pem).ok).toBe(false);
  });

  it("there is no transport without SMTP_URL (the dev outbox stays the mailer's)", () => {
    expect(smtpTransportFor(loadConfig(baseEnv), 2)).toBeNull();
  });
});
