import { loadConfig } from "../../src/platform/config.ts";
import { createDeps } from "../../src/platform/deps.ts";
import {
  claimConfirmationSlots,
  recordSubscribeRequests,
  takeConfirmationBudgets,
} from "../../src/subscribers/batch-repository.ts";
import { confirmationBudgets } from "../../src/subscribers/service.ts";
import { createBenchState, postgresBackendCpu, round } from "./common.ts";

/**
 * The steps of one subscribe flush (record, claim, budgets) timed apart, wall and Postgres
 * backend CPU, over ROUNDS flushes of ITEMS new addresses at one domain (the first five not
 * counted), in a throwaway database:
 * `npx tsx scripts/bench/subscribe-steps.ts [ITEMS=480] [ROUNDS=30]` (under flock /tmp/perf.lock).
 */
const items = Number(process.argv[2] ?? 480);
const rounds = Number(process.argv[3] ?? 30);
const state = await createBenchState({ CONFIRMATIONS_PER_DOMAIN_PER_HOUR: "1000000000" });
const deps = createDeps(loadConfig(state.env), { name: "steps" });
try {
  const totals = { record: [0, 0, 0], claim: [0, 0, 0], budgets: [0, 0, 0] } as Record<
    string,
    number[]
  >;
  const pgCpu = async () =>
    [...(await postgresBackendCpu(deps.db)).values()].reduce((a, b) => a + b, 0);
  for (let r = 0; r < rounds; r++) {
    const inputs = Array.from({ length: items }, (_, i) => ({
      email: `s${r}-${i}-${Date.now()}@bench.example.test`,
      topics: ["agents"],
      timezone: "UTC",
      frequency: "daily" as const,
    }));
    const now = new Date();
    const step = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
      const p0 = await pgCpu();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const out = await f();
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      const p1 = await pgCpu();
      if (r >= 5) {
        totals[name]![0]! += ms;
        totals[name]![1]! += (c.user + c.system) / 1000;
        totals[name]![2]! += (p1 - p0) * 1000;
      }
      return out;
    };
    const outcomes = await step("record", () => recordSubscribeRequests(deps.db, inputs, now));
    await step("claim", () => claimConfirmationSlots(deps.db, [], now));
    const budgets = outcomes.map((_, i) => confirmationBudgets(inputs[i]!.email, 1e9));
    await step("budgets", () => takeConfirmationBudgets(deps.db, budgets, now));
  }
  const n = rounds - 5;
  for (const [name, [ms, js, pg]] of Object.entries(totals)) {
    console.log(
      `${name}: wall ${round(ms! / n, 1)} ms/flush, node ${round(js! / n / items, 3)} ms/item, postgres ${round(pg! / n / items, 3)} ms/item`,
    );
  }
} finally {
  await deps.close();
  await state.cleanup();
}
