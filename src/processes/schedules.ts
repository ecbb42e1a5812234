import type { Config } from "../platform/config.ts";
import type { Queues } from "../platform/queues.ts";

/** Stable scheduler ids: upserting again replaces, never duplicates. */
const SCHEDULES = {
  ingest: "ingest-hf-today",
  plan: "plan-deliveries",
} as const;

/** The planner's tick, in UTC: every quarter hour (docs/DELIVERY.md, "When a reader is due"). */
const PLAN_PATTERN = "*/15 * * * *";

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
}
