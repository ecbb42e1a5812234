import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { Redis } from "ioredis";
import { sql } from "kysely";
import pg from "pg";
import type { Db } from "../../src/platform/db/index.ts";
import { createTestDatabase, prepareTemplate, serverUrl } from "../../test/helpers/database.ts";
import { deleteRedisKeys } from "../../test/helpers/redis.ts";

/** The real sample days, read in place (never copied into the repo). */
export const DATA_DIR = new URL("../../../shared/data/hf-daily-papers/", import.meta.url);
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const BENCH_SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
export const BENCH_ADMIN_TOKEN = "bench-admin-token-0123456789";
/** The production settings every benchmark runs with: an https site and a real-looking sender. */
export const BENCH_SITE = {
  NODE_ENV: "production",
  MAIL_FROM: "Paperboy <digest@paperboy.bench>",
  PUBLIC_URL: "https://paperboy.bench",
  APP_SECRET: BENCH_SECRET,
  ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
};

/** `--name value` flags into a map; a flag given twice keeps the last value. */
export function parseFlags(args: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--")) throw new Error(`unexpected argument '${arg}'`);
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const value = inline ?? args[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith("--"))) {
      throw new Error(`--${name} needs a value`);
    }
    if (inline === undefined) i++;
    flags.set(name, value);
  }
  return flags;
}

/** A positive integer flag, or the default; anything else is a one-line error. */
export function intFlag(flags: Map<string, string>, name: string, fallback: number): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}

/** Refuse flags a benchmark does not know, so a typo never silently runs the defaults. */
export function onlyFlags(flags: Map<string, string>, known: string[]): void {
  for (const name of flags.keys()) {
    if (!known.includes(name))
      throw new Error(`unknown flag --${name} (known: ${known.join(", ")})`);
  }
}

/** Own database (copy of the migrated template) and own Redis prefix; cleanup() removes both. */
export interface BenchState {
  databaseUrl: string;
  redisPrefix: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function createBenchState(extraEnv: Record<string, string> = {}): Promise<BenchState> {
  await prepareTemplate();
  const database = await createTestDatabase();
  const redisPrefix = `pbbench_${randomBytes(6).toString("hex")}`;
  const env: Record<string, string> = {
    ...BENCH_SITE,
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    LOG_LEVEL: "warn",
    // Nothing may reach the network: today's scheduled ingest fails at once.
    HF_PAPERS_URL: "http://127.0.0.1:9/api/daily_papers",
    ...extraEnv,
  };
  return {
    databaseUrl: database.url,
    redisPrefix,
    env,
    async cleanup() {
      await deleteRedisKeys(REDIS_URL, redisPrefix);
      await database.drop();
    },
  };
}

export interface Machine {
  cores: number;
  cpu: string;
  ramGb: number;
  node: string;
  postgres: string;
  redis: string;
  load: string;
}

/** What the figures were measured on, including the load average at the start. */
export async function machine(databaseUrl = serverUrl("postgres")): Promise<Machine> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>("show server_version");
  await client.end();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const info = await redis.info("server");
  redis.disconnect();
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    ramGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: rows[0]!.server_version,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown",
    load: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
  };
}

/** Value at quantile q (0–1) of sorted numbers. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** Peak resident set (VmHWM) of a process in MB, or null when it is gone. */
export function peakRssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process has used so far (from /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds so far of this database's Postgres backends (same host), keyed by pid. */
export async function postgresBackendCpu(db: Db): Promise<Map<number, number>> {
  const { rows } = await sql<{ pid: number }>`
    select pid from pg_stat_activity where datname = current_database()`.execute(db);
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      cpu.set(pid, cpuSeconds(pid));
    } catch {
      // gone, or not on this host
    }
  }
  return cpu;
}

/** A plain aligned table. */
export function printTable(title: string, rows: [string, string | number][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${title}`);
  console.log("-".repeat(title.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

/** The machine table every benchmark prints. */
export function printMachine(m: Machine): void {
  printTable("machine", [
    ["cpu", `${m.cores} × ${m.cpu}`],
    ["ram", `${m.ramGb} GB`],
    ["node", m.node],
    ["postgres", m.postgres],
    ["redis", m.redis],
    ["load average at start", m.load],
  ]);
}

/** The final single JSON line a benchmark prints (what tests and scripts read). */
export function printResult(result: Record<string, unknown>): void {
  console.log(JSON.stringify(result));
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
