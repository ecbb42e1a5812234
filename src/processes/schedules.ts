import type { Config } from "../platform/config.ts";
import type { Queues } from "../platform/queues.ts";

/** Stable scheduler ids: upserting again replaces, never duplicates. */
const SCHEDULES = {
  ingest: "ingest-hf-today",
  arxiv: "ingest-arxiv-today",
  plan: "plan-deliveries",
} as const;

/** The planner's tick, in UTC: every quarter hour (docs/DELIVERY.md, "When a reader is due"). */
const PLAN_PATTERN = "*/15 * * * *";

/**
 * arXiv's listings change once a day: the RSS feeds are rebuilt at midnight US Eastern, after
 * the evening announcement. Fetch half an hour later, in New York time (DST included).
 */
const ARXIV_PATTERN = "30 0 * * *";
const ARXIV_TZ = "America/New_York";

/** The one place the repeating jobs are declared; called at worker start. */
export async function upsertSchedules(queues: Queues, config: Config): Promise<void> {
  await queues.ingest.upsertJobScheduler(
    SCHEDULES.ingest,
    { every: config.INGEST_INTERVAL_MINUTES * 60 * 1000 },
    { name: "ingest-hf-today", data: {}, opts: { removeOnComplete: 100, removeOnFail: 500 } },
  );
  await queues.plan.upsertJobScheduler(
    SCHEDULES.plan,
    { pattern: PLAN_PATTERN, tz: "UTC" },
    { name: "plan-deliveries", data: {}, opts: { removeOnComplete: 100, removeOnFail: 500 } },
  );
  if (config.ARXIV_CATEGORIES.length === 0) {
    // Turned off (or never on): no fetch is left scheduled.
    await queues.ingest.removeJobScheduler(SCHEDULES.arxiv);
    return;
  }
  await queues.ingest.upsertJobScheduler(
    SCHEDULES.arxiv,
    { pattern: ARXIV_PATTERN, tz: ARXIV_TZ },
    {
      name: "ingest-arxiv-today",
      data: {},
      opts: {
        removeOnComplete: 30,
        removeOnFail: 100,
        // A failed fetch (arXiv down, a network hiccup) is tried again within the morning.
        attempts: 4,
        backoff: { type: "exponential", delay: 5 * 60_000 },
      },
    },
  );
}
