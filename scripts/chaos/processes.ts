import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import path from "node:path";

/**
 * The app's processes as the chaos run sees them: `paperboy worker` / `paperboy serve` children
 * whose pino output (stdout and stderr) goes to one log file per role, to be searched for
 * addresses and tokens at the end.
 */
export class AppProcess {
  private child: ChildProcess | null = null;
  private log: WriteStream;
  kills = 0;
  starts = 0;
  /** Exits nobody asked for (a crash of the app itself): must stay 0. */
  crashes = 0;
  private expectingExit = false;

  constructor(
    readonly role: "worker" | "serve",
    private env: Record<string, string>,
    logDir: string,
    private cwd: string,
  ) {
    this.log = createWriteStream(
      path.join(logDir, `${role}-${Math.random().toString(36).slice(2, 8)}.log`),
    );
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): this {
    const child = spawn("node", ["bin/paperboy.mjs", this.role], {
      cwd: this.cwd,
      env: { ...process.env, ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
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
    const child = this.child;
    if (!child || !this.running) return;
    const gone = new Promise((ok) => child.once("exit", ok));
    this.expectingExit = true;
    child.kill("SIGKILL");
    await gone;
    this.kills++;
  }

  /** SIGTERM and wait; resolves with the exit code. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running) return child?.exitCode ?? null;
    const gone = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
    this.expectingExit = true;
    child.kill("SIGTERM");
    return gone;
  }

  close(): void {
    this.expectingExit = true;
    if (this.running) this.child?.kill("SIGKILL");
    this.log.end();
  }
}
