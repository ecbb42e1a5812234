import type { Db } from "./db/index.ts";

/** Append one row to the event log (never holds addresses or tokens). */
export async function recordEvent(
  db: Db,
  type: string,
  subscriberId: number | null,
  data: Record<string, unknown> = {},
): Promise<void> {
  await db
    .insertInto("events")
    .values({ type, subscriber_id: subscriberId, data: JSON.stringify(data) })
    .execute();
}
