import { reclassifyAll } from "../../papers/reclassify.ts";
import { loadConfig } from "../../platform/config.ts";
import { createDb } from "../../platform/db/index.ts";
import { requireReachable } from "../../platform/reachable.ts";
import { type Command, UsageError } from "../command.ts";

export const topics: Command = {
  summary: "topics reclassify: sync the taxonomy and recompute every paper's topics",
  usage: "topics reclassify",
  async run(args, env) {
    if (args[0] !== "reclassify" || args.length > 1) {
      throw new UsageError(
        "the only subcommand is 'reclassify' (usage: paperboy topics reclassify)",
      );
    }
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
  },
};
