import type { MigrationResultSet } from "kysely";
import { syncTopics } from "../papers/repository.ts";
import type { Db } from "../platform/db/index.ts";
import { migrateToLatest } from "../platform/db/migrate.ts";

/** Migrate, then make the topics table match the taxonomy in code. */
export async function setupDatabase(db: Db): Promise<MigrationResultSet> {
  const result = await migrateToLatest(db);
  await syncTopics(db);
  return result;
}
