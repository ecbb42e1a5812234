import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { postfixAvailable } from "../../scripts/bench/postfix.ts";

/**
 * Every benchmark at a tiny size, so none of them rots (test/bench/smoke*.test.ts, split in three
 * files so the forks run them side by side). Figures are not checked there (they are measured
 * by `npm run bench`, see BENCHMARKS.md); what each run claims is.
 */
const run = promisify(execFile);
const root = new URL("../../", import.meta.url);

export async function bench(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run("npx", ["tsx", "scripts/bench/main.ts", ...args], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production" },
    timeout: 150_000,
    maxBuffer: 16 * 2 ** 20,
  });
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!);
}

export const havePostfix = postfixAvailable();
if (!havePostfix) {
  console.warn(
    "\n*** test/bench/smoke: postfix (smtp-sink/smtp-source) is not installed: the delivery benchmark smoke run is SKIPPED. Install it: apt-get install -y postfix ***\n",
  );
}
