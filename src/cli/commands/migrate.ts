import { loadConfig } from "../../platform/config.ts";
import { createDb } from "../../platform/db/index.ts";
import { requireReachable } from "../../platform/reachable.ts";
import { setupDatabase } from "../../processes/setup-database.ts";
import type { Env } from "../command.ts";

export async function migrate(env: Env): Promise<number> {
  const config = loadConfig(env);
  const db = createDb(config.DATABASE_URL, { max: 1, applicationName: "paperboy-migrate" });
  try {
    await requireReachable(config, { db });
    const { results = [] } = await setupDatabase(db);
    if (results.length === 0) console.log("Database is up to date.");
    for (const r of results) {
      console.log(`${r.status === "Success" ? "applied" : r.status}: ${r.migrationName}`);
    }
    return 0;
  } finally {
    await db.destroy();
  }
}
