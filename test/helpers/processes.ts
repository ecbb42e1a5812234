import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = "bin/paperboy.mjs";

/**
 * What a worker that tests kill needs besides the test's own environment: one message in
 * flight per process (a kill can leave at most one outcome unknown), and an ingest schedule
 * that cannot reach the internet.
 */
export const KILLABLE_WORKER_ENV = {
  SEND_CONCURRENCY: "1",
  HF_PAPERS_URL: "http://127.0.0.1:9/hf",
  LOG_LEVEL: "warn",
} as const;

/** A `paperboy worker` for a test that kills it, sending to `smtpUrl`. */
export function killableWorker(env: Record<string, string>, smtpUrl: string): PaperboyProcess {
  return new PaperboyProcess("worker", { ...env, ...KILLABLE_WORKER_ENV, SMTP_URL: smtpUrl });
}

/** The result of a `paperboy` command run to its end. */
export interface CommandRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `paperboy ARGS...` started in the background, output ignored: for a test that kills it. */
export function spawnPaperboy(args: string[], env: Record<string, string>): ChildProcess {
  return spawn("node", [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: "ignore",
  });
}

/**
 * `paperboy ARGS...` run to its end, without blocking this process (which may host the SMTP
 * server or HTTP server the command talks to).
 */
export function runPaperboy(args: string[], env: Record<string, string>): Promise<CommandRun> {
  const child = spawn("node", [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => {
    stdout += c;
  });
  child.stderr.on("data", (c) => {
    stderr += c;
  });
  return new Promise((ok) => child.on("close", (status) => ok({ status, stdout, stderr })));
}

/**
 * A long-running `paperboy worker` or `paperboy serve` as a child process, for tests and the
 * chaos run that kill it: start, SIGKILL, SIGTERM, start again. Its output (every start's)
 * goes to `logFile`, to be searched for addresses and tokens afterwards, or is dropped.
 */
export class PaperboyProcess {
  private child: ChildProcess | null = null;
  kills = 0;
  starts = 0;
  /** Exits nobody asked for (a crash of the app itself): must stay 0. */
  crashes = 0;
  private expectingExit = false;
  private log: WriteStream | null;

  constructor(
    readonly role: "worker" | "serve",
    private env: Record<string, string>,
    logFile?: string,
  ) {
    this.log = logFile ? createWriteStream(logFile) : null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): this {
    const output = this.log ? "pipe" : "ignore";
    const child = spawn("node", [BIN, this.role], {
      cwd: ROOT,
      env: { ...process.env, ...this.env },
      stdio: ["ignore", output, output],
    });
    if (this.log) {
      child.stdout?.pipe(this.log, { end: false });
      child.stderr?.pipe(this.log, { end: false });
    }
    this.child = child;
    this.starts++;
    this.expectingExit = false;
    child.once("exit", () => {
      if (!this.expectingExit) this.crashes++;
    });
    return this;
  }

  /** SIGKILL: no shutdown hooks, sockets cut, whatever was in flight is in flight. */
  async kill(): Promise<void> {
    if (!this.running) return;
    await this.signal("SIGKILL");
    this.kills++;
  }

  /** SIGTERM and wait; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    return this.signal("SIGTERM");
  }

  private signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child!;
    const gone = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
    this.expectingExit = true;
    child.kill(signal);
    return gone;
  }

  /** Last resort (afterAll, end of a run): kill it if it still runs; close the log. */
  close(): void {
    this.expectingExit = true;
    if (this.running) this.child?.kill("SIGKILL");
    this.log?.end();
  }
}
