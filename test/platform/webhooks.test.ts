import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { Worker } from "bullmq";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverEdition } from "../../src/delivery/deliver-edition.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { createDeps, type Deps } from "../../src/platform/deps.ts";
import { jobQueue } from "../../src/platform/queues.ts";
import { signWebhook, webhookJobHandlers } from "../../src/platform/webhooks.ts";
import { buildServer } from "../../src/processes/server.ts";
import { addReaders, seedEdition } from "../delivery/seed.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { startMailWorker } from "../helpers/mail-worker.ts";
import { waitUntil } from "../helpers/wait.ts";
import { activeSubscriber, nextIp } from "../web/support.ts";

const SECRET = "webhook-secret-0123456789";
const BOUNCE_SECRET = "bounce-secret-0123456789";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A local receiver: answers 500 to the first request, 200 afterwards, and keeps every one. */
class Receiver {
  received: Received[] = [];
  private server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const answered = this.received.length === 0 ? 500 : 200;
      this.received.push({
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        answered,
      });
      res.writeHead(answered).end();
    });
  });
  url = "";
  async start() {
    await new Promise<void>((ok) => this.server.listen(0, "127.0.0.1", ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks?x=1`;
    return this;
  }
  stop() {
    return new Promise((ok) => this.server.close(ok));
  }
  events(type: string) {
    return this.received.filter((r) => r.answered === 200 && JSON.parse(r.body).type === type);
  }
}

let ctx: TestContext;
let deps: Deps;
let app: FastifyInstance;
let receiver: Receiver;
const workers: Worker[] = [];
const logLines: string[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  receiver = await new Receiver().start();
  const config = loadConfig({
    ...ctx.env,
    WEBHOOK_URLS: receiver.url,
    WEBHOOK_SECRET: SECRET,
    BOUNCE_WEBHOOK_SECRET: BOUNCE_SECRET,
  });
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  // Every log line of the server and the workers, at the most talkative level.
  deps = createDeps(config, { clock: ctx.clock, logger: pino({ level: "trace" }, sink) });
  const handler = webhookJobHandlers(deps)["send-webhook"];
  const webhookWorker = new Worker(jobQueue["send-webhook"], (job) => handler(job.data, job), {
    connection: deps.redis,
    prefix: config.REDIS_PREFIX,
  });
  webhookWorker.on("error", () => {});
  workers.push(webhookWorker, startMailWorker(deps));
  app = await buildServer(deps);
});
afterAll(async () => {
  await app.close();
  await Promise.all(workers.map((w) => w.close()));
  await deps.close();
  await receiver.stop();
  await ctx.close();
});

function verify(r: Received): boolean {
  const header = String(r.headers["paperboy-signature"]);
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = createHmac("sha256", SECRET).update(`${match[1]}.${r.body}`).digest();
  const age = Math.abs(Date.now() / 1000 - Number(match[1]));
  return age < 300 && timingSafeEqual(expected, Buffer.from(match[2]!, "hex"));
}

describe("outgoing webhooks", () => {
  it("signs the body as Stripe does, for any body", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 2 ** 32 }), (body, t) => {
        const header = signWebhook(SECRET, t, body);
        const v1 = createHmac("sha256", SECRET).update(`${t}.${body}`).digest("hex");
        expect(header).toBe(`t=${t},v1=${v1}`);
        expect(signWebhook(`${SECRET}x`, t, body)).not.toBe(header);
      }),
    );
  });

  it("delivers subscriber.confirmed signed, retrying after a 500", async () => {
    const email = "hook-reader@example.test";
    const world = { ...ctx, deps, config: deps.config };
    const { row, unsubscribe } = await activeSubscriber(app, world, email);
    await waitUntil(() => receiver.events("subscriber.confirmed").length === 1, "confirmed event");
    const [first, ...rest] = receiver.received;
    expect(first!.answered).toBe(500);
    const ok = receiver.events("subscriber.confirmed")[0]!;
    expect(rest).toContain(ok);
    // The retry is the same event, re-signed.
    expect(JSON.parse(ok.body).id).toBe(JSON.parse(first!.body).id);
    expect(ok.headers["content-type"]).toBe("application/json");
    expect(verify(ok)).toBe(true);
    expect(verify({ ...ok, body: ok.body.replace("confirmed", "confirmeD") })).toBe(false);
    expect(JSON.parse(ok.body)).toMatchObject({
      type: "subscriber.confirmed",
      data: { subscriber_id: row.id },
    });

    // Unsubscribe (one-click) and a complaint through the bounce webhook.
    const res = await app.inject({ method: "POST", url: unsubscribe, remoteAddress: nextIp() });
    expect(res.statusCode).toBe(200);
    await waitUntil(() => receiver.events("subscriber.unsubscribed").length === 1, "unsubscribed");
    const complaint = await app.inject({
      method: "POST",
      url: "/webhooks/bounce",
      headers: { authorization: `Bearer ${BOUNCE_SECRET}` },
      payload: { email, type: "complaint" },
    });
    expect(complaint.statusCode).toBe(200);
    await waitUntil(() => receiver.events("subscriber.complained").length === 1, "complained");
    for (const r of receiver.received) {
      expect(verify(r)).toBe(true);
      expect(r.body).not.toContain(email);
    }
  });

  it("announces digest.sent once per settled edition, with counts", async () => {
    await seedEdition(deps.db, "2026-08-17");
    await addReaders(deps.db, [{ email: "hook-a@r.test" }, { email: "hook-b@r.test" }]);
    await deliverEdition(deps, "2026-08-17", () => {}, { retryBaseMs: 10 });
    await waitUntil(() => receiver.events("digest.sent").length === 1, "digest.sent");
    expect(JSON.parse(receiver.events("digest.sent")[0]!.body).data).toEqual({
      edition: "2026-08-17",
      sent: 2,
      skipped: 0,
      failed: 0,
      cancelled: 0,
    });
    // Running it again announces the same fact: one event id, so nothing new goes out.
    await deliverEdition(deps, "2026-08-17", () => {}, { retryBaseMs: 10 });
    const before = receiver.received.length;
    await new Promise((ok) => setTimeout(ok, 300));
    expect(receiver.received.length).toBe(before);
  });

  it("never logs an address", () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.some((l) => l.includes("webhook refused"))).toBe(true);
    const all = logLines.join("");
    for (const email of ["hook-reader@example.test", "hook-a@r.test", "hook-b@r.test"]) {
      expect(all).not.toContain(email);
    }
  });
});
