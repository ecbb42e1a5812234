import { utcDate } from "../platform/clock.ts";
import type { Deps } from "../platform/deps.ts";
import type { JobHandlers } from "../platform/queues.ts";
import { ingestHfDay } from "./ingest.ts";

/** The scheduled ingestion: today's (UTC) Hugging Face list, re-read as it grows all day. */
export function ingestJobHandlers(deps: Deps): Pick<JobHandlers, "ingest-hf-today"> {
  return {
    "ingest-hf-today": async () => {
      const date = utcDate(deps.clock.now());
      const { origin, rejected, ...counts } = await ingestHfDay(deps, date);
      deps.logger.info({ date, ...counts, rejected: rejected.length }, "ingested HF daily papers");
      for (const r of rejected) deps.logger.warn({ date, ...r }, "rejected HF item");
      return { date, ...counts, rejected: rejected.length };
    },
  };
}
