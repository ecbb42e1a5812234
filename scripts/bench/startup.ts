import { spawnSync } from "node:child_process";
import {
  createBenchState,
  intFlag,
  machine,
  onlyFlags,
  printMachine,
  printResult,
  printTable,
  quantile,
  round,
} from "./common.ts";
import { startUntilReady } from "./until-ready.mjs";

const COMMANDS: Record<string, string[]> = {
  help: ["--help"],
  serve: ["serve"],
  worker: ["worker"],
};
const MODES = ["src", "dist"] as const;

function listFlag(flags: Map<string, string>, name: string, known: readonly string[]): string[] {
  const values = (flags.get(name) ?? known.join(",")).split(",");
  const unknown = values.find((v) => !known.includes(v));
  if (unknown) throw new Error(`--${name}: unknown '${unknown}' (known: ${known.join(", ")})`);
  return values;
}

/**
 * Start-up of `paperboy --help`, `serve` and `worker`: from launch until the process is ready
 * (the help printed and exited; "serving"; "worker started"), with the TypeScript sources via
 * tsx (src) against the compiled build (dist, built first with `npm run build`). Wall time
 * and the process's own CPU time at that moment, median of --runs.
 */
export async function startupBench(flags: Map<string, string>): Promise<void> {
  onlyFlags(flags, ["runs", "commands", "modes"]);
  const runs = intFlag(flags, "runs", 5);
  const commands = listFlag(flags, "commands", Object.keys(COMMANDS));
  const modes = listFlag(flags, "modes", MODES);
  printMachine(await machine());
  if (modes.includes("dist")) {
    const build = spawnSync("npm", ["run", "build", "--silent"], { stdio: "inherit" });
    if (build.status !== 0) throw new Error("npm run build failed");
  }
  const state = await createBenchState({ LOG_LEVEL: "info", SMTP_URL: "smtp://127.0.0.1:9" });
  const result: Record<string, { readyMs: number; cpuMs: number }> = {};
  try {
    for (const mode of modes) {
      for (const name of commands) {
        const samples: Awaited<ReturnType<typeof startUntilReady>>[] = [];
        for (let i = 0; i < runs; i++) {
          samples.push(
            await startUntilReady(COMMANDS[name]!, { ...state.env, PAPERBOY_RUN: mode }),
          );
        }
        const median = (key: "readyMs" | "cpuMs") =>
          round(
            quantile(
              samples.map((s) => s[key]).sort((a, b) => a - b),
              0.5,
            ),
            0,
          );
        result[`${name}.${mode}`] = { readyMs: median("readyMs"), cpuMs: median("cpuMs") };
      }
    }
  } finally {
    await state.cleanup();
  }
  printTable(
    `start-up, median of ${runs} (ready ms · CPU ms; --help: until exit, CPU not sampled)`,
    Object.entries(result).map(([k, v]) => [
      k,
      `${v.readyMs} · ${Number.isNaN(v.cpuMs) ? "n/a" : v.cpuMs}`,
    ]),
  );
  printResult({ runs, ...result });
}
