import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import Cursor from "pg-cursor";
import type { Database } from "./schema.ts";

export type Db = Kysely<Database>;
export type { Database } from "./schema.ts";

export interface DbOptions {
  max?: number;
  applicationName?: string;
}

/**
 * This pool's own parsers (pg's global ones stay untouched): `date` as the 'YYYY-MM-DD' text it
 * is (not a local-midnight Date), int8 as a number.
 */
function typeParsers(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.DATE, (v) => v);
  types.setTypeParser(pg.types.builtins.INT8, (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new Error(`int8 value out of safe range: ${v}`);
    return n;
  });
  return types;
}

export function createDb(url: string, options: DbOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    types: typeParsers(),
    max: options.max ?? 10,
    application_name: options.applicationName ?? "paperboy",
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its connection (Postgres restart) must not crash the process.
  pool.on("error", () => {});
  // Nor may a checked-out one (pg_terminate_backend between two statements of a transaction):
  // pg emits that error on the client, which has no listener then. Its next query fails and
  // the pool discards it.
  pool.on("connect", (client) => client.on("error", () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool, cursor: Cursor }) });
}

/** True when a `select 1` answers within the timeout. */
export async function pingDb(db: Db, timeoutMs = 2_000): Promise<boolean> {
  try {
    await Promise.race([
      db.selectNoFrom((eb) => eb.lit(1).as("ok")).execute(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), timeoutMs).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}
