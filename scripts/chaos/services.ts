import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { sleep, waitUntil } from "../../test/helpers/wait.ts";
import { freePort, redisUp } from "../services.mjs";

/**
 * Throwaway Redis and Postgres servers for the chaos run, on free ports under a temp dir, so
 * restarting them never touches the machine's shared services (other people's tests use them).
 */

export { freePort };

/** A redis-server child on a free port; restart() stops it (SHUTDOWN NOSAVE) and starts it again. */
export class ChaosRedis {
  url = "";
  private port = 0;
  constructor(private dir: string) {}

  async start(): Promise<this> {
    mkdirSync(this.dir, { recursive: true });
    this.port ||= await freePort();
    this.url = `redis://127.0.0.1:${this.port}`;
    const r = spawnSync(
      "redis-server",
      [
        ...["--daemonize", "yes", "--bind", "127.0.0.1", "--port", String(this.port)],
        ...["--dir", this.dir, "--save", "", "--maxmemory-policy", "noeviction"],
        // Queues survive a restart, as on a production Redis with AOF.
        ...["--appendonly", "yes", "--appendfsync", "always"],
        ...["--logfile", path.join(this.dir, "redis.log")],
        ...["--pidfile", path.join(this.dir, "redis.pid")],
      ],
      { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`redis-server failed: ${r.stderr || r.stdout}`);
    await waitUntil(() => redisUp(this.url), "redis", { everyMs: 100 });
    return this;
  }

  /** Last resort on exit: kill the server by its pid file. */
  killSync(): void {
    try {
      process.kill(Number(readFileSync(path.join(this.dir, "redis.pid"), "utf8")));
    } catch {
      // not running
    }
  }

  /** Stop the server (its clients see the connection drop), keep it down for `downMs`. */
  async restart(downMs: number): Promise<void> {
    await this.stop();
    await sleep(downMs);
    await this.start();
  }

  async stop(): Promise<void> {
    const redis = new Redis(this.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on("error", () => {});
    await redis.call("shutdown", "nosave").catch(() => {});
    redis.disconnect();
    await waitUntil(async () => !(await redisUp(this.url)), "redis shutdown", {
      timeoutMs: 10_000,
      everyMs: 100,
    });
  }
}

function postgresBin(name: string): string {
  const base = "/usr/lib/postgresql";
  const dirs = existsSync(base)
    ? readdirSync(base)
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => path.join(base, v, "bin"))
    : [];
  for (const dir of [...(process.env.PATH ?? "").split(":"), ...dirs]) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  throw new Error(`chaos: no ${name} binary (install postgresql)`);
}

/** A Postgres cluster of its own (initdb + pg_ctl); as root it runs as the postgres user. */
export class ChaosPostgres {
  port = 0;
  constructor(private dir: string) {}

  private run(cmd: string, args: string[]) {
    const asRoot = process.getuid?.() === 0;
    const r = spawnSync(
      asRoot ? "runuser" : cmd,
      asRoot ? ["-u", "postgres", "--", cmd, ...args] : args,
      {
        encoding: "utf8",
      },
    );
    if (r.status !== 0) throw new Error(`${path.basename(cmd)} failed: ${r.stderr || r.stdout}`);
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<this> {
    mkdirSync(this.dir, { recursive: true });
    if (process.getuid?.() === 0) {
      const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"]).toString());
      chownSync(this.dir, id("-u"), id("-g"));
    }
    if (!existsSync(path.join(this.dir, "PG_VERSION"))) {
      this.run(postgresBin("initdb"), [
        "-D",
        this.dir,
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
      ]);
    }
    this.port ||= await freePort();
    this.pgCtl("start");
    await waitUntil(() => this.answers(), "postgres", { everyMs: 100 });
    return this;
  }

  private pgCtl(action: "start" | "stop") {
    const args = ["-D", this.dir, "-w"];
    if (action === "start") {
      args.push(
        "-l",
        path.join(this.dir, "server.log"),
        "-o",
        `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off`,
        "start",
      );
    } else {
      args.push("-m", "immediate", "stop");
    }
    this.run(postgresBin("pg_ctl"), args);
  }

  async answers(): Promise<boolean> {
    const client = new pg.Client({
      connectionString: this.url("postgres"),
      connectionTimeoutMillis: 1000,
    });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("select 1");
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** Crash-stop (immediate: no checkpoint, every client cut off), stay down, start again. */
  async restart(downMs: number): Promise<void> {
    this.pgCtl("stop");
    await sleep(downMs);
    this.pgCtl("start");
    await waitUntil(() => this.answers(), "postgres restart", { everyMs: 100 });
  }

  /** Cut every backend of one database off (what a failover or an admin kill looks like). */
  async terminateBackends(database: string): Promise<number> {
    const client = new pg.Client({ connectionString: this.url("postgres") });
    await client.connect();
    try {
      const { rows } = await client.query(
        "select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()) t",
        [database],
      );
      return rows[0].n as number;
    } finally {
      await client.end();
    }
  }

  async createDatabase(name: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.url("postgres") });
    await client.connect();
    try {
      await client.query(`drop database if exists "${name}" with (force)`);
      await client.query(`create database "${name}"`);
    } finally {
      await client.end();
    }
  }

  stop(): void {
    try {
      this.pgCtl("stop");
    } catch {
      // already down
    }
  }
}
