import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createDb } from "../../src/platform/db/index.ts";
import { setupDatabase } from "../../src/processes/setup-database.ts";

const migrationsDir = fileURLToPath(new URL("../../migrations", import.meta.url));

/** The server from DATABASE_URL (set by scripts/run.mjs), or the machine default. */
export function serverUrl(database: string): string {
  const url = new URL(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/paperboy");
  url.pathname = `/${database}`;
  return url.toString();
}

/** One template database per migrations version; test databases are cheap copies of it. */
export function templateName(): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(migrationsDir).sort()) {
    hash.update(file).update(readFileSync(path.join(migrationsDir, file)));
  }
  hash.update(readFileSync(new URL("../../src/papers/taxonomy.ts", import.meta.url)));
  return `paperboy_tpl_${hash.digest("hex").slice(0, 12)}`;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl("postgres") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Create (once, under an advisory lock) the migrated template; drop stale test databases. */
export async function prepareTemplate(): Promise<void> {
  const name = templateName();
  await admin(async (client) => {
    await client.query("select pg_advisory_lock(424242)");
    try {
      const exists = await client.query("select 1 from pg_database where datname = $1", [name]);
      if (exists.rowCount === 0) {
        await client.query(`create database "${name}_tmp"`).catch(async () => {
          await client.query(`drop database "${name}_tmp"`);
          await client.query(`create database "${name}_tmp"`);
        });
        const db = createDb(serverUrl(`${name}_tmp`), { max: 1 });
        await setupDatabase(db);
        await db.destroy();
        await client.query(`alter database "${name}_tmp" rename to "${name}"`);
      }
      // Leftovers of crashed runs: test databases older than an hour.
      const cutoff = Math.floor(Date.now() / 1000) - 3600;
      const stale = await client.query<{ datname: string }>(
        "select datname from pg_database where datname ~ '^paperboy_t_[0-9]+_'",
      );
      for (const { datname } of stale.rows) {
        if (Number(datname.split("_")[2]) < cutoff) {
          await client.query(`drop database if exists "${datname}" with (force)`);
        }
      }
    } finally {
      await client.query("select pg_advisory_unlock(424242)");
    }
  });
}

/** A fresh migrated database for one test file; drop() removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `paperboy_t_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString("hex")}`;
  await admin(async (client) => {
    // Copying a template fails while another session copies it; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`create database "${name}" template "${templateName()}"`);
        return;
      } catch (error) {
        if (attempt >= 20 || (error as { code?: string }).code !== "55006") throw error;
        await new Promise((ok) => setTimeout(ok, 100 + Math.random() * 200));
      }
    }
  });
  return {
    url: serverUrl(name),
    drop: () =>
      admin((c) => c.query(`drop database if exists "${name}" with (force)`)).then(() => {}),
  };
}
