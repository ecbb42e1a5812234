import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "../../src/platform/db/schema.ts";
import {
  recordSubscribeRequests,
  takeConfirmationBudgets,
} from "../../src/subscribers/batch-repository.ts";
import { confirmationBudgets } from "../../src/subscribers/service.ts";
import { createBenchState } from "./common.ts";
import { seedReaders } from "./seed.ts";

/**
 * EXPLAIN ANALYZE of a subscribe flush's statements (record, then the budget transaction's) for
 * ITEMS new addresses, after 20 warm-up flushes, in a throwaway database (with SEED readers
 * seeded and analyzed first, as the API bench does):
 * `npx tsx scripts/bench/explain-record.ts [ITEMS=480] [SEED=0]`.
 */
const items = Number(process.argv[2] ?? 480);
const state = await createBenchState();
const pool = new pg.Pool({ connectionString: state.databaseUrl, max: 1 });
const captured: { sql: string; parameters: readonly unknown[] }[] = [];
const db = new Kysely<Database>({
  dialect: new PostgresDialect({ pool }),
  log: (e) => {
    if (e.level === "query") captured.push(e.query);
  },
});
const inputs = (r: number) =>
  Array.from({ length: items }, (_, i) => ({
    email: `e${r}-${i}@bench.example.test`,
    topics: ["agents"],
    timezone: "UTC",
    frequency: "daily" as const,
  }));
try {
  const seed = Number(process.argv[3] ?? 0);
  if (seed > 0) await seedReaders(db, seed, new Date());
  for (let r = 0; r < 20; r++) {
    captured.length = 0;
    const now = new Date();
    const batch = inputs(r);
    await recordSubscribeRequests(db, batch, now);
    const budgets = batch.map((b) => confirmationBudgets(b.email, 1e9));
    await takeConfirmationBudgets(db, budgets, now);
  }
  // The last round's statements again, for new addresses, under EXPLAIN ANALYZE.
  const record = captured[0]!;
  const params = [...record.parameters];
  params[1] = inputs(99).map((i) => i.email);
  const { rows } = await pool.query(`explain (analyze, buffers) ${record.sql}`, params);
  console.log(rows.map((r) => r["QUERY PLAN"]).join("\n"));
  for (const q of captured.slice(1)) {
    if (!/^(insert|select|update)/i.test(q.sql.trim())) continue;
    const client = await pool.connect();
    await client.query("begin");
    const out = await client.query(`explain (analyze, buffers) ${q.sql}`, [...q.parameters]);
    await client.query("rollback");
    client.release();
    console.log(`\n-- ${q.sql.trim().slice(0, 60)}`);
    console.log(out.rows.map((r) => r["QUERY PLAN"]).join("\n"));
  }
} finally {
  await db.destroy();
  await state.cleanup();
}
