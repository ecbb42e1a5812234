import { apiBench } from "./api.ts";
import { cliBench } from "./cli.ts";
import { parseFlags } from "./common.ts";
import { deliveryBench } from "./delivery.ts";
import { enumerationBench } from "./enumeration.ts";
import { ingestBench } from "./ingest.ts";
import { planBench } from "./plan.ts";
import { relevanceBench } from "./relevance.ts";
import { renderBench } from "./render.ts";
import { smtpBench } from "./smtp.ts";
import { startupBench } from "./startup.ts";
import { topicsBench } from "./topics.ts";

/** `npm run bench -- <name> [--flag value …]`: one benchmark, a table, then one JSON line. */
const BENCHES: Record<string, (flags: Map<string, string>) => Promise<void>> = {
  delivery: deliveryBench,
  render: renderBench,
  plan: planBench,
  api: apiBench,
  ingest: ingestBench,
  cli: cliBench,
  startup: startupBench,
  topics: topicsBench,
  smtp: smtpBench,
  enumeration: enumerationBench,
  relevance: relevanceBench,
};

const [name, ...args] = process.argv.slice(2);
const bench = name ? BENCHES[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHES).join("|")}> [--flag value …]`);
  process.exit(2);
}
try {
  await bench(parseFlags(args));
  process.exit(0);
} catch (err) {
  console.error(`bench ${name}: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.BENCH_DEBUG) console.error(err);
  process.exit(1);
}
