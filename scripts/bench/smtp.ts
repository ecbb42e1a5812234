import { spawn } from "node:child_process";
import { generateKeyPairSync, sign as rsaSign } from "node:crypto";
import { loadavg } from "node:os";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { createDigestMimeBuilder } from "../../src/delivery/mime.ts";
import { createDigestComposer } from "../../src/digests/compose.ts";
import { TOPICS } from "../../src/papers/taxonomy.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { createDb } from "../../src/platform/db/index.ts";
import { createMailer } from "../../src/platform/mailer.ts";
import {
  openConnection,
  type PreparedDataConnection,
  sendPrepared,
} from "../../src/platform/smtp/connection.ts";
import { smtpEndpoint } from "../../src/platform/smtp/options.ts";
import {
  createDkimSigner,
  type PreparedMessage,
  toSmtpData,
} from "../../src/platform/smtp/prepare.ts";
import { createSmtpTransport } from "../../src/platform/smtp/transport.ts";
import {
  BENCH_ADMIN_TOKEN,
  BENCH_SECRET,
  BENCH_SITE,
  cpuSeconds,
  createBenchState,
  intFlag,
  machine,
  onlyFlags,
  printMachine,
  printResult,
  printTable,
  quantile,
  round,
} from "./common.ts";
import { editionPapers } from "./papers.ts";
import { ensurePostfix, SMTP_SOURCE, startSink } from "./postfix.ts";
import { DEFAULT_DAY } from "./seed.ts";

const SENDER = "digest@paperboy.bench";
/** Distinct readers' messages; the N sends cycle through them. */
const DISTINCT = 200;

interface Messages {
  raw: Buffer[];
  prepared: PreparedMessage[];
  to: string[];
  meanBytes: number;
}

/** Real digests: the product's composer (real edition, template, links) and MIME builder. */
async function digestMessages(maxPapers: number): Promise<Messages> {
  const state = await createBenchState();
  const db = createDb(state.databaseUrl, { max: 1, applicationName: "paperboy-bench-smtp" });
  try {
    const config = loadConfig(state.env);
    const composer = await createDigestComposer({ config, db });
    const build = createDigestMimeBuilder(config.MAIL_FROM);
    const papers = editionPapers(DEFAULT_DAY);
    const raw: Buffer[] = [];
    const to: string[] = [];
    for (let i = 0; raw.length < DISTINCT; i++) {
      const email = `reader${i}@example.test`;
      const digest = composer.compose({
        subscriber: { id: i + 1, email, token_version: 1 },
        preferences: {
          // Every fourth reader follows two topics, the rest get the trending list.
          topics:
            i % 4 ? [] : [TOPICS[i % TOPICS.length]!.slug, TOPICS[(i + 5) % TOPICS.length]!.slug],
          keywords: [],
          authors: [],
          maxPapers,
          minUpvotes: 0,
          skipEmpty: true,
          frequency: "daily",
        },
        editionDate: DEFAULT_DAY,
        papers,
        alreadySent: new Set(),
      });
      if (!digest) continue;
      raw.push(build({ to: email, ...digest, date: new Date() }));
      to.push(email);
    }
    const meanBytes = Math.round(raw.reduce((n, m) => n + m.length, 0) / raw.length);
    return { raw, prepared: raw.map((r) => toSmtpData(r, "canonical")), to, meanBytes };
  } finally {
    await db.destroy();
    await state.cleanup();
  }
}

/** Run `count` sends over `lanes` concurrent loops; message i is messages[i % DISTINCT]. */
async function lanes(count: number, width: number, send: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await send(next++);
    }),
  );
}

interface Layer {
  name: string;
  /** smtp-sink announces PIPELINING (nodemailer then pipelines each envelope). */
  pipelining: boolean;
  run(port: number, count: number): Promise<void>;
}

function rawConnection(port: number): Promise<SMTPConnection> {
  const connection = new SMTPConnection({ host: "127.0.0.1", port, ignoreTLS: true });
  connection.on("error", () => {});
  return new Promise((ok, fail) => connection.connect((err) => (err ? fail(err) : ok(connection))));
}

function layers(m: Messages, connections: number): Layer[] {
  const url = (port: number) => `smtp://127.0.0.1:${port}?tls=off`;
  const mailerLayer: Layer = {
    name: "a. mailer: nodemailer pool, raw (today)",
    pipelining: true,
    async run(port, count) {
      const config = loadConfig({
        ...BENCH_SITE,
        APP_SECRET: BENCH_SECRET,
        ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
        SMTP_URL: url(port),
        MAIL_FROM: `Paperboy <${SENDER}>`,
      });
      const mailer = createMailer(config, { poolSize: connections });
      await lanes(count, connections, async (i) => {
        const k = i % DISTINCT;
        await mailer.send({ to: m.to[k]!, raw: m.raw[k]!, messageId: `bench.${i}@paperboy.bench` });
      });
      await mailer.close();
    },
  };
  const connectionLayer: Layer = {
    name: "b. SMTPConnection, raw Buffer",
    pipelining: true,
    async run(port, count) {
      const open = await Promise.all(
        Array.from({ length: connections }, () => rawConnection(port)),
      );
      let next = 0;
      await Promise.all(
        open.map(async (c) => {
          for (let i = next++; i < count; i = next++) {
            const k = i % DISTINCT;
            await new Promise<void>((ok, fail) =>
              c.send({ from: SENDER, to: [m.to[k]!] }, m.raw[k]!, (err) =>
                err ? fail(err) : ok(),
              ),
            );
          }
          c.quit();
        }),
      );
    },
  };
  const preparedLayer = (pipelining: boolean): Layer => ({
    name: `b'. SMTPConnection, prepared data${pipelining ? "" : ", sink without PIPELINING"}`,
    pipelining,
    async run(port, count) {
      const settings = { endpoint: smtpEndpoint(url(port)) };
      const open: PreparedDataConnection[] = await Promise.all(
        Array.from({ length: connections }, () => openConnection(settings, () => {})),
      );
      let next = 0;
      await Promise.all(
        open.map(async (c) => {
          for (let i = next++; i < count; i = next++) {
            const k = i % DISTINCT;
            const r = await sendPrepared(c, { from: SENDER, to: m.to[k]! }, m.prepared[k]!);
            if (!r.ok) throw r.error;
          }
          c.quit();
        }),
      );
    },
  });
  const transportLayer: Layer = {
    name: "e. transport (src/platform/smtp), prepared",
    pipelining: true,
    async run(port, count) {
      const transport = createSmtpTransport({ endpoint: smtpEndpoint(url(port)), connections });
      // Twice as many callers as connections: the queue never runs dry, as with a batch.
      await lanes(count, connections * 2, async (i) => {
        const k = i % DISTINCT;
        const r = await transport.send(m.prepared[k]!, { from: SENDER, to: m.to[k]! });
        if (!r.ok) throw new Error(r.failure.reason);
      });
      await transport.close();
    },
  };
  return [mailerLayer, connectionLayer, preparedLayer(true), preparedLayer(false), transportLayer];
}

interface Run {
  layer: string;
  round: number;
  messages: number;
  seconds: number;
  perSecond: number;
  /** CPU ms per message of the sending process, and of smtp-sink. */
  senderCpuMs: number;
  sinkCpuMs: number;
  sinkCount: number;
  load1: number;
}

async function waitForCount(sink: { count(): number }, n: number): Promise<void> {
  for (let i = 0; i < 500 && sink.count() < n; i++) await new Promise((r) => setTimeout(r, 10));
}

async function measureLayer(layer: Layer, count: number, round: number): Promise<Run> {
  // Warm the code paths up (JIT) on a throwaway sink first.
  const warm = await startSink({ countToFile: true, pipelining: layer.pipelining });
  await layer.run(warm.port, Math.min(500, count));
  await warm.stop();
  const sink = await startSink({ countToFile: true, pipelining: layer.pipelining });
  const load1 = loadavg()[0]!;
  const sinkBefore = cpuSeconds(sink.pid);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await layer.run(sink.port, count);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await waitForCount(sink, count);
  const run = {
    layer: layer.name,
    round,
    messages: count,
    seconds,
    perSecond: count / seconds,
    senderCpuMs: (used.user + used.system) / 1000 / count,
    sinkCpuMs: ((cpuSeconds(sink.pid) - sinkBefore) * 1000) / count,
    sinkCount: sink.count(),
    load1,
  };
  await sink.stop();
  return run;
}

/** smtp-source under bash's `time`, which reports the child's own CPU exactly. */
async function measureSource(
  count: number,
  bytes: number,
  sessions: number,
  round: number,
): Promise<Run> {
  const sink = await startSink({ countToFile: true });
  const load1 = loadavg()[0]!;
  const args = ["-d", "-s", String(sessions), "-m", String(count), "-l", String(bytes)];
  args.push("-f", SENDER, "-t", "reader@example.test", `127.0.0.1:${sink.port}`);
  const started = performance.now();
  const child = spawn(
    "bash",
    ["-c", `TIMEFORMAT="%3U %3S"; time ${SMTP_SOURCE} ${args.join(" ")}`],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await new Promise<number | null>((ok) => child.once("exit", ok));
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`smtp-source failed (${code}): ${stderr.trim()}`);
  const [user, system] = stderr.trim().split("\n").pop()!.split(" ").map(Number);
  await waitForCount(sink, count);
  const run = {
    layer: "d. smtp-source (ceiling)",
    round,
    messages: count,
    seconds,
    perSecond: count / seconds,
    senderCpuMs: ((user! + system!) * 1000) / count,
    sinkCpuMs: (cpuSeconds(sink.pid) * 1000) / count,
    sinkCount: sink.count(),
    load1,
  };
  await sink.stop();
  return run;
}

/** CPU µs per call of fn over every message (after a warm-up round). */
async function cpuPerMessage(m: Messages, rounds: number, fn: (raw: Buffer) => unknown) {
  for (const raw of m.raw) await fn(raw);
  const cpu = process.cpuUsage();
  for (let r = 0; r < rounds; r++) for (const raw of m.raw) await fn(raw);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / (rounds * m.raw.length);
}

/** Build-time cost per message: the DATA form (scanned, or trusted from mime.ts), DKIM signing. */
async function prepareCost(m: Messages) {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const sign = createDkimSigner({
    domainName: "paperboy.bench",
    keySelector: "pb",
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    headerFieldNames: "From:Subject:Date:Message-ID:To:List-Unsubscribe:List-Unsubscribe-Post",
  });
  return {
    scanUs: await cpuPerMessage(m, 50, (raw) => toSmtpData(raw)),
    canonicalUs: await cpuPerMessage(m, 50, (raw) => toSmtpData(raw, "canonical")),
    dkimUs: await cpuPerMessage(m, 1, async (raw) => toSmtpData(await sign(raw))),
    // What the signature itself costs (a header block's worth of bytes), for comparison.
    rsaUs: await cpuPerMessage(m, 1, (raw) => rsaSign("sha256", raw.subarray(0, 600), privateKey)),
  };
}

const spread = (values: number[], digits: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  return sorted.length > 1
    ? `${round(median, digits)} (${round(sorted[0]!, digits)}–${round(sorted[sorted.length - 1]!, digits)})`
    : `${round(median, digits)}`;
};

/**
 * Each SMTP layer sending the same prebuilt digests into its own postfix smtp-sink over the same
 * connections, against smtp-source with the same count, size and sessions in the same run.
 */
export async function smtpBench(flags: Map<string, string>): Promise<void> {
  onlyFlags(flags, ["messages", "connections", "rounds", "papers", "layers"]);
  const count = intFlag(flags, "messages", 20_000);
  const connections = intFlag(flags, "connections", 8);
  const rounds = intFlag(flags, "rounds", 3);
  const maxPapers = intFlag(flags, "papers", 5);
  ensurePostfix();
  const m = await machine();
  printMachine(m);
  const messages = await digestMessages(maxPapers);
  const cost = await prepareCost(messages);
  // --layers a,e: only those (smtp-source always runs: it is the yardstick).
  const only = flags.get("layers")?.split(",");
  const all = layers(messages, connections).filter(
    (l) => !only || only.includes(l.name.split(".")[0]!),
  );
  const runs: Run[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Rotate the order so no layer always runs first or right after smtp-source.
    const order = [...all.slice(round - 1), ...all.slice(0, round - 1)];
    for (const layer of order) runs.push(await measureLayer(layer, count, round));
    runs.push(await measureSource(count, messages.meanBytes, connections, round));
  }
  const source = runs.filter((r) => r.layer.startsWith("d."));
  const sourceRate = (round: number) => source.find((r) => r.round === round)!.perSecond;
  const names = [...all.map((l) => l.name), source[0]!.layer];
  printTable(
    `SMTP layers: ${count} messages of ${messages.meanBytes} bytes, ${connections} connections, ${rounds} rounds (median (min–max))`,
    [
      [
        "layer",
        "msg/s | × smtp-source (same round) | sender CPU ms/msg | sink CPU ms/msg | sink count",
      ],
      ...names.map((name): [string, string] => {
        const rs = runs.filter((r) => r.layer === name);
        return [
          name,
          [
            spread(
              rs.map((r) => r.perSecond),
              0,
            ),
            spread(
              rs.map((r) => r.perSecond / sourceRate(r.round)),
              2,
            ),
            spread(
              rs.map((r) => r.senderCpuMs),
              3,
            ),
            spread(
              rs.map((r) => r.sinkCpuMs),
              3,
            ),
            [...new Set(rs.map((r) => r.sinkCount))].join("/"),
          ].join(" | "),
        ];
      }),
      [
        "c. several messages in flight per connection",
        "not offered by nodemailer 10.6 (one transaction per SMTPConnection; see BENCHMARKS.md)",
      ],
      [
        "load average (1 min) during the runs",
        spread(
          runs.map((r) => r.load1),
          1,
        ),
      ],
    ],
  );
  printTable("build time per message (once, at compose)", [
    ["toSmtpData, scanning for bare CR/LF and leading dots", `${round(cost.scanUs, 1)} µs CPU`],
    ['toSmtpData, trusting mime.ts ("canonical")', `${round(cost.canonicalUs, 2)} µs CPU`],
    ["DKIM sign (nodemailer, RSA 2048) + scan", `${round(cost.dkimUs, 0)} µs CPU`],
    ["an RSA-2048 signature alone (node:crypto)", `${round(cost.rsaUs, 0)} µs CPU`],
  ]);
  printResult({
    bench: "smtp",
    machine: m,
    messages: count,
    connections,
    messageBytes: messages.meanBytes,
    prepareScanUs: round(cost.scanUs, 2),
    prepareCanonicalUs: round(cost.canonicalUs, 2),
    dkimUs: round(cost.dkimUs),
    rsaUs: round(cost.rsaUs),
    runs: runs.map((r) => ({
      ...r,
      seconds: round(r.seconds, 3),
      perSecond: round(r.perSecond),
      ratio: round(r.perSecond / sourceRate(r.round), 3),
      senderCpuMs: round(r.senderCpuMs, 4),
      sinkCpuMs: round(r.sinkCpuMs, 4),
    })),
  });
}
