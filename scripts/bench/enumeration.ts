import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import { loadConfig } from "../../src/platform/config.ts";
import { createDeps } from "../../src/platform/deps.ts";
import { freePort } from "../services.mjs";
import { startServer } from "./api.ts";
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
import { stopProcess } from "./delivery.ts";

/** The address states a subscribe request may meet (issue 19: none may show in its timing). */
const STATES = ["new", "pending", "active", "unsubscribed", "suppressed", "bounced"] as const;
/** A second group of new addresses: its gap to "new" is the noise floor of the run (A/A). */
const GROUPS = [...STATES, "control"] as const;
type State = (typeof GROUPS)[number];

/**
 * Subscribe timing per address state: `paperboy serve` as its own process, `--requests` POST
 * /api/subscriptions per state, interleaved in a random order per round over one keep-alive
 * connection (so load drifts hit every state alike), each to an address not used before, after
 * `--warmup` requests, `--gap-ms` apart. Reports median and p90 per state and the largest gap
 * between medians.
 */
export async function enumerationBench(flags: Map<string, string>): Promise<void> {
  onlyFlags(flags, ["requests", "warmup", "gap-ms"]);
  const perState = intFlag(flags, "requests", 300);
  const warmup = intFlag(flags, "warmup", 60);
  // A pause between requests lets the previous request's after-reply work finish, as a patient
  // attacker would; without it that work lands on the next (random) state's request as noise.
  const gapMs = intFlag(flags, "gap-ms", 15);
  const port = await freePort();
  const outbox = mkdtempSync(path.join(tmpdir(), "paperboy-bench-outbox-"));
  const state = await createBenchState({
    PORT: String(port),
    HOST: "127.0.0.1",
    SUBSCRIBE_RATE_LIMIT_PER_MINUTE: "1000000000",
    CONFIRMATIONS_PER_DOMAIN_PER_HOUR: "1000000000",
    OUTBOX_DIR: outbox,
  });
  const deps = createDeps(loadConfig(state.env), { name: "paperboy-bench" });
  let server: ChildProcess | null = null;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    printMachine(await machine(state.databaseUrl));
    const addresses = await seedStates(deps.db, perState + warmup);
    server = await startServer(state.env, port, []);
    const post = (email: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const body = JSON.stringify({ email, topics: ["agents"] });
        const started = performance.now();
        const req = request(
          {
            host: "127.0.0.1",
            port,
            path: "/api/subscriptions",
            method: "POST",
            agent,
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
            },
          },
          (res) => {
            res.resume();
            res.on("end", () => {
              const ms = performance.now() - started;
              if (res.statusCode === 202) resolve(ms);
              else reject(new Error(`subscribe answered ${res.statusCode}`));
            });
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    const times = new Map<State, number[]>(GROUPS.map((s) => [s, []]));
    for (let round = 0; round < perState + warmup; round++) {
      for (const s of shuffled([...GROUPS])) {
        const ms = await post(addresses.get(s)![round]!);
        if (round >= warmup) times.get(s)!.push(ms);
        await new Promise((ok) => setTimeout(ok, gapMs));
      }
    }
    report(times, perState);
  } finally {
    agent.destroy();
    if (server) await stopProcess(server);
    await deps.close();
    await state.cleanup();
    rmSync(outbox, { recursive: true, force: true });
  }
}

function report(times: Map<State, number[]>, perState: number): void {
  const rows = GROUPS.map((s) => {
    const sorted = Float64Array.from(times.get(s)!).sort();
    return { state: s, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
  });
  printTable(
    `subscribe answer time per address state (${perState} requests each, interleaved)`,
    rows.map((r) => [r.state, `median ${round(r.median, 2)} ms · p90 ${round(r.p90, 2)} ms`]),
  );
  const states = rows.filter((r) => r.state !== "control");
  const medians = states.map((r) => r.median);
  const spread = Math.max(...medians) - Math.min(...medians);
  const median = (s: State) => rows.find((r) => r.state === s)!.median;
  const noise = Math.abs(median("new") - median("control"));
  console.log(`\nlargest gap between state medians: ${round(spread, 2)} ms (target ≤ 0.5 ms)`);
  console.log(`noise floor (new vs control, both new addresses): ${round(noise, 2)} ms`);
  printResult({
    bench: "enumeration",
    requestsPerState: perState,
    medianMs: Object.fromEntries(rows.map((r) => [r.state, round(r.median, 2)])),
    p90Ms: Object.fromEntries(rows.map((r) => [r.state, round(r.p90, 2)])),
    medianSpreadMs: round(spread, 2),
    noiseFloorMs: round(noise, 2),
  });
}

/** `count` fresh addresses per state, stored as that state (the "new" ones are not stored). */
async function seedStates(
  db: ReturnType<typeof createDeps>["db"],
  count: number,
): Promise<Map<State, string[]>> {
  const addresses = new Map<State, string[]>(
    GROUPS.map((s) => [s, Array.from({ length: count }, (_, i) => `${s}${i}@${s}.bench.test`)]),
  );
  const rows = (["pending", "active", "unsubscribed", "bounced"] as const).flatMap((status) =>
    addresses.get(status)!.map((email) => ({ email, status })),
  );
  await sql`
    insert into subscribers (email, status, confirmed_at)
    select e, s, case when s <> 'pending' then now() end
      from unnest(${rows.map((r) => r.email)}::text[], ${rows.map((r) => r.status)}::text[]) as t(e, s)`.execute(
    db,
  );
  const suppressed = [...addresses.get("suppressed")!, ...addresses.get("bounced")!];
  await sql`
    insert into suppressions (email, reason)
    select e, 'hard_bounce' from unnest(${suppressed}::text[]) as t(e)`.execute(db);
  return addresses;
}

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
