import { LEASE_MS, recoverDeliveries } from "../../src/delivery/plan.ts";
import { ingest } from "../../src/papers/ingest.ts";
import type { Deps } from "../../src/platform/deps.ts";
import { enqueue } from "../../src/platform/queues.ts";
import { type PaperboyProcess, runPaperboy, spawnPaperboy } from "../../test/helpers/processes.ts";
import { sleep } from "../../test/helpers/wait.ts";
import type { ChaosPostgres, ChaosRedis } from "./services.ts";
import type { ChaosSink } from "./sink.ts";
import { checkEdition, editionStatus, type TrialCheck } from "./world.ts";

export interface ChaosWorld {
  deps: Deps;
  sink: ChaosSink;
  redis: ChaosRedis;
  postgres: ChaosPostgres;
  database: string;
  workers: PaperboyProcess[];
  /** Active, unsuppressed readers: the digests each edition must produce. */
  due: number;
  random: () => number;
  dataDir: URL;
  log: (line: string) => void;
  /** The environment of the app's processes (to run `paperboy digest`). */
  env: Record<string, string>;
}

export interface TrialResult extends TrialCheck {
  name: string;
  edition: string;
  kills: number;
  restarts: number;
  /** Worker exits nobody caused (the app crashed on a fault): must be 0. */
  crashes: number;
  faults: string[];
  /** Planner recoveries run with the clock past the lease (stranded claims). */
  recoveries: number;
  released: number;
  releasedAfterHandOff: number;
  /** Pending rows whose job was lost (a planner killed between insert and enqueue), re-enqueued. */
  orphans: number;
  /** Delayed retry jobs promoted instead of waiting out their backoff. */
  promoted: number;
  /** Digests the sink accepted but could not acknowledge (cut before its 250): resent. */
  unacknowledged: number;
  seconds: number;
}

/** Keep polling through database outages. */
async function tolerant<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await fn();
  } catch {
    return fallback;
  }
}

/** Load one real day of Hugging Face Daily Papers with the real ingest path: a new edition. */
export async function publishEdition(world: ChaosWorld, edition: string): Promise<void> {
  const file = new URL(`hf-daily-papers-${edition}.json`, world.dataDir);
  await ingest(world.deps, [decodeURIComponent(file.pathname)]);
}

/**
 * Wait until the sink accepted `fraction` of the edition's digests. When nothing moves for 3 s
 * (every batch stranded with a killed worker), unstick it as the drain does.
 */
async function progress(
  world: ChaosWorld,
  edition: string,
  fraction: number,
  result: Unstuck,
  options: DrainOptions,
): Promise<void> {
  const target = Math.ceil(world.due * fraction);
  const deadline = Date.now() + 180_000;
  let last = -1;
  let stillSince = Date.now();
  for (;;) {
    const sent = world.sink.perEdition.get(edition) ?? 0;
    if (sent >= target || Date.now() > deadline) return;
    if (sent !== last) {
      last = sent;
      stillSince = Date.now();
    } else if (Date.now() - stillSince > 5_000) {
      await unstick(world, result, options);
      stillSince = Date.now();
    }
    await sleep(10);
  }
}

type Unstuck = {
  recoveries: number;
  released: number;
  releasedAfterHandOff: number;
  orphans: number;
  promoted: number;
};

/**
 * Nothing moved for a while: retries waiting out a backoff go now; claims of dead workers are
 * handed out again by the planner's recovery, run as if the lease had passed.
 */
async function unstick(world: ChaosWorld, result: Unstuck, options: DrainOptions): Promise<void> {
  const { deps } = world;
  const queue = deps.queues.send;
  const jobs = await tolerant(() => queue.getJobCounts("waiting", "active", "delayed"), null);
  if (!jobs) return;
  const { waiting = 0, active = 0, delayed = 0 } = jobs;
  if (delayed > 0) {
    await tolerant(() => queue.promoteJobs(), undefined);
    result.promoted += delayed;
  } else if (waiting === 0 && (active === 0 || !options.onlyWhenIdle)) {
    const recovery = await tolerant(
      () => recoverDeliveries(deps, new Date(Date.now() + LEASE_MS + 60_000)),
      null,
    );
    if (recovery) {
      result.recoveries++;
      result.released += recovery.released;
      result.orphans += recovery.orphans;
      result.releasedAfterHandOff += recovery.possibleDuplicates;
    }
  }
}

export type FaultAction = { at: number; what: string; run: () => Promise<void> };

/**
 * One delivery of a fresh edition to every reader while `actions` fire at progress points
 * (share of the edition's digests the sink has accepted). Then drain: promote retry jobs that
 * wait out a backoff, and run the planner's recovery with the clock past the lease for claims
 * stranded by a killed process. Then compare sink and table.
 */
export async function deliveryTrial(
  world: ChaosWorld,
  name: string,
  edition: string,
  actions: FaultAction[],
  options: DrainOptions & {
    leftAt?: Map<string, number>;
    /** Runs beside the actions; `waitFor(share)` waits for progress and unsticks stalls. */
    during?: (waitFor: (share: number) => Promise<void>) => Promise<void>;
  } = {},
): Promise<TrialResult> {
  const { leftAt, during } = options;
  const started = Date.now();
  const result = {
    name,
    edition,
    kills: 0,
    restarts: 0,
    crashes: 0,
    faults: [] as string[],
    recoveries: 0,
    released: 0,
    releasedAfterHandOff: 0,
    orphans: 0,
    promoted: 0,
  };
  const killsBefore = world.workers.reduce((n, w) => n + w.kills, 0);
  const startsBefore = world.workers.reduce((n, w) => n + w.starts, 0);
  const crashesBefore = world.workers.reduce((n, w) => n + w.crashes, 0);
  const unacknowledgedBefore = world.sink.unacknowledged;
  await publishEdition(world, edition);
  for (const w of world.workers) if (!w.running) w.start();
  await enqueue(world.deps.queues, "plan-deliveries", {}, { jobId: `chaos-plan-${edition}` });
  world.log(`${name}: edition ${edition} planned by the worker, ${world.due} readers due`);

  const side = during
    ? during((share) => progress(world, edition, share, result, options))
    : Promise.resolve();
  for (const action of [...actions].sort((a, b) => a.at - b.at)) {
    await progress(world, edition, action.at, result, options);
    world.log(`${name}: ${action.what} at ${world.sink.perEdition.get(edition) ?? 0} sent`);
    await action.run();
    result.faults.push(action.what);
  }
  await side;
  await drain(world, edition, result, options);
  const check = await checkEdition(world.deps.db, world.sink, edition, leftAt);
  result.kills = world.workers.reduce((n, w) => n + w.kills, 0) - killsBefore;
  result.restarts = world.workers.reduce((n, w) => n + w.starts, 0) - startsBefore;
  result.crashes = world.workers.reduce((n, w) => n + w.crashes, 0) - crashesBefore;
  const out = {
    ...result,
    ...check,
    unacknowledged: world.sink.unacknowledged - unacknowledgedBefore,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  world.log(
    `${name}: expected ${out.expected}, received ${out.received}, lost ${out.lost}, duplicated ${out.duplicated}, forbidden ${out.forbidden}, table mismatches ${out.tableMismatches}, open ${out.open} (${out.seconds} s)`,
  );
  return out;
}

export interface DrainOptions {
  /**
   * Recover claims only when no send job is active. Needed when a live worker may be waiting
   * out a database outage with a claim in hand: releasing it early would fake a crash.
   */
  onlyWhenIdle?: boolean;
}

async function drain(
  world: ChaosWorld,
  edition: string,
  result: Unstuck,
  options: DrainOptions,
): Promise<void> {
  const { deps } = world;
  const deadline = Date.now() + 6 * 60_000;
  let last = -1;
  let stillSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(500);
    for (const w of world.workers) if (!w.running) w.start();
    const status = await tolerant(() => editionStatus(deps.db, edition), null);
    if (!status) continue;
    const planned = Object.values(status).reduce((a, b) => a + b, 0);
    if (planned > 0 && !status.pending && !status.sending) return;
    const sent = world.sink.perEdition.get(edition) ?? 0;
    if (sent !== last) {
      last = sent;
      stillSince = Date.now();
      continue;
    }
    if (Date.now() - stillSince < 5_000) continue;
    await unstick(world, result, options);
    stillSince = Date.now();
  }
  throw new Error(
    `chaos: edition ${edition} did not finish: ${JSON.stringify(await editionStatus(deps.db, edition))}`,
  );
}

/** SIGKILL a random running worker, leave it dead for up to 1.5 s, start it again. */
export async function killRandomWorker(world: ChaosWorld): Promise<void> {
  const running = world.workers.filter((w) => w.running);
  const victim = running[Math.floor(world.random() * running.length)];
  if (!victim) return;
  await victim.kill();
  await sleep(Math.floor(world.random() * 1500));
  victim.start();
}

/** `n` kills at random progress points (one may hit while the planner is still fanning out). */
export function randomKills(world: ChaosWorld, n: number): FaultAction[] {
  return Array.from({ length: n }, (_, i) => ({
    at: i === 0 ? world.random() * 0.1 : 0.05 + world.random() * 0.9,
    what: "SIGKILL worker",
    run: () => killRandomWorker(world),
  }));
}

/**
 * A relay outage of an hour, compressed: SMTP refuses connections for `ms` while every delayed
 * retry is promoted (and the breaker's pause lifted) each second, so each delivery goes through
 * as many failed rounds as an hour of backoff gives it and more. Nobody may be given up on.
 */
export async function compressedOutage(world: ChaosWorld, ms: number): Promise<void> {
  const queue = world.deps.queues.send;
  let up = false;
  const outage = world.sink.outage(ms).then(() => {
    up = true;
  });
  while (!up) {
    await sleep(1_000);
    await tolerant(() => queue.promoteJobs(), undefined);
    await tolerant(() => queue.resume(), undefined);
  }
  await outage;
  await tolerant(() => queue.resume(), undefined);
}

/** The most send failures one delivery of `edition` went through (the old rule gave up at 8). */
export async function mostFailures(world: ChaosWorld, edition: string): Promise<number> {
  const row = await world.deps.db
    .selectFrom("deliveries")
    .select((eb) => eb.fn.max("send_failures").as("most"))
    .where("edition_date", "=", edition)
    .executeTakeFirst();
  return Number(row?.most ?? 0);
}

/**
 * `paperboy digest` SIGKILLed `kills` times mid-edition (workers stopped, so nobody else takes
 * its claims), then run once more: that single rerun must take the dead runs' claims over at
 * once, exit 0, and leave nobody without their digest.
 */
export async function digestRerunTrial(
  world: ChaosWorld,
  edition: string,
  kills: number,
): Promise<TrialResult & { rerunExit: number | null; rerunSummary: string }> {
  const started = Date.now();
  const unacknowledgedBefore = world.sink.unacknowledged;
  await publishEdition(world, edition);
  for (const w of world.workers) await w.stop();
  const args = ["digest", "--date", edition];
  for (let k = 1; k <= kills; k++) {
    const child = spawnPaperboy(args, world.env);
    const exited = new Promise((ok) => child.once("exit", ok));
    const target = (world.due * k) / (kills + 1);
    const deadline = Date.now() + 180_000;
    while ((world.sink.perEdition.get(edition) ?? 0) < target && Date.now() < deadline) {
      await sleep(5);
    }
    child.kill("SIGKILL");
    await exited;
    const status = await editionStatus(world.deps.db, edition);
    world.log(`digest rerun: SIGKILL ${k} with ${status.sending ?? 0} claims held`);
  }
  const rerun = await runPaperboy(args, world.env);
  const rerunSummary = rerun.stdout.trim().split("\n").at(-1) ?? "";
  world.log(`digest rerun: exit ${rerun.status}: ${rerunSummary} ${rerun.stderr.trim()}`);
  for (const w of world.workers) if (!w.running) w.start();
  const check = await checkEdition(world.deps.db, world.sink, edition);
  return {
    name: `digest ×${kills} SIGKILL + 1 rerun`,
    edition,
    kills,
    restarts: kills + 1,
    crashes: rerun.status === 0 ? 0 : 1,
    faults: [`SIGKILL paperboy digest ×${kills}`, `rerun exit ${rerun.status}`],
    recoveries: 0,
    released: 0,
    releasedAfterHandOff: 0,
    orphans: 0,
    promoted: 0,
    ...check,
    unacknowledged: world.sink.unacknowledged - unacknowledgedBefore,
    seconds: Math.round((Date.now() - started) / 1000),
    rerunExit: rerun.status,
    rerunSummary,
  };
}
