// `npm run chaos [-- --subscribers N --trials N --kills N --fuzz-runs N --seed N]`: the
// reliability and security suite. Starts its own Redis and Postgres (never the shared ones),
// an SMTP sink in this process, and the app's real processes, then breaks things on purpose.
// Figures go to stdout and .data/chaos/last-run.json; RELIABILITY.md quotes one run.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { pino } from "pino";
import { loadConfig } from "../../src/platform/config.ts";
import { createDb } from "../../src/platform/db/index.ts";
import { createDeps } from "../../src/platform/deps.ts";
import { setupDatabase } from "../../src/processes/setup-database.ts";
import { KILLABLE_WORKER_ENV, PaperboyProcess } from "../../test/helpers/processes.ts";
import { sleep } from "../../test/helpers/wait.ts";
import { apiTrial, waitHealthy } from "./api.ts";
import { fuzzEverything } from "./fuzz.ts";
import { attackLimits } from "./limits.ts";
import { readLogDir, scanLogs } from "./logs.ts";
import { ChaosPostgres, ChaosRedis, freePort } from "./services.ts";
import { ChaosSink } from "./sink.ts";
import {
  type ChaosWorld,
  compressedOutage,
  deliveryTrial,
  digestRerunTrial,
  mostFailures,
  randomKills,
  type TrialResult,
} from "./trials.ts";
import { seedReaders } from "./world.ts";

const USAGE =
  "usage: npm run chaos -- [--subscribers N] [--trials N] [--kills N] [--workers N] [--fuzz-runs N] [--seed N]";

/** Flags as positive integers; anything else is a one-line usage error, not a stack trace. */
function readFlags() {
  try {
    const { values } = parseArgs({
      options: {
        subscribers: { type: "string", default: "5000" },
        trials: { type: "string", default: "5" },
        kills: { type: "string", default: "3" },
        workers: { type: "string", default: "2" },
        "fuzz-runs": { type: "string", default: "300" },
        seed: { type: "string", default: String(Date.now() % 1_000_000) },
      },
    });
    for (const [name, value] of Object.entries(values)) {
      if (
        !/^[0-9]+$/.test(value) ||
        ((name === "subscribers" || name === "workers") && Number(value) < 1)
      ) {
        throw new Error(`--${name} must be a whole number (subscribers and workers at least 1)`);
      }
    }
    return values;
  } catch (error) {
    console.error(`chaos: ${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const flags = readFlags();
const SUBSCRIBERS = Number(flags.subscribers);
const TRIALS = Number(flags.trials);
const KILLS = Number(flags.kills);
const FUZZ_RUNS = Number(flags["fuzz-runs"]);
const SEED = Number(flags.seed);
const root = path.resolve(import.meta.dirname, "../..");
const DATA = new URL("../../../shared/data/hf-daily-papers/", import.meta.url);
// The 15 real days, oldest first: each trial publishes the next one as a new edition.
const EDITIONS = [
  "2024-05-27",
  "2024-10-15",
  "2025-03-12",
  "2025-09-19",
  "2025-11-17",
  "2026-04-10",
  "2026-06-10",
  "2026-06-16",
  "2026-08-10",
  "2026-08-11",
  "2026-08-12",
  "2026-08-13",
  "2026-08-14",
  "2026-08-17",
  "2026-08-18",
];

const started = Date.now();
const log = (line: string) =>
  console.log(`[chaos ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

const rng = fc.sample(fc.integer(), { numRuns: 1, seed: SEED })[0]!;
let state = rng >>> 0 || 1;
/** A seeded generator, so a run with the same --seed picks the same kill points. */
const random = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
};

const work = mkdtempSync(path.join(tmpdir(), "paperboy-chaos-"));
chmodSync(work, 0o755); // the postgres user must reach its data dir when we run as root
const logDir = path.join(work, "logs");
mkdirSync(logDir);
log(
  `seed ${SEED}, ${SUBSCRIBERS} readers, ${TRIALS} crash trials × ${KILLS} kills, work dir ${work}`,
);

const redis = await new ChaosRedis(path.join(work, "redis")).start();
const postgres = await new ChaosPostgres(path.join(work, "postgres")).start();
const database = "paperboy_chaos";
await postgres.createDatabase(database);
log(`own Redis at ${redis.url}, own Postgres on port ${postgres.port}`);
const sink = await new ChaosSink(random).start();

const secret = randomBytes(32).toString("hex");
const apiPort = await freePort();
const env: Record<string, string> = {
  // Not "production": that requires an https PUBLIC_URL, and the API here is plain http on loopback.
  NODE_ENV: "test",
  DATABASE_URL: postgres.url(database),
  REDIS_URL: redis.url,
  REDIS_PREFIX: "chaos",
  SMTP_URL: sink.url,
  MAIL_FROM: "Paperboy <digest@paperboy.chaos>",
  PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
  PORT: String(apiPort),
  HOST: "127.0.0.1",
  APP_SECRET: secret,
  ADMIN_TOKEN: randomBytes(18).toString("base64url"),
  BOUNCE_WEBHOOK_SECRET: randomBytes(18).toString("base64url"),
  ...KILLABLE_WORKER_ENV, // one send in flight per process, no internet
  LOG_LEVEL: "debug",
  OUTBOX_DIR: path.join(work, "outbox"),
};
const config = loadConfig(env);
const orchestratorLog = pino(
  { level: "debug" },
  pino.destination(path.join(logDir, "orchestrator.log")),
);
const deps = createDeps(config, { name: "paperboy-chaos", logger: orchestratorLog });
{
  const db = createDb(config.DATABASE_URL, { max: 1 });
  await setupDatabase(db);
  await db.destroy();
}
const population = {
  active: SUBSCRIBERS,
  unsubscribed: Math.ceil(SUBSCRIBERS * 0.02),
  suppressed: Math.ceil(SUBSCRIBERS * 0.01),
};
await seedReaders(deps.db, population, new Date());
log(
  `seeded ${population.active} active, ${population.unsubscribed} unsubscribed, ${population.suppressed} suppressed readers`,
);

/** One log file per process, searched for addresses and tokens at the end. */
const logFile = (role: string) =>
  path.join(logDir, `${role}-${Math.random().toString(36).slice(2, 8)}.log`);
const workers = Array.from(
  { length: Number(flags.workers) },
  () => new PaperboyProcess("worker", env, logFile("worker")),
);
const world: ChaosWorld = {
  deps,
  sink,
  redis,
  postgres,
  database,
  workers,
  due: population.active,
  random,
  dataDir: DATA,
  log,
  env,
};

const api = new PaperboyProcess("serve", env, logFile("serve"));
// Whatever happens (a crash of this script included), children and throwaway servers go away.
process.on("exit", () => {
  for (const p of [...workers, api]) p.close();
  redis.killSync();
  postgres.stop();
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));
const trials: TrialResult[] = [];
let failure: unknown = null;
const report: Record<string, unknown> = {
  seed: SEED,
  subscribers: SUBSCRIBERS,
  workers: workers.length,
};
try {
  const editions = [...EDITIONS];
  const next = () => editions.shift()!;
  for (let t = 1; t <= TRIALS; t++) {
    trials.push(await deliveryTrial(world, `crash ${t}`, next(), randomKills(world, KILLS)));
  }
  // The API runs from here on: it must answer while Redis is away (rate limits skip, not hang).
  api.start();
  await waitHealthy(apiPort);
  const duringOutage: { status: number; ms: number }[] = [];
  const probeApi = async () => {
    await sleep(1_000);
    for (const url of ["/readyz", "/api/subscriptions"]) {
      const t = Date.now();
      const status = await fetch(`http://127.0.0.1:${apiPort}${url}`, {
        method: url === "/readyz" ? "GET" : "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "192.0.2.77" },
        body:
          url === "/readyz" ? undefined : JSON.stringify({ email: "chaos-outage@newcomers.test" }),
        signal: AbortSignal.timeout(20_000),
      }).then(
        (r) => r.status,
        () => 0,
      );
      duringOutage.push({ status, ms: Date.now() - t });
    }
  };
  trials.push(
    await deliveryTrial(world, "redis restart", next(), [
      {
        at: 0.25,
        what: "Redis down 6 s",
        run: () => Promise.all([redis.restart(6_000), probeApi()]).then(() => {}),
      },
      { at: 0.6, what: "Redis down 1 s", run: () => redis.restart(1_000) },
    ]),
  );
  report.apiDuringRedisOutage = duringOutage;
  log(`API while Redis was down: ${JSON.stringify(duringOutage)}`);
  trials.push(
    await deliveryTrial(
      world,
      "postgres",
      next(),
      [
        {
          at: 0.15,
          what: "pg_terminate_backend ×all",
          run: async () => void (await postgres.terminateBackends(database)),
        },
        {
          at: 0.35,
          what: "pg_terminate_backend ×all",
          run: async () => void (await postgres.terminateBackends(database)),
        },
        {
          at: 0.6,
          what: "Postgres crash-stop, down 3 s, restart",
          run: () => postgres.restart(3_000),
        },
      ],
      { onlyWhenIdle: true },
    ),
  );
  trials.push(
    await deliveryTrial(world, "smtp faults", next(), [
      {
        at: 0,
        what: "421 to 10%, drop mid-DATA 2%",
        run: async () => {
          sink.faults = { tempFailRate: 0.1, dropRate: 0.02 };
        },
      },
      { at: 0.3, what: "SMTP down 10 s", run: () => sink.outage(10_000) },
    ]),
  );
  sink.faults = { tempFailRate: 0, dropRate: 0 };
  report.smtpFaults = { ...sink.injected };
  {
    // An hour-long relay outage, compressed (retries promoted every second): nobody given up.
    const edition = next();
    trials.push(
      await deliveryTrial(world, "relay outage (1 h, compressed)", edition, [
        {
          at: 0.2,
          what: "SMTP refused 30 s, retries promoted each second",
          run: () => compressedOutage(world, 30_000),
        },
      ]),
    );
    report.outageMostFailures = await mostFailures(world, edition);
    log(
      `relay outage: most send failures of one delivery ${report.outageMostFailures} (given up at 8 before)`,
    );
  }
  {
    const rerun = await digestRerunTrial(world, next(), 3);
    report.digestRerun = { exit: rerun.rerunExit, summary: rerun.rerunSummary };
    trials.push(rerun);
  }

  report.api = await apiTrial(world, api, next(), { secret, port: apiPort, kills: KILLS });
  trials.push((report.api as { trial: TrialResult }).trial);
  if (!api.running) api.start();
  await waitHealthy(apiPort);
  const [limits, fuzz] = await Promise.all([
    attackLimits({ port: apiPort, sink, log }),
    fuzzEverything(deps, { runs: FUZZ_RUNS, seed: SEED, log }),
  ]);
  report.limits = limits;
  const { secrets: fuzzSecrets, ...fuzzReport } = fuzz;
  report.fuzz = fuzzReport;
  report.fuzzSecrets = fuzzSecrets;
  await api.stop();
  for (const w of workers) await w.stop();
} catch (error) {
  failure = error;
  console.error(error);
} finally {
  for (const w of workers) w.close();
  api.close();
  await sleep(200);
}
report.trials = trials;
report.apiCrashes = api.crashes;
{
  // Every address the run used (readers, newcomers, fuzzed ones in the database) and every token.
  const addresses = new Set<string>([...sink.digests.keys(), ...sink.transactional.keys()]);
  for (const r of await deps.db
    .selectFrom("subscribers")
    .select("email")
    .execute()
    .catch(() => [])) {
    addresses.add(r.email.toLowerCase());
  }
  const secrets = [
    ...((report.api as { secrets?: string[] })?.secrets ?? []),
    ...((report.fuzzSecrets as string[]) ?? []),
  ];
  delete report.fuzzSecrets;
  const scan = scanLogs(readLogDir(logDir), addresses, secrets);
  report.logs = scan;
  log(`logs: ${scan.lines} lines in ${scan.files} files, ${scan.leaks} with an address or token`);
  if (report.api) delete (report.api as { secrets?: string[] }).secrets;
}
report.seconds = Math.round((Date.now() - started) / 1000);
await deps.close();
await sink.stop();
await redis.stop().catch(() => {});
postgres.stop();

mkdirSync(path.join(root, ".data/chaos"), { recursive: true });
writeFileSync(path.join(root, ".data/chaos/last-run.json"), JSON.stringify(report, null, 2));
const problems = verdict(report);
console.log(`\n${summary(report)}`);
if (problems.length || failure) {
  console.error(
    `chaos: FAILED\n  ${[...problems, failure ? String(failure) : ""].filter(Boolean).join("\n  ")}`,
  );
  console.error(`logs kept in ${logDir}`);
  process.exit(1);
}
rmSync(work, { recursive: true, force: true });
console.log("chaos: all checks passed");

function verdict(r: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const t of r.trials as TrialResult[]) {
    if (t.lost) out.push(`${t.name}: ${t.lost} lost`);
    if (t.forbidden)
      out.push(`${t.name}: ${t.forbidden} digests to addresses that left or are suppressed`);
    if (t.tableMismatches)
      out.push(`${t.name}: deliveries table disagrees with the sink for ${t.tableMismatches}`);
    if (t.open) out.push(`${t.name}: ${t.open} deliveries still open`);
    // A kill may duplicate one message in flight; so may a relay that cut the connection after
    // accepting a message but before its 250 (counted by the sink: `unacknowledged`).
    const allowed = Math.max(t.kills, 0) + (t.unacknowledged ?? 0);
    if (t.duplicated > allowed)
      out.push(
        `${t.name}: ${t.duplicated} duplicates for ${t.kills} kills and ${t.unacknowledged ?? 0} unacknowledged`,
      );
  }
  const rerun = r.digestRerun as { exit: number | null } | undefined;
  if (rerun && rerun.exit !== 0) out.push(`paperboy digest rerun after kills exited ${rerun.exit}`);
  const logs = r.logs as { leaks: number } | undefined;
  if (logs?.leaks) out.push(`${logs.leaks} log lines with an address or token`);
  const fuzz = r.fuzz as
    | { serverErrors: number; stateChanges: number; parserCrashes: number }
    | undefined;
  if (fuzz?.serverErrors) out.push(`${fuzz.serverErrors} fuzz cases answered 5xx`);
  if (fuzz?.stateChanges) out.push(`${fuzz.stateChanges} rejected fuzz cases changed state`);
  if (fuzz?.parserCrashes) out.push(`${fuzz.parserCrashes} feed parser crashes`);
  for (const probe of (r.apiDuringRedisOutage as { status: number; ms: number }[] | undefined) ??
    []) {
    if (probe.status === 0 || (probe.status >= 500 && probe.status !== 503) || probe.ms > 5_000)
      out.push(`API while Redis was down: ${JSON.stringify(probe)}`);
  }
  const apiCrashes = r.apiCrashes as number;
  if (apiCrashes) out.push(`the API process crashed ${apiCrashes} times by itself`);
  const limits = r.limits as { problems: string[] } | undefined;
  out.push(...(limits?.problems ?? []));
  const api = r.api as { problems: string[] } | undefined;
  out.push(...(api?.problems ?? []));
  return out;
}

function summary(r: Record<string, unknown>): string {
  const rows = (r.trials as TrialResult[]).map(
    (t) =>
      `| ${t.name} | ${t.edition} | ${t.kills} | ${t.restarts} | ${t.crashes} | ${t.faults.join("; ") || "–"} | ${t.expected} | ${t.received} | ${t.lost} | ${t.duplicated} | ${t.forbidden} | ${t.tableMismatches} | ${t.released} (${t.releasedAfterHandOff}) | ${t.orphans} | ${t.promoted} | ${t.unacknowledged ?? 0} | ${t.seconds} |`,
  );
  return [
    "| trial | edition | kills | process starts | crashes | faults | expected | received | lost | duplicated | forbidden | table ≠ sink | claims released (after hand-off) | orphans re-enqueued | retries promoted | accepted, 250 cut | s |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "```json",
    JSON.stringify(
      {
        smtpFaults: r.smtpFaults,
        outageMostFailures: r.outageMostFailures,
        digestRerun: r.digestRerun,
        api: { ...(r.api as object), trial: undefined },
        limits: r.limits,
        fuzz: r.fuzz,
        logs: r.logs,
        seconds: r.seconds,
      },
      null,
      2,
    ),
    "```",
  ].join("\n");
}
