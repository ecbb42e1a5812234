import { type MigrationResultSet, Migrator } from "kysely";
import { migrations } from "../../../migrations/index.ts";
import type { Db } from "./index.ts";

function createMigrator(db: Db): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

/** Apply every pending migration; a no-op when the database is current. */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const result = await createMigrator(db).migrateToLatest();
  if (result.error) throw result.error;
  return result;
}
