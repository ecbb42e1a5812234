import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../src/platform/db/index.ts";
import { createTestDatabase } from "../helpers/database.ts";

let database: { url: string; drop(): Promise<void> };
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { max: 2, applicationName: "paperboy-terminate-test" });
});
afterAll(async () => {
  await db.destroy();
  await database.drop();
});

/** What the chaos run does to Postgres: cut every backend of the database off. */
async function terminateBackends(): Promise<number> {
  const name = new URL(database.url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    const { rows } = await admin.query(
      "select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
      [name],
    );
    return rows[0].n;
  } finally {
    await admin.end();
  }
}

describe("database connections cut by pg_terminate_backend", () => {
  // Regression (chaos run): a worker died with "Unhandled 'error' event … terminating connection
  // due to administrator command" when its connection was checked out but idle between two
  // statements of a transaction.
  it("a connection cut inside a transaction fails that transaction, not the process", async () => {
    const unhandled: unknown[] = [];
    const onUncaught = (error: unknown) => unhandled.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      const tx = db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx);
        expect(await terminateBackends()).toBeGreaterThan(0);
        await new Promise((ok) => setTimeout(ok, 300)); // the FATAL arrives while we hold it
        await sql`select 2`.execute(trx);
      });
      await expect(tx).rejects.toThrow();
      expect(unhandled).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
    // The pool dropped the dead connection and opens a new one.
    const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(db);
    expect(rows).toEqual([{ ok: 1 }]);
  });

  it("idle pooled connections cut off are replaced on the next query", async () => {
    await Promise.all([sql`select pg_sleep(0.05)`.execute(db), sql`select 1`.execute(db)]);
    await terminateBackends();
    await new Promise((ok) => setTimeout(ok, 200));
    const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(db);
    expect(rows).toEqual([{ ok: 1 }]);
  });
});
