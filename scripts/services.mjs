// Find or start Postgres and Redis, in this order, saying which it used:
//   1. DATABASE_URL / REDIS_URL (or the defaults) when reachable; the database is created if missing;
//   2. services this script started earlier under .data/ (their URLs are in .data/services.env);
//   3. `docker compose up -d` when a Docker engine answers;
//   4. local postgres/initdb and redis-server binaries, data under .data/, on free ports;
//   5. otherwise stop, saying exactly what to install.
import { execFileSync, spawnSync } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";

const DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/paperboy";
const DEFAULT_REDIS = "redis://127.0.0.1:6379";
const SERVICES_ENV = ".data/services.env";

export async function ensureServices(env) {
  const saved = readSaved();
  const wanted = {
    DATABASE_URL: env.DATABASE_URL || DEFAULT_DB,
    REDIS_URL: env.REDIS_URL || DEFAULT_REDIS,
  };
  const source = {
    DATABASE_URL: env.DATABASE_URL ? "DATABASE_URL" : "the default",
    REDIS_URL: env.REDIS_URL ? "REDIS_URL" : "the default",
  };
  const result = {};
  if (await postgresUp(wanted.DATABASE_URL)) {
    result.DATABASE_URL = wanted.DATABASE_URL;
    say("Postgres", wanted.DATABASE_URL, source.DATABASE_URL);
  } else if (saved.DATABASE_URL && (await postgresUp(saved.DATABASE_URL))) {
    result.DATABASE_URL = saved.DATABASE_URL;
    say("Postgres", saved.DATABASE_URL, "a server started earlier under .data/");
  }
  if (await redisUp(wanted.REDIS_URL)) {
    result.REDIS_URL = wanted.REDIS_URL;
    say("Redis", wanted.REDIS_URL, source.REDIS_URL);
  } else if (saved.REDIS_URL && (await redisUp(saved.REDIS_URL))) {
    result.REDIS_URL = saved.REDIS_URL;
    say("Redis", saved.REDIS_URL, "a server started earlier under .data/");
  }
  if (result.DATABASE_URL && result.REDIS_URL) return result;

  if (dockerWorks()) {
    console.log("services: starting Postgres, Redis and Mailpit with docker compose");
    execFileSync("docker", ["compose", "up", "-d", "--wait"], { stdio: "inherit" });
    result.DATABASE_URL ??= DEFAULT_DB;
    result.REDIS_URL ??= DEFAULT_REDIS;
    if ((await postgresUp(result.DATABASE_URL)) && (await redisUp(result.REDIS_URL))) {
      say("Postgres", result.DATABASE_URL, "docker compose");
      say("Redis", result.REDIS_URL, "docker compose");
      return result;
    }
  }

  if (!result.DATABASE_URL) result.DATABASE_URL = await startLocalPostgres();
  if (!result.REDIS_URL) result.REDIS_URL = await startLocalRedis();
  writeSaved({ ...saved, ...result });
  return result;
}

function say(what, url, from) {
  const u = new URL(url);
  console.log(
    `services: ${what} at ${u.host}${u.pathname === "/" ? "" : u.pathname} (from ${from})`,
  );
}

function fail(message) {
  console.error(`services: ${message}`);
  process.exit(1);
}

/** Connect; if the database is missing, create it through the server's `postgres` database. */
async function postgresUp(url) {
  const tryConnect = async (u) => {
    const client = new pg.Client({ connectionString: u, connectionTimeoutMillis: 3000 });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("select 1");
      return "ok";
    } catch (error) {
      return error.code === "3D000" ? "missing" : "down";
    } finally {
      await client.end().catch(() => {});
    }
  };
  let state;
  try {
    state = await tryConnect(url);
  } catch {
    return false;
  }
  if (state === "ok") return true;
  if (state === "down") return false;
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({
    connectionString: admin.toString(),
    connectionTimeoutMillis: 3000,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query(`create database "${name.replace(/"/g, '""')}"`);
    console.log(`services: created database ${name}`);
  } catch (error) {
    if (error.code !== "42P04") fail(`cannot create database ${name}: ${error.message}`);
  } finally {
    await client.end().catch(() => {});
  }
  return (await tryConnect(url)) === "ok";
}

/** True when a Redis at `url` answers PING (no retries). */
export async function redisUp(url) {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function dockerWorks() {
  const r = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], {
    stdio: "ignore",
    timeout: 10_000,
  });
  return r.status === 0;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

function findBinary(name, extraDirs = []) {
  for (const dir of [...(process.env.PATH ?? "").split(":"), ...extraDirs]) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

function postgresBinDirs() {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(base, v, "bin"));
}

async function startLocalPostgres() {
  const dirs = postgresBinDirs();
  const initdb = findBinary("initdb", dirs);
  const pgCtl = findBinary("pg_ctl", dirs);
  if (!initdb || !pgCtl) {
    fail(
      "no reachable Postgres, no Docker engine, and no local Postgres binaries. Install one: " +
        "`apt-get install postgresql` (Debian/Ubuntu), `brew install postgresql@17` (macOS), " +
        "or Docker; or set DATABASE_URL to a reachable server.",
    );
  }
  const dataDir = path.resolve(".data/postgres");
  const port = await freePort();
  // initdb refuses to run as root; run the server as the `postgres` user then.
  const asRoot = process.getuid?.() === 0;
  const run = (cmd, args) => {
    const full = asRoot ? ["-u", "postgres", "--", cmd, ...args] : args;
    const r = spawnSync(asRoot ? "runuser" : cmd, full, { stdio: "pipe", encoding: "utf8" });
    if (r.status !== 0) fail(`${path.basename(cmd)} failed: ${(r.stderr || r.stdout).trim()}`);
  };
  mkdirSync(dataDir, { recursive: true });
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(dataDir, uid, gid);
  }
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    run(initdb, ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
  }
  run(pgCtl, [
    "-D",
    dataDir,
    "-l",
    path.join(dataDir, "server.log"),
    "-o",
    `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1`,
    "-w",
    "start",
  ]);
  const url = `postgres://postgres@127.0.0.1:${port}/paperboy`;
  if (!(await postgresUp(url))) fail(`started Postgres on port ${port} but cannot connect`);
  say("Postgres", url, `local binaries, data in .data/postgres`);
  return url;
}

async function startLocalRedis() {
  const server = findBinary("redis-server");
  if (!server) {
    fail(
      "no reachable Redis, no Docker engine, and no redis-server binary. Install one: " +
        "`apt-get install redis-server` (Debian/Ubuntu), `brew install redis` (macOS), " +
        "or Docker; or set REDIS_URL to a reachable server.",
    );
  }
  const dir = path.resolve(".data/redis");
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const r = spawnSync(
    server,
    [
      "--daemonize",
      "yes",
      "--bind",
      "127.0.0.1",
      "--port",
      String(port),
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
      "--maxmemory-policy",
      "noeviction",
      "--logfile",
      path.join(dir, "redis.log"),
      "--pidfile",
      path.join(dir, "redis.pid"),
    ],
    { stdio: "pipe", encoding: "utf8" },
  );
  if (r.status !== 0) fail(`redis-server failed: ${(r.stderr || r.stdout).trim()}`);
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await redisUp(url)); i++)
    await new Promise((ok) => setTimeout(ok, 100));
  if (!(await redisUp(url))) fail(`started redis-server on port ${port} but cannot connect`);
  say("Redis", url, "local binaries, data in .data/redis");
  return url;
}

function readSaved() {
  if (!existsSync(SERVICES_ENV)) return {};
  return Object.fromEntries(
    readFileSync(SERVICES_ENV, "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

function writeSaved(values) {
  mkdirSync(".data", { recursive: true });
  const body = Object.entries(values)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
  writeFileSync(
    SERVICES_ENV,
    `# Written by scripts/services.mjs: services it started under .data/\n${body}\n`,
  );
}
