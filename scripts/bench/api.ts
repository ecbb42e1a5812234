import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { loadConfig } from "../../src/platform/config.ts";
import { createDeps, type Deps } from "../../src/platform/deps.ts";
import { subscriberLinks } from "../../src/subscribers/tokens.ts";
import { freePort } from "../services.mjs";
import { type ProbeReading, probeRows, probeSetup, readProbe } from "./api-probe.ts";
import {
  cpuSeconds,
  createBenchState,
  intFlag,
  machine,
  onlyFlags,
  peakRssMb,
  postgresBackendCpu,
  printMachine,
  printResult,
  printTable,
  round,
} from "./common.ts";
import { startWorkerProcess, stopProcess, type WorkerProcess } from "./delivery.ts";
import { postfixAvailable, type Sink, startSink } from "./postfix.ts";
import { seedReaders } from "./seed.ts";
import { oneClickLua, runWrk, subscribeLua, type WrkResult } from "./wrk.ts";

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

/** Backend CPU used between two readings (a backend started since counts from zero). */
function postgresCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, s] of after) total += s - (before.get(pid) ?? 0);
  return total;
}

/** CPU of the server, its Postgres backends and the mail worker, read before and after a run. */
async function cpuNow(deps: Deps, server: ChildProcess, worker: WorkerProcess | null) {
  return {
    server: cpuSeconds(server.pid!),
    postgres: await postgresBackendCpu(deps.db),
    worker: worker ? cpuSeconds(worker.pid) : 0,
    load: readFileSync("/proc/loadavg", "utf8").split(" ")[0]!,
  };
}
type CpuReading = Awaited<ReturnType<typeof cpuNow>>;

function summary(r: WrkResult, before: CpuReading, after: CpuReading, probe: ProbeReading | null) {
  const perRequest = (s: number) => round((s / Math.max(1, r.requests)) * 1000, 3);
  return {
    requestsPerSecond: r.requestsPerSecond,
    total: r.requests,
    latencyP50Ms: r.latencyMs.p50,
    latencyP90Ms: r.latencyMs.p90,
    latencyP99Ms: r.latencyMs.p99,
    latencyP999Ms: r.latencyMs.p999,
    latencyMaxMs: r.latencyMs.max,
    errors: r.errors.connect + r.errors.read + r.errors.write,
    timeouts: r.errors.timeout,
    non2xx: r.errors.non2xx,
    serverCpuMsPerRequest: perRequest(after.server - before.server),
    postgresCpuMsPerRequest: perRequest(postgresCpuBetween(before.postgres, after.postgres)),
    workerCpuMsPerRequest: perRequest(after.worker - before.worker),
    wrkCpuMsPerRequest: perRequest(r.cpuSeconds),
    load: `${before.load} → ${after.load}`,
    probe,
  };
}
type Summary = ReturnType<typeof summary>;

const rowsOf = (s: Summary): [string, string | number][] => [
  ["requests/s", s.requestsPerSecond],
  ["requests", s.total],
  [
    "latency p50 / p90 / p99 / p99.9 / max",
    `${s.latencyP50Ms} / ${s.latencyP90Ms} / ${s.latencyP99Ms} / ${s.latencyP999Ms} / ${s.latencyMaxMs} ms`,
  ],
  ["errors / timeouts / non-2xx", `${s.errors} / ${s.timeouts} / ${s.non2xx}`],
  ["server cpu per request", `${s.serverCpuMsPerRequest} ms`],
  ["postgres backends cpu per request", `${s.postgresCpuMsPerRequest} ms`],
  ["mail worker cpu per request", `${s.workerCpuMsPerRequest} ms`],
  ["wrk cpu per request", `${s.wrkCpuMsPerRequest} ms`],
  ["load average (1 min) before → after", s.load],
  ...probeRows(s.probe),
];

/** The one-click path of every seeded reader's unsubscribe link, one a line, for wrk. */
async function writeOneClickPaths(
  deps: Deps,
  file: string,
  warmupFile: string,
  warmupShare: number,
): Promise<number> {
  const { rows } = await sql<{ id: number; token_version: number }>`
    select id, token_version from subscribers order by id`.execute(deps.db);
  const { PUBLIC_URL, APP_SECRET } = deps.config;
  const paths = rows.map(
    (r) => new URL(subscriberLinks(PUBLIC_URL, APP_SECRET, r).unsubscribe).pathname,
  );
  // The warm-up's readers are not the measured run's (each measured request a distinct reader).
  const measured = paths.length - Math.floor(paths.length * warmupShare);
  writeFileSync(file, `${paths.slice(0, measured).join("\n")}\n`);
  writeFileSync(warmupFile, `${paths.slice(measured).join("\n")}\n`);
  return measured;
}

/** Seconds until `n` readers are pending (the server wrote every subscribe it answered). */
async function untilPending(deps: Deps, n: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from subscribers where status = 'pending'`.execute(deps.db);
    if (rows[0]!.n >= n || Date.now() - start > 120_000) return (Date.now() - start) / 1000;
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

/** Wait until every pending reader's confirmation is at the sink (or five minutes passed). */
async function drainConfirmations(deps: Deps, sink: Sink | null): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from subscribers where status = 'pending'`.execute(deps.db);
  const start = Date.now();
  while (sink && sink.count() < rows[0]!.n && Date.now() - start < 300_000) {
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return (Date.now() - start) / 1000;
}

function apiFlags(flags: Map<string, string>) {
  onlyFlags(flags, [
    "duration",
    "connections",
    "threads",
    "readers",
    "cpu-prof",
    "mail-worker",
    "wrk-cpus",
    "node-args",
    "warmup",
  ]);
  if (!["during", "after", "none", undefined].includes(flags.get("mail-worker"))) {
    throw new Error("--mail-worker must be 'during', 'after' or 'none'");
  }
  const connections = intFlag(flags, "connections", 50);
  return {
    // after: the worker starts once the runs are over (what the API itself absorbs).
    workerAfter: flags.get("mail-worker") === "after",
    // none: no worker at all, nothing drained or counted at the sink (quick exploratory runs).
    noWorker: flags.get("mail-worker") === "none",
    duration: intFlag(flags, "duration", 10),
    connections,
    threads: Math.min(connections, intFlag(flags, "threads", 2)),
    readers: intFlag(flags, "readers", 40_000),
    // e.g. "1": pin wrk to that CPU (taskset), so it cannot take the server's core.
    wrkCpus: flags.get("wrk-cpus"),
    // e.g. "--max-semi-space-size=64": extra node flags for the server, for experiments.
    serverNodeArgs: (flags.get("node-args") ?? "").split(" ").filter(Boolean),
    // Seconds of unmeasured load before each measured run (JIT, statement plans, pools warm).
    warmup: flags.has("warmup") ? intFlag(flags, "warmup", 3) : 0,
  };
}

/** The server's and worker's environment: limits raised, mails to the sink (or an outbox). */
function serverEnv(port: number, outbox: string, sink: Sink | null): Record<string, string> {
  return {
    PORT: String(port),
    HOST: "127.0.0.1",
    SUBSCRIBE_RATE_LIMIT_PER_MINUTE: "1000000000",
    // Every bench address is at one domain; its hourly budget would stop the mails at 100.
    CONFIRMATIONS_PER_DOMAIN_PER_HOUR: "1000000000",
    OUTBOX_DIR: outbox,
    ...(sink ? { SMTP_URL: `smtp://127.0.0.1:${sink.port}?tls=off` } : {}),
  };
}

function printRuns(
  how: string,
  sub: Summary,
  unsub: Summary,
  extra: { writeLag: number; distinctLinks: number },
): void {
  printTable(`POST /api/subscriptions, a new address each (${how})`, [
    ...rowsOf(sub),
    ["every answered subscribe written … s after the run", round(extra.writeLag, 2)],
  ]);
  printTable(`POST /unsubscribe/:token, one-click (${how})`, [
    ...rowsOf(unsub),
    ["distinct links used", extra.distinctLinks],
  ]);
}

/** SIGTERM, then wait for the exit (the server writes its CPU profile while it stops). */
async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null) return;
  const exited = new Promise((ok) => server.once("exit", ok));
  server.kill("SIGTERM");
  await exited;
}

/** The state after the runs; returns the pending readers (each is owed one confirmation). */
async function printAfter(
  deps: Deps,
  r: {
    rssMb: number;
    mails: number | null;
    mailedDuringRun: number | null;
    drain: string;
    workerCpuMsPerMail: number;
  },
): Promise<number> {
  const { rows: counts } = await sql<{ status: string; n: number }>`
    select status, count(*)::int as n from subscribers group by status`.execute(deps.db);
  printTable("after", [
    ["readers by status", JSON.stringify(Object.fromEntries(counts.map((c) => [c.status, c.n])))],
    ["server peak RSS", `${round(r.rssMb)} MB`],
    ["confirmation mails at the sink", r.mails ?? "n/a (outbox)"],
    ["… of which during the subscribe run", r.mailedDuringRun ?? "n/a"],
    ["worker drain after the runs", r.drain],
    ["worker cpu per confirmation mail", `${r.workerCpuMsPerMail} ms`],
  ]);
  return counts.find((c) => c.status === "pending")?.n ?? 0;
}

/**
 * wrk against the real server process: POST /api/subscriptions with a new address per request
 * (a `paperboy worker` process sends the confirmation mails to smtp-sink, on the same cores,
 * or after the runs with `--mail-worker after`), then one-click POST /unsubscribe/:token to
 * distinct seeded readers' real signed links.
 */
export async function apiBench(flags: Map<string, string>): Promise<void> {
  const options = apiFlags(flags);
  const { workerAfter, noWorker, duration, connections, threads, readers, warmup } = options;
  const { wrkCpus, serverNodeArgs } = options;
  const port = await freePort();
  let sink: Sink | null = null;
  const scratch = mkdtempSync(path.join(tmpdir(), "paperboy-bench-api-"));
  if (postfixAvailable()) sink = await startSink();
  else console.log("bench: postfix missing, confirmation mails go to a temporary outbox");
  const state = await createBenchState(serverEnv(port, scratch, sink));
  const deps = createDeps(loadConfig(state.env), { name: "paperboy-bench" });
  let server: ChildProcess | null = null;
  let worker: WorkerProcess | null = null;
  try {
    const m = await machine(state.databaseUrl);
    printMachine(m);
    await seedReaders(deps.db, readers, new Date());
    const pathsFile = path.join(scratch, "one-click-paths.txt");
    const warmupPaths = path.join(scratch, "one-click-warmup-paths.txt");
    const tokens = await writeOneClickPaths(deps, pathsFile, warmupPaths, warmup ? 0.2 : 0);
    // --cpu-prof DIR: the server writes a V8 CPU profile there when it stops.
    const profile = flags.get("cpu-prof");
    const probe = probeSetup(scratch);
    const nodeArgs = [
      ...probe.nodeArgs,
      ...serverNodeArgs,
      ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []),
    ];
    server = await startServer({ ...state.env, ...probe.env }, port, nodeArgs);
    // info level: the harness waits for its "worker started" line (warnings are relayed).
    const startMailWorker = () => startWorkerProcess({ ...state.env, LOG_LEVEL: "info" }, []);
    if (!workerAfter && !noWorker) worker = await startMailWorker();
    const wrk = {
      url: `http://127.0.0.1:${port}`,
      dir: scratch,
      connections,
      threads,
      durationS: duration,
      cpus: wrkCpus,
    };
    const runId = Date.now().toString(36);
    const warm = { ...wrk, durationS: warmup };
    let warmSubscribes = 0;
    if (warmup) {
      warmSubscribes = (await runWrk({ ...warm, name: "w1", lua: subscribeLua(`w${runId}`) }))
        .requests;
      await untilPending(deps, warmSubscribes);
    }

    const c0 = await cpuNow(deps, server, worker);
    await readProbe(server.pid!, probe.file);
    const subscribe = await runWrk({ ...wrk, name: "subscribe", lua: subscribeLua(runId) });
    const subProbe = await readProbe(server.pid!, probe.file);
    // Answered before written (no enumeration): count the writes too, and say how far behind.
    const writeLag = await untilPending(deps, warmSubscribes + subscribe.requests);
    const c1 = await cpuNow(deps, server, worker);
    const mailedDuringRun = sink?.count() ?? 0;
    if (warmup) await runWrk({ ...warm, name: "w2", lua: oneClickLua(warmupPaths) });
    const c1b = warmup ? await cpuNow(deps, server, worker) : c1;
    await readProbe(server.pid!, probe.file);
    const unsubscribe = await runWrk({ ...wrk, name: "one-click", lua: oneClickLua(pathsFile) });
    const unsubProbe = await readProbe(server.pid!, probe.file);
    const c2 = await cpuNow(deps, server, worker);
    const rss = peakRssMb(server.pid!) ?? Number.NaN;
    if (!worker && !noWorker) worker = await startMailWorker();
    const workerCpuStart = worker ? cpuSeconds(worker.pid) : 0;
    const drainSeconds = worker ? await drainConfirmations(deps, sink) : 0;
    const workerCpu = worker
      ? cpuSeconds(worker.pid) - (workerAfter ? workerCpuStart : c0.worker)
      : 0;
    const sub = summary(subscribe, c0, c1, subProbe);
    const unsub = summary(unsubscribe, c1b, c2, unsubProbe);
    const mails = sink ? sink.count() : null;
    printRuns(`${connections} connections, ${threads} wrk threads, ${duration} s`, sub, unsub, {
      writeLag,
      distinctLinks: Math.min(unsubscribe.requests, tokens),
    });
    const pendingReaders = await printAfter(deps, {
      rssMb: rss,
      mails,
      mailedDuringRun: sink ? mailedDuringRun : null,
      drain: noWorker
        ? "n/a (no worker)"
        : `${round(drainSeconds)} s (worker ${workerAfter ? "started after" : "ran during"} the runs)`,
      workerCpuMsPerMail: round((workerCpu / Math.max(1, mails ?? subscribe.requests)) * 1000, 3),
    });
    printResult({
      bench: "api",
      machine: m,
      connections,
      duration,
      mailWorker: noWorker ? "none" : workerAfter ? "after" : "during",
      subscribe: { ...sub, writeLagSeconds: round(writeLag, 2) },
      unsubscribe: unsub,
      serverPeakRssMb: round(rss),
      confirmationMails: mails,
      pendingReaders,
    });
  } finally {
    if (worker) await stopProcess(worker.child);
    if (server) await stopServer(server);
    await deps.close();
    await state.cleanup();
    await sink?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
