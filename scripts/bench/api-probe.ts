import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The server side of an API run, from scripts/bench/server-probe.mjs inside `paperboy serve`:
 * event-loop delay, GC pauses and group-commit flushes between two SIGUSR2s.
 */

const PROBE = fileURLToPath(new URL("./server-probe.mjs", import.meta.url));

export interface ProbeReading {
  inServerMs: { p50: number; p99: number; max: number };
  loopDelayMs: { p50: number; p99: number; max: number };
  gc: Record<string, { count: number; totalMs: number; maxMs: number }>;
  flushes: Record<
    string,
    {
      flushes: number;
      meanItems: number;
      maxItems: number;
      maxWaiting: number;
      msP50: number;
      msP99: number;
      msMax: number;
    }
  >;
  heapMb: number;
}

/** Node flags and environment that load the probe into the server, writing to `dir`. */
export function probeSetup(dir: string) {
  const file = path.join(dir, "probe.jsonl");
  return { file, nodeArgs: ["--import", PROBE], env: { PAPERBOY_PROBE_FILE: file } };
}

/** Ask the server for what happened since the last reading, and wait for its line. */
export async function readProbe(pid: number, file: string): Promise<ProbeReading | null> {
  const lines = () => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : []);
  const before = lines().length;
  process.kill(pid, "SIGUSR2");
  for (let i = 0; i < 100; i++) {
    const now = lines();
    if (now.length > before) return JSON.parse(now.at(-1)!) as ProbeReading;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return null;
}

/** The table rows of one reading. */
export function probeRows(p: ProbeReading | null): [string, string][] {
  if (!p) return [["server probe", "no reading"]];
  const gc = Object.entries(p.gc)
    .map(([kind, g]) => `${kind} ${g.count}× ${g.totalMs} ms (max ${g.maxMs})`)
    .join(", ");
  const flushes = Object.entries(p.flushes).map(([name, f]): [string, string] => [
    `group flushes: ${name}`,
    `${f.flushes}, mean ${f.meanItems} items (max ${f.maxItems}, ${f.maxWaiting} waiting), ` +
      `p50 / p99 / max ${f.msP50} / ${f.msP99} / ${f.msMax} ms`,
  ]);
  return [
    [
      "time in the server p50 / p99 / max",
      `${p.inServerMs.p50} / ${p.inServerMs.p99} / ${p.inServerMs.max} ms`,
    ],
    [
      "server event-loop delay p50 / p99 / max",
      `${p.loopDelayMs.p50} / ${p.loopDelayMs.p99} / ${p.loopDelayMs.max} ms`,
    ],
    ["server GC pauses", gc || "none"],
    ...flushes,
  ];
}
