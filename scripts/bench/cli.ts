import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  intFlag,
  machine,
  onlyFlags,
  printMachine,
  printResult,
  printTable,
  quantile,
  round,
} from "./common.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TICKS_PER_SECOND = 100;

/** What an operator types first; the node startup alone is the floor under every figure. */
const COMMANDS: Array<{ key: string; name: string; args: string[] }> = [
  { key: "help", name: "paperboy --help", args: ["bin/paperboy.mjs", "--help"] },
  {
    key: "commandHelp",
    name: "paperboy ingest --help",
    args: ["bin/paperboy.mjs", "ingest", "--help"],
  },
  {
    key: "badArgument",
    name: "paperboy digest --date nonsense",
    args: ["bin/paperboy.mjs", "digest", "--date", "nonsense"],
  },
  { key: "nodeFloor", name: "node -e 0 (the floor)", args: ["-e", "0"] },
];

interface Sample {
  wall: number;
  cpu: number;
  status: number;
}

/**
 * One run of `node ARGS` as a whole process: wall time around it, and its CPU time as the
 * kernel accounts it to the shell that waited for it (cutime + cstime of /proc/<sh>/stat).
 */
function runOnce(args: string[]): Sample {
  const started = performance.now();
  const script = 'node "$@" >/dev/null 2>&1; echo $?; cat /proc/$$/stat';
  const r = spawnSync("sh", ["-c", script, "sh", ...args], { cwd: ROOT, encoding: "utf8" });
  const wall = (performance.now() - started) / 1000;
  const [status, stat = ""] = r.stdout.split("\n");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the command name: cutime and cstime are fields 16 and 17 of the whole line.
  const cpu = (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
  return { wall, cpu, status: Number(status) };
}

/**
 * `npm run bench -- cli [--runs 10]`: how long the CLI takes to answer when it does not need
 * the app (help, a bad argument): each command once to warm the caches, then `runs` times.
 */
export async function cliBench(flags: Map<string, string>): Promise<void> {
  onlyFlags(flags, ["runs"]);
  const runs = intFlag(flags, "runs", 10);
  printMachine(await machine());
  const result: Record<string, unknown> = { bench: "cli", runs };
  const rows: [string, string][] = [];
  for (const { key, name, args } of COMMANDS) {
    runOnce(args);
    const samples = Array.from({ length: runs }, () => runOnce(args));
    const wall = samples.map((s) => s.wall).sort((a, b) => a - b);
    const cpu = samples.map((s) => s.cpu).sort((a, b) => a - b);
    const median = { wall: quantile(wall, 0.5), cpu: quantile(cpu, 0.5) };
    rows.push([
      name,
      `wall ${round(median.wall, 3)} s (min ${round(wall[0]!, 3)}, max ${round(wall.at(-1)!, 3)}) · cpu ${round(median.cpu, 2)} s`,
    ]);
    result[key] = {
      wallMedianS: round(median.wall, 3),
      cpuMedianS: round(median.cpu, 2),
      exitCodes: [...new Set(samples.map((s) => s.status))],
    };
  }
  printTable(`CLI start-up, median of ${runs} runs (wall, and CPU of the whole process)`, rows);
  printResult(result);
}
