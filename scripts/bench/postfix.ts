import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { freePort } from "../services.mjs";
import { cpuSeconds } from "./common.ts";

export const SMTP_SINK = "/usr/sbin/smtp-sink";
export const SMTP_SOURCE = "/usr/sbin/smtp-source";

export class PostfixMissing extends Error {}

/**
 * postfix's smtp-sink and smtp-source (Debian package `postfix`): installed here when running
 * as root, else the caller is told how to get them.
 */
export function ensurePostfix(): void {
  if (existsSync(SMTP_SINK) && existsSync(SMTP_SOURCE)) return;
  if (process.getuid?.() !== 0) {
    throw new PostfixMissing(
      "postfix's smtp-sink/smtp-source are missing: run `sudo DEBIAN_FRONTEND=noninteractive apt-get install -y postfix` and try again",
    );
  }
  console.log("bench: installing postfix for smtp-sink/smtp-source (apt-get install -y postfix)");
  const r = spawnSync("apt-get", ["install", "-y", "postfix"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (r.status !== 0 || !existsSync(SMTP_SINK)) {
    throw new PostfixMissing("installing postfix failed (apt-get install -y postfix)");
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

/**
 * smtp-sink on a free local port. `-c` makes it print "sess=… quit=… mesg=N" after every
 * message, so the count is the sink's own, not ours.
 */
export async function startSink(): Promise<Sink> {
  const port = await freePort();
  const user = userInfo().username;
  const child: ChildProcess = spawn(SMTP_SINK, ["-c", "-u", user, `127.0.0.1:${port}`, "1024"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let count = 0;
  let tail = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    tail = (tail + chunk.toString("latin1")).slice(-200);
    const all = [...tail.matchAll(/mesg=(\d+)/g)];
    if (all.length) count = Number(all[all.length - 1]![1]);
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
    count: () => count,
    async stop() {
      child.kill("SIGTERM");
      await exited;
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
