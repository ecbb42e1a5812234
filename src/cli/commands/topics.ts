import { reclassifyAll } from "../../papers/reclassify.ts";
import { TOPICS } from "../../papers/taxonomy.ts";
import { loadConfig } from "../../platform/config.ts";
import { createDb } from "../../platform/db/index.ts";
import { requireReachable } from "../../platform/reachable.ts";
import type { Env } from "../command.ts";

/** The taxonomy as readers see it; needs no database. */
export async function listTopics(): Promise<number> {
  const width = Math.max(...TOPICS.map((t) => t.slug.length));
  for (const t of TOPICS) console.log(`${t.slug.padEnd(width)}  ${t.name}`);
  return 0;
}

export async function reclassify(env: Env): Promise<number> {
  const config = loadConfig(env);
  const db = createDb(config.DATABASE_URL, { max: 1, applicationName: "paperboy-topics" });
  try {
    await requireReachable(config, { db });
    const { papers, assignments } = await reclassifyAll(db);
    console.log(`Reclassified ${papers} papers: ${assignments} topic assignments.`);
    return 0;
  } finally {
    await db.destroy();
  }
}
