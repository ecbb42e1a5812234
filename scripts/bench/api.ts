import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { sql } from "kysely";
import { loadConfig } from "../../src/platform/config.ts";
import { createDeps } from "../../src/platform/deps.ts";
import { subscriberLinks } from "../../src/subscribers/tokens.ts";
import { freePort } from "../services.mjs";
import {
  cpuSeconds,
  createBenchState,
  intFlag,
  machine,
  onlyFlags,
  peakRssMb,
  printMachine,
  printResult,
  printTable,
  round,
} from "./common.ts";
import { startWorkerProcess, stopProcess, type WorkerProcess } from "./delivery.ts";
import { postfixAvailable, type Sink, startSink } from "./postfix.ts";
import { seedReaders } from "./seed.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** `paperboy serve` as its own process; resolves once /healthz answers. */
export async function startServer(
  env: Record<string, string>,
  port: number,
  nodeArgs: string[],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, "bin/paperboy.mjs", "serve"], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || i > 300) throw new Error(`server did not start:\n${stderr}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

/**
 * autocannon against the real server process: POST /api/subscriptions with a new address per
 * request (a `paperboy worker` process sends the confirmation mails to smtp-sink, on the same
 * cores), then one-click POST /unsubscribe/:token for distinct confirmed readers.
 */
export async function apiBench(flags: Map<string, string>): Promise<void> {
  onlyFlags(flags, ["duration", "connections", "readers", "cpu-prof", "only", "mail-worker"]);
  // --mail-worker after: the worker starts once the runs are over (the API's own capacity, the
  // queue absorbing the burst); by default it sends during the runs, on the same cores.
  const workerAfter = flags.get("mail-worker") === "after";
  if (!["during", "after", undefined].includes(flags.get("mail-worker"))) {
    throw new Error("--mail-worker must be 'during' or 'after'");
  }
  const duration = intFlag(flags, "duration", 20);
  const connections = intFlag(flags, "connections", 50);
  const readers = intFlag(flags, "readers", 150_000);
  const port = await freePort();
  let sink: Sink | null = null;
  const outbox = mkdtempSync(path.join(tmpdir(), "paperboy-bench-outbox-"));
  if (postfixAvailable()) sink = await startSink();
  else console.log("bench: postfix missing, confirmation mails go to a temporary outbox");
  const state = await createBenchState({
    PORT: String(port),
    HOST: "127.0.0.1",
    SUBSCRIBE_RATE_LIMIT_PER_MINUTE: "1000000000",
    OUTBOX_DIR: outbox,
    ...(sink ? { SMTP_URL: `smtp://127.0.0.1:${sink.port}?tls=off` } : {}),
  });
  const deps = createDeps(loadConfig(state.env), { name: "paperboy-bench" });
  let server: ChildProcess | null = null;
  let worker: WorkerProcess | null = null;
  try {
    const m = await machine(state.databaseUrl);
    printMachine(m);
    await seedReaders(deps.db, readers, new Date());
    const { rows } = await sql<{ id: number; token_version: number }>`
      select id, token_version from subscribers order by id`.execute(deps.db);
    const paths = rows.map(
      (r) =>
        new URL(subscriberLinks(deps.config.PUBLIC_URL, deps.config.APP_SECRET, r).unsubscribe)
          .pathname,
    );
    // --cpu-prof DIR: the server writes a V8 CPU profile there when it stops.
    const profile = flags.get("cpu-prof");
    server = await startServer(
      state.env,
      port,
      profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [],
    );
    // info level: the harness waits for its "worker started" line (warnings are relayed).
    const startMailWorker = () => startWorkerProcess({ ...state.env, LOG_LEVEL: "info" }, []);
    if (!workerAfter) worker = await startMailWorker();
    const url = `http://127.0.0.1:${port}`;
    const cpuStart = cpuSeconds(server.pid!);
    let workerCpuStart = worker ? cpuSeconds(worker.pid) : 0;

    let n = 0;
    const subscribe = await autocannon({
      url,
      connections,
      duration,
      requests: [
        {
          method: "POST",
          path: "/api/subscriptions",
          headers: { "content-type": "application/json" },
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({ email: `new${n++}@bench.example.test`, topics: ["agents"] }),
          }),
        },
      ],
    });
    const cpuMid = cpuSeconds(server.pid!);
    const mailedDuringRun = sink?.count() ?? 0;
    let u = 0;
    const unsubscribe = await autocannon({
      url,
      connections,
      duration,
      requests: [
        {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "List-Unsubscribe=One-Click",
          setupRequest: (req) => ({ ...req, path: paths[u++ % paths.length]! }),
        },
      ],
    });
    const cpuEnd = cpuSeconds(server.pid!);
    const rss = peakRssMb(server.pid!) ?? Number.NaN;
    // The worker drains the confirmation backlog: every new (pending) address gets one mail.
    const { rows: pending } = await sql<{ n: number }>`
      select count(*)::int as n from subscribers where status = 'pending'`.execute(deps.db);
    if (!worker) {
      worker = await startMailWorker();
      workerCpuStart = cpuSeconds(worker.pid);
    }
    const drainStart = Date.now();
    while (sink && sink.count() < pending[0]!.n && Date.now() - drainStart < 120_000) {
      await new Promise((ok) => setTimeout(ok, 100));
    }
    const drainSeconds = (Date.now() - drainStart) / 1000;
    const workerCpu = cpuSeconds(worker.pid) - workerCpuStart;
    const { rows: counts } = await sql<{ status: string; n: number }>`
      select status, count(*)::int as n from subscribers group by status`.execute(deps.db);

    const summary = (r: Awaited<ReturnType<typeof autocannon>>, cpu: number) => ({
      requestsPerSecond: round(r.requests.average),
      total: r.requests.total,
      latencyP50Ms: r.latency.p50,
      latencyP99Ms: r.latency.p99,
      errors: r.errors,
      timeouts: r.timeouts,
      non2xx: r.non2xx,
      serverCpuMsPerRequest: round((cpu / Math.max(1, r.requests.total)) * 1000, 3),
    });
    const sub = summary(subscribe, cpuMid - cpuStart);
    const unsub = summary(unsubscribe, cpuEnd - cpuMid);
    const rowsOf = (s: ReturnType<typeof summary>): [string, string | number][] => [
      ["requests/s", s.requestsPerSecond],
      ["requests", s.total],
      ["latency p50", `${s.latencyP50Ms} ms`],
      ["latency p99", `${s.latencyP99Ms} ms`],
      ["errors / timeouts / non-2xx", `${s.errors} / ${s.timeouts} / ${s.non2xx}`],
      ["server cpu per request", `${s.serverCpuMsPerRequest} ms`],
    ];
    printTable(`POST /api/subscriptions (${connections} connections, ${duration} s)`, rowsOf(sub));
    printTable(`POST /unsubscribe/:token, one-click (${connections} connections, ${duration} s)`, [
      ...rowsOf(unsub),
      ["distinct tokens used", Math.min(unsubscribe.requests.total, paths.length)],
    ]);
    printTable("after", [
      ["readers by status", JSON.stringify(Object.fromEntries(counts.map((c) => [c.status, c.n])))],
      ["server peak RSS", `${round(rss)} MB`],
      ["confirmation mails at the sink", sink ? sink.count() : "n/a (outbox)"],
      ["… of which during the subscribe run", sink ? mailedDuringRun : "n/a"],
      [
        `worker drain after the runs (worker ${workerAfter ? "started after" : "ran during"} them)`,
        `${round(drainSeconds)} s`,
      ],
      [
        "worker cpu per confirmation mail",
        `${round((workerCpu / Math.max(1, subscribe.requests.total)) * 1000, 3)} ms`,
      ],
    ]);
    printResult({
      bench: "api",
      machine: m,
      connections,
      duration,
      subscribe: sub,
      unsubscribe: unsub,
      serverPeakRssMb: round(rss),
      confirmationMails: sink ? sink.count() : null,
    });
  } finally {
    if (worker) await stopProcess(worker.child);
    if (server && server.exitCode === null) {
      const exited = new Promise((ok) => server!.once("exit", ok));
      server.kill("SIGTERM");
      await exited;
    }
    await deps.close();
    await state.cleanup();
    await sink?.stop();
    rmSync(outbox, { recursive: true, force: true });
  }
}
