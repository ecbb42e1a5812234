import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { createDigestMimeBuilder } from "../../src/delivery/mime.ts";
import { mimeOf } from "../../src/delivery/transmit.ts";
import { createDigestComposer } from "../../src/digests/compose.ts";
import { digestInputs } from "../../src/digests/reader-digest.ts";
import { addDays, utcDate } from "../../src/platform/clock.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { createDeps, type Deps } from "../../src/platform/deps.ts";
import {
  type BenchState,
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
import { ensurePostfix, runSmtpSource, type Sink, startSink } from "./postfix.ts";
import { DEFAULT_DAY, seedEdition, seedReaders } from "./seed.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** No message reaching the sink for this long means the pipeline is stuck. */
const STALL_MS = 60_000;

/** Mean size of the raw messages readers get, composed exactly as the sender does. */
async function averageMessageBytes(deps: Deps, edition: string, sample: number): Promise<number> {
  const composer = await createDigestComposer(deps);
  const build = createDigestMimeBuilder(deps.config.MAIL_FROM);
  const { rows } = await sql<{ id: number }>`
    select id from subscribers order by random() limit ${sample}`.execute(deps.db);
  const inputs = await digestInputs(
    deps.db,
    rows.map((r) => ({ subscriberId: r.id, editionDate: edition })),
  );
  let total = 0;
  let counted = 0;
  for (const input of inputs) {
    const digest = input && composer.compose(input);
    if (!digest) continue;
    total += build(mimeOf(input.subscriber.email, digest, new Date())).length;
    counted++;
  }
  return Math.round(total / counted);
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
}

/** `paperboy worker`, resolved once it has logged "worker started". */
export async function startWorkerProcess(
  env: Record<string, string>,
  nodeArgs: string[],
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, "bin/paperboy.mjs", "worker"], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((ok, fail) => {
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      if (output.includes('"msg":"worker started"')) ok();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) =>
      fail(new Error(`worker exited (${code}) before starting:\n${output}`)),
    );
  });
  child.removeAllListeners("exit");
  child.stdout!.removeAllListeners("data");
  child.stderr!.removeAllListeners("data");
  // Keep draining its output; print warnings and errors (they would explain a bad run).
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (/"level":(40|50|60)/.test(line) && !line.includes("ingest")) console.error(line);
    }
  };
  child.stdout!.on("data", relay);
  child.stderr!.on("data", relay);
  return { child, pid: child.pid! };
}

/** `paperboy digest --date EDITION`: plans and sends the edition in the foreground, then exits. */
function startDigestProcess(
  env: Record<string, string>,
  nodeArgs: string[],
  edition: string,
): WorkerProcess {
  const child = spawn(
    process.execPath,
    [...nodeArgs, "bin/paperboy.mjs", "digest", "--date", edition],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] },
  );
  child.stderr!.on("data", (chunk: Buffer) => process.stderr.write(chunk));
  return { child, pid: child.pid! };
}

function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((ok) => child.once("exit", (code) => ok(code)));
}

/**
 * CPU and peak RSS of each sender, read while it runs: `paperboy digest` exits when it is
 * done, and /proc forgets it then.
 */
function probeProcesses(processes: WorkerProcess[]) {
  const cpu = new Map<number, number>();
  const rss = new Map<number, number>();
  return {
    sample() {
      for (const { pid } of processes) {
        try {
          cpu.set(pid, cpuSeconds(pid));
          rss.set(pid, peakRssMb(pid) ?? rss.get(pid) ?? Number.NaN);
        } catch {
          // exited: keep the last reading
        }
      }
    },
    cpu: (pid: number) => cpu.get(pid) ?? Number.NaN,
    rss: (pid: number) => rss.get(pid) ?? Number.NaN,
  };
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((ok) => child.once("exit", ok));
  child.kill("SIGTERM");
  await exited;
}

/** `npm run build`: dist/ from the current sources. */
function buildDist(): void {
  const build = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: "inherit" });
  if (build.status !== 0) throw new Error("npm run build failed");
}

export async function deliveryBench(flags: Map<string, string>): Promise<void> {
  onlyFlags(flags, [
    "subscribers",
    "workers",
    "concurrency",
    "day",
    "cpu-prof",
    "node-args",
    "mode",
    "run",
  ]);
  const subscribers = intFlag(flags, "subscribers", 20_000);
  // --mode digest: one `paperboy digest` process sends the edition instead of K workers.
  const mode = flags.get("mode") ?? "worker";
  if (mode !== "worker" && mode !== "digest") throw new Error("--mode is worker or digest");
  const workers = mode === "digest" ? 1 : intFlag(flags, "workers", 2);
  const concurrency = intFlag(flags, "concurrency", 8);
  const day = flags.get("day") ?? DEFAULT_DAY;
  // --run dist: the processes run the compiled build (as in production), built first; --run src
  // (default): the TypeScript sources through tsx, as in development.
  const run = flags.get("run") ?? "src";
  if (run !== "src" && run !== "dist") throw new Error("--run is src or dist");
  ensurePostfix();
  if (run === "dist") buildDist();

  const state: BenchState = await createBenchState({ SEND_CONCURRENCY: String(concurrency) });
  const deps = createDeps(loadConfig(state.env), { name: "paperboy-bench" });
  const processes: WorkerProcess[] = [];
  const sinks: Sink[] = [];
  try {
    const m = await machine(state.databaseUrl);
    printMachine(m);
    const now = new Date();
    // Two days back: complete for every zone's "today", whatever the time of day.
    const edition = addDays(utcDate(now), -2);
    const papers = await seedEdition(deps, day, edition);
    const t0 = performance.now();
    await seedReaders(deps.db, subscribers, now);
    console.log(
      `seeded ${subscribers} readers in ${round((performance.now() - t0) / 1000)} s; ${papers} papers of ${day} as edition ${edition}`,
    );
    const avgBytes = await averageMessageBytes(deps, edition, Math.min(300, subscribers));
    const connections = workers * concurrency;

    // The ceiling: smtp-source, same count, same size, same connections, its own sink.
    const ceilingSink = await startSink();
    sinks.push(ceilingSink);
    const ceiling = await runSmtpSource(ceilingSink, subscribers, avgBytes, connections);
    await waitFor(() => ceilingSink.count() >= subscribers, 5_000);
    const ceilingCount = ceilingSink.count();
    const ceilingSinkCpu = cpuSeconds(ceilingSink.pid);
    await ceilingSink.stop();
    const ceilingRate = subscribers / ceiling.seconds;
    console.log(`smtp-source: ${ceilingCount} messages in ${round(ceiling.seconds, 2)} s`);

    // The pipeline: plan → fan-out → compose → send, in `workers` real worker processes.
    const sink = await startSink();
    sinks.push(sink);
    const workerEnv = {
      ...state.env,
      LOG_LEVEL: "info",
      SMTP_URL: `smtp://127.0.0.1:${sink.port}?tls=off`,
      PAPERBOY_RUN: run,
    };
    // --cpu-prof DIR: each worker writes a V8 CPU profile there when it stops.
    const profile = flags.get("cpu-prof");
    // --node-args "…": extra node flags for the workers (e.g. a heap cap), for experiments.
    const nodeArgs = [
      ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []),
      ...(flags.get("node-args")?.split(/\s+/).filter(Boolean) ?? []),
    ];
    for (let i = 0; i < workers && mode === "worker"; i++) {
      processes.push(await startWorkerProcess(workerEnv, nodeArgs));
    }
    const cpuBefore = new Map(processes.map((p) => [p.pid, cpuSeconds(p.pid)]));
    const pgBefore = await postgresBackendCpu(deps.db);

    const loadStart = os.loadavg()[0]!.toFixed(2);
    const started = performance.now();
    const startedAt = new Date();
    // The digest command is timed from its spawn, start-up included, as a user would see it.
    if (mode === "digest") {
      const digest = startDigestProcess(workerEnv, nodeArgs, edition);
      processes.push(digest);
      cpuBefore.set(digest.pid, 0);
    }
    const planJob =
      mode === "worker"
        ? await deps.queues.plan.add("plan-deliveries", { at: now.toISOString() })
        : null;
    const probe = probeProcesses(processes);
    // Backends come and go with the senders (`paperboy digest` exits): read them during the run.
    const pgLast = new Map(pgBefore);
    const pgProbe = setInterval(() => {
      postgresBackendCpu(deps.db)
        .then((now) => {
          for (const [pid, cpu] of now) pgLast.set(pid, cpu);
        })
        .catch(() => {});
    }, 500);
    let last = 0;
    let lastChange = performance.now();
    while (sink.count() < subscribers) {
      probe.sample();
      await new Promise((ok) => setTimeout(ok, 10));
      if (sink.count() !== last) {
        last = sink.count();
        lastChange = performance.now();
      } else if (performance.now() - lastChange > STALL_MS) {
        throw new Error(`stalled: the sink has ${last} of ${subscribers} messages`);
      }
      if (processes.some((p) => p.child.exitCode !== null)) throw new Error("a sender exited");
    }
    probe.sample();
    const seconds = (performance.now() - started) / 1000;
    // Every 250 is followed by its 'sent' commit; wait for the last ones.
    await waitFor(async () => (await statusCounts(deps)).sent === subscribers, 30_000);
    probe.sample();
    const workerCpu = processes.map((p) => probe.cpu(p.pid) - cpuBefore.get(p.pid)!);
    const workerRss = processes.map((p) => probe.rss(p.pid));
    if (mode === "digest") {
      const code = await exitCode(processes[0]!.child);
      if (code !== 0) throw new Error(`paperboy digest exited ${code}`);
    }
    const sinkCpu = cpuSeconds(sink.pid);
    clearInterval(pgProbe);
    for (const [pid, cpu] of await postgresBackendCpu(deps.db)) pgLast.set(pid, cpu);
    let pgCpu = 0;
    for (const [pid, cpu] of pgLast) pgCpu += cpu - (pgBefore.get(pid) ?? 0);
    const sinkCount = sink.count();
    const loadEnd = os.loadavg()[0]!.toFixed(2);
    const windows = await deliveryWindows(deps);
    const counts = await statusCounts(deps);
    const latency = await latencies(deps, startedAt);
    const planned = planJob ? await deps.queues.plan.getJob(planJob.id!) : null;
    const planSeconds = planned?.finishedOn
      ? (planned.finishedOn - planned.processedOn!) / 1000
      : Number.NaN;

    const rate = subscribers / seconds;
    const appCpu = workerCpu.reduce((a, b) => a + b, 0) + sinkCpu;
    const perThousand = (cpu: number) => round((cpu / subscribers) * 1000, 2);
    printTable("smtp-source ceiling", [
      ["messages", `${ceilingCount} (sink count)`],
      ["message size", `${avgBytes} bytes (mean of the pipeline's messages)`],
      ["connections", connections],
      ["seconds", round(ceiling.seconds, 2)],
      ["messages/s", Math.round(ceilingRate)],
      ["cpu s / 1000 msgs (source + sink)", perThousand(ceiling.cpuSeconds + ceilingSinkCpu)],
    ]);
    const senders = mode === "digest" ? "paperboy digest" : `${workers} workers`;
    printTable(`delivery pipeline (${senders} × SEND_CONCURRENCY ${concurrency})`, [
      ["due readers", subscribers],
      ["sink count", sinkCount],
      ["deliveries by status", JSON.stringify(counts)],
      [
        mode === "digest"
          ? "seconds (spawn of paperboy digest → last message at sink)"
          : "seconds (plan job → last message at sink)",
        round(seconds, 2),
      ],
      ["messages/s", Math.round(rate)],
      ["pipeline / smtp-source", round(rate / ceilingRate, 2)],
      ["plan job (due query, fan-out, enqueue)", `${round(planSeconds, 2)} s`],
      ["latency p50 (plan → sent)", `${Math.round(latency.p50)} ms`],
      ["latency p99 (plan → sent)", `${Math.round(latency.p99)} ms`],
      ...workerRss.map((rss, i): [string, string] => [
        `${mode} ${i + 1} peak RSS`,
        `${round(rss)} MB`,
      ]),
      ...workerCpu.map((c, i): [string, string] => [
        `${mode} ${i + 1} cpu`,
        `${round(c, 2)} s (${round((c / subscribers) * 1000, 3)} ms/msg)`,
      ]),
      [
        "smtp-sink cpu",
        `${round(sinkCpu, 2)} s (${round((sinkCpu / subscribers) * 1000, 3)} ms/msg)`,
      ],
      [
        "postgres backends cpu",
        `${round(pgCpu, 2)} s (${round((pgCpu / subscribers) * 1000, 3)} ms/msg)`,
      ],
      ["load average (1 min) at start / end", `${loadStart} / ${loadEnd}`],
      [
        "hand-off check → SMTP answer, max (unsubscribe window)",
        Number.isNaN(windows.handOffMs)
          ? "not measured (no send jobs report it in this mode)"
          : `${round(windows.handOffMs)} ms`,
      ],
      ["largest group of 'sent' marks in one commit", windows.largestCommit],
      ["cpu s / 1000 msgs (workers + sink)", perThousand(appCpu)],
      ["cpu s / 1000 msgs (+ postgres)", perThousand(appCpu + pgCpu)],
    ]);
    printResult({
      bench: "delivery",
      mode,
      run,
      machine: m,
      subscribers,
      workers,
      concurrency,
      messageBytes: avgBytes,
      sinkCount,
      statuses: counts,
      seconds: round(seconds, 3),
      messagesPerSecond: round(rate),
      ceilingMessagesPerSecond: round(ceilingRate),
      ceilingSinkCount: ceilingCount,
      ratio: round(rate / ceilingRate, 3),
      planSeconds: round(planSeconds, 2),
      latencyP50Ms: Math.round(latency.p50),
      latencyP99Ms: Math.round(latency.p99),
      workerPeakRssMb: workerRss.map((r) => round(r)),
      workerCpuMsPerMessage: workerCpu.map((c) => round((c / subscribers) * 1000, 3)),
      postgresCpuMsPerMessage: round((pgCpu / subscribers) * 1000, 3),
      load1: [Number(loadStart), Number(loadEnd)],
      handOffWindowMaxMs: round(windows.handOffMs),
      largestSentCommit: windows.largestCommit,
      cpuSecondsPer1000: perThousand(appCpu),
      cpuSecondsPer1000WithPostgres: perThousand(appCpu + pgCpu),
      ceilingCpuSecondsPer1000: perThousand(ceiling.cpuSeconds + ceilingSinkCpu),
    });
  } finally {
    for (const p of processes) await stopProcess(p.child);
    for (const s of sinks) await s.stop().catch(() => {});
    await deps.close();
    await state.cleanup();
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting for the last messages");
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

/**
 * The two windows docs/DELIVERY.md states: the longest time from a hand-off check to the SMTP
 * answer of a message it cleared (from the send jobs' results: the last 1,000 jobs), and the
 * most 'sent' marks one commit wrote (rows sharing a sent_at), which bounds the messages that
 * were at the server but not yet recorded.
 */
async function deliveryWindows(deps: Deps): Promise<{ handOffMs: number; largestCommit: number }> {
  const jobs = await deps.queues.send.getCompleted(0, 999);
  const handOffMs =
    jobs.length === 0
      ? Number.NaN
      : Math.max(
          0,
          ...jobs.map((j) =>
            Number((j.returnvalue as { handOffWindowMs?: number })?.handOffWindowMs ?? 0),
          ),
        );
  const { rows } = await sql<{ n: number }>`
    select coalesce(max(n), 0)::int as n
    from (select count(*) as n from deliveries where status = 'sent' group by sent_at) t`.execute(
    deps.db,
  );
  return { handOffMs, largestCommit: rows[0]!.n };
}

async function statusCounts(deps: Deps): Promise<Record<string, number>> {
  const { rows } = await sql<{ status: string; n: number }>`
    select status, count(*)::int as n from deliveries group by status`.execute(deps.db);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** From the plan job's enqueueing (the moment the edition went out) to each row's 'sent'. */
async function latencies(deps: Deps, startedAt: Date): Promise<{ p50: number; p99: number }> {
  const { rows } = await sql<{ p50: number; p99: number }>`
    select percentile_cont(0.5) within group (order by ms) as p50,
           percentile_cont(0.99) within group (order by ms) as p99
    from (select extract(epoch from sent_at - ${startedAt}::timestamptz) * 1000 as ms
          from deliveries where status = 'sent') t`.execute(deps.db);
  return { p50: Number(rows[0]!.p50), p99: Number(rows[0]!.p99) };
}
