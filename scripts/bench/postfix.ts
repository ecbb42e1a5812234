import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { freePort } from "../services.mjs";
import { ensurePostfix as installPostfix, SMTP_SINK, SMTP_SOURCE } from "../system-packages.mjs";
import { cpuSeconds } from "./common.ts";

export { SMTP_SINK, SMTP_SOURCE };

export class PostfixMissing extends Error {}

/** postfix's smtp-sink and smtp-source (Debian package `postfix`), installed when we are root. */
export function ensurePostfix(): void {
  if (!installPostfix()) {
    throw new PostfixMissing(
      "postfix's smtp-sink/smtp-source are missing: run `sudo DEBIAN_FRONTEND=noninteractive apt-get install -y postfix` and try again",
    );
  }
}

export function postfixAvailable(): boolean {
  return existsSync(SMTP_SINK) && existsSync(SMTP_SOURCE);
}

export interface Sink {
  pid: number;
  port: number;
  /** Messages the sink has accepted so far (from its own `-c` counter). */
  count(): number;
  stop(): Promise<void>;
}

export interface SinkOptions {
  /** Announce PIPELINING (smtp-sink's default); false passes -p. */
  pipelining?: boolean;
  /**
   * Send the counter output to a file read only when count() is called, so that watching the
   * sink costs this process no CPU per message (for benchmarks measuring this process).
   */
  countToFile?: boolean;
}

/** The last "mesg=N" in a stretch of smtp-sink's counter output. */
function lastCount(text: string): number | null {
  const all = [...text.matchAll(/mesg=(\d+)/g)];
  return all.length ? Number(all[all.length - 1]![1]) : null;
}

/** Counter output in a file: count() reads its last bytes. */
function fileCounter(): { fd: number; count(): number; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "paperboy-sink-"));
  const file = path.join(dir, "counter.txt");
  const fd = openSync(file, "w+");
  const tail = Buffer.alloc(256);
  return {
    fd,
    count() {
      const size = statSync(file).size;
      const n = readSync(fd, tail, 0, Math.min(size, tail.length), Math.max(0, size - tail.length));
      return lastCount(tail.toString("latin1", 0, n)) ?? 0;
    },
    remove() {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * smtp-sink on a free local port. `-c` makes it print "sess=… quit=… mesg=N" after every
 * message, so the count is the sink's own, not ours.
 */
export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const port = await freePort();
  const user = userInfo().username;
  const flags = ["-c", ...(options.pipelining === false ? ["-p"] : [])];
  const file = options.countToFile ? fileCounter() : null;
  const child: ChildProcess = spawn(
    SMTP_SINK,
    [...flags, "-u", user, `127.0.0.1:${port}`, "1024"],
    {
      stdio: ["ignore", file ? file.fd : "pipe", "pipe"],
    },
  );
  let count = 0;
  let tail = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    tail = (tail + chunk.toString("latin1")).slice(-200);
    count = lastCount(tail) ?? count;
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  // Ready once it accepts connections.
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((ok) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        ok(true);
      });
      socket.once("error", () => ok(false));
    });
    if (up) break;
    if (child.exitCode !== null || i > 100) throw new Error(`smtp-sink did not start: ${stderr}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return {
    pid: child.pid!,
    port,
    count: () => (file ? file.count() : count),
    async stop() {
      child.kill("SIGTERM");
      await exited;
      file?.remove();
    },
  };
}

export interface SourceRun {
  messages: number;
  seconds: number;
  /** smtp-source's own CPU (last reading before it exited). */
  cpuSeconds: number;
}

/**
 * The ceiling: smtp-source sending `messages` messages of `bytes` bytes each over `sessions`
 * connections kept open (-d), as fast as the sink takes them.
 */
export async function runSmtpSource(
  sink: Sink,
  messages: number,
  bytes: number,
  sessions: number,
): Promise<SourceRun> {
  const args = ["-d", "-s", String(sessions), "-m", String(messages), "-l", String(bytes)];
  args.push("-f", "digest@paperboy.bench", "-t", "reader@example.test", `127.0.0.1:${sink.port}`);
  const started = performance.now();
  const child = spawn(SMTP_SOURCE, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  let cpu = 0;
  const poll = setInterval(() => {
    try {
      cpu = cpuSeconds(child.pid!);
    } catch {}
  }, 10);
  const code = await new Promise<number | null>((ok) => child.once("exit", ok));
  clearInterval(poll);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`smtp-source failed (${code}): ${stderr.trim()}`);
  return { messages, seconds, cpuSeconds: cpu };
}
