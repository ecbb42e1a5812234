#!/usr/bin/env node
// Start one `paperboy` command and stop it as soon as it is ready: `serve` once it logs
// "serving", `worker` once it logs "worker started", anything else when it exits. Prints one
// JSON line {command, readyMs, cpuMs}; cpuMs is the child's user+system time read from
// /proc/<pid>/stat at the moment it was ready. Node built-ins only, so a whole-process timer
// (`/usr/bin/time -v node scripts/bench/until-ready.mjs serve`) measures start-up and nothing else.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const READY = { serve: '"msg":"serving"', worker: '"msg":"worker started"' };
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Resolves with {command, readyMs, cpuMs, code}; rejects when the command fails first. */
export async function startUntilReady(args, env = process.env) {
  const bin = fileURLToPath(new URL("../../bin/paperboy.mjs", import.meta.url));
  const marker = READY[args[0]];
  const childEnv = { LOG_LEVEL: "info", ...env, PORT: String(await freePort()), HOST: "127.0.0.1" };
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [bin, ...args], {
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  let output = "";
  return new Promise((resolve, reject) => {
    let cpuAtReady = Number.NaN;
    let readyMs = Number.NaN;
    const onData = (chunk) => {
      output += chunk;
      if (marker && Number.isNaN(readyMs) && output.includes(marker)) {
        readyMs = elapsed();
        cpuAtReady = cpuMs(child.pid);
        child.kill("SIGKILL");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (marker && Number.isNaN(readyMs)) {
        reject(new Error(`${args.join(" ")} exited (${code ?? signal}) before ready:\n${output}`));
        return;
      }
      const total = elapsed();
      resolve({
        command: args.join(" "),
        readyMs: Math.round(marker ? readyMs : total),
        cpuMs: marker ? cpuAtReady : Number.NaN,
        code,
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    console.error("usage: node scripts/bench/until-ready.mjs serve|worker|--help|…");
    process.exit(2);
  }
  try {
    console.log(JSON.stringify(await startUntilReady(args)));
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
