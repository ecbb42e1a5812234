import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";

/**
 * wrk (a separate C process, cheaper than a load generator inside the benchmark's node) with a
 * Lua script: `done()` prints one JSON line with the latency distribution, the request count
 * and every kind of error, non-2xx answers included (wrk itself only counts >= 400).
 */

export interface WrkResult {
  requests: number;
  durationS: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  errors: { connect: number; read: number; write: number; timeout: number; non2xx: number };
  /** wrk's own CPU (user + system), seconds: it shares the cores with the server. */
  cpuSeconds: number;
}

/** Shared Lua: thread ids, a non-2xx count per thread, the JSON summary. */
const COMMON_LUA = `
local threads = {}
local nthreads = 0
function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
  table.insert(threads, thread)
end
bad = 0
function response(status, headers, body)
  if status < 200 or status > 299 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local non2xx = 0
  for _, t in ipairs(threads) do non2xx = non2xx + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,"non2xx":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max,
    e.connect, e.read, e.write, e.timeout, non2xx))
end
`;

/** POST /api/subscriptions, an address never used before on every request (per thread, run). */
export function subscribeLua(runId: string): string {
  return `${COMMON_LUA}
local n = 0
function request()
  n = n + 1
  local body = '{"email":"w${runId}-' .. tid .. '-' .. n .. '@bench.example.test","topics":["agents"]}'
  return wrk.format("POST", "/api/subscriptions", {["content-type"] = "application/json"}, body)
end
`;
}

/** RFC 8058 one-click POSTs to the paths in a file (one a line), each thread its own share
 * (wrk passes the thread count after `--`). */
export function oneClickLua(pathsFile: string): string {
  return `${COMMON_LUA}
local paths = {}
local i = 0
function init(args)
  local every = tonumber(args[1])
  local k = 0
  for line in io.lines("${pathsFile}") do
    if k % every == tid then table.insert(paths, line) end
    k = k + 1
  end
end
function request()
  i = i + 1
  local p = paths[((i - 1) % #paths) + 1]
  return wrk.format("POST", p,
    {["content-type"] = "application/x-www-form-urlencoded"}, "List-Unsubscribe=One-Click")
end
`;
}

/** Run wrk for `durationS` and parse the JSON line of its `done()`. */
export async function runWrk(options: {
  url: string;
  lua: string;
  dir: string;
  name: string;
  connections: number;
  threads: number;
  durationS: number;
  /** CPUs wrk may run on (taskset list, e.g. "1"); unset = any. */
  cpus?: string;
}): Promise<WrkResult> {
  const script = path.join(options.dir, `${options.name}.lua`);
  writeFileSync(script, options.lua);
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.durationS}s`,
    "--timeout",
    "10s",
    "-s",
    script,
    options.url,
    "--",
    String(options.threads),
  ];
  // bash's `times` prints its children's CPU (wrk's) once wrk has exited.
  const wrk = options.cpus ? `taskset -c ${options.cpus} wrk` : "wrk";
  const shell = `${wrk} "$@"; rc=$?; echo WRK_TIMES; times; exit $rc`;
  const out = await new Promise<string>((ok, fail) => {
    const child = spawn("bash", ["-c", shell, "wrk", ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let text = "";
    child.stdout.on("data", (c: Buffer) => {
      text += c.toString();
    });
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? ok(text) : fail(new Error(`wrk exited ${code}`))));
  });
  const line = out.split("\n").find((l) => l.startsWith("WRK_JSON "));
  if (!line) throw new Error(`wrk printed no summary:\n${out}`);
  return parseWrk(JSON.parse(line.slice("WRK_JSON ".length)), childCpuSeconds(out));
}

/** The children's line of bash `times` ("0m1.234s 0m0.567s"), user + system seconds. */
function childCpuSeconds(out: string): number {
  const lines = out.slice(out.indexOf("WRK_TIMES")).trim().split("\n");
  const seconds = (t: string) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
  };
  const [user, system] = (lines[2] ?? "").trim().split(/\s+/);
  return seconds(user ?? "") + seconds(system ?? "");
}

function parseWrk(j: Record<string, number>, cpuSeconds: number): WrkResult {
  const ms = (us: number) => Math.round(us / 10) / 100;
  const durationS = j.durationUs! / 1e6;
  return {
    requests: j.requests!,
    durationS,
    requestsPerSecond: Math.round(j.requests! / durationS),
    latencyMs: {
      p50: ms(j.p50!),
      p90: ms(j.p90!),
      p99: ms(j.p99!),
      p999: ms(j.p999!),
      max: ms(j.max!),
    },
    errors: {
      connect: j.connect!,
      read: j.read!,
      write: j.write!,
      timeout: j.timeout!,
      non2xx: j.non2xx!,
    },
    cpuSeconds,
  };
}
