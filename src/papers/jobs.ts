import { utcDate } from "../platform/clock.ts";
import type { Deps } from "../platform/deps.ts";
import type { JobHandlers } from "../platform/queues.ts";
import { ingestArxivCategories, ingestHfDay } from "./ingest.ts";

/** The scheduled ingestion: today's (UTC) Hugging Face list, re-read as it grows all day. */
export function ingestJobHandlers(
  deps: Deps,
): Pick<JobHandlers, "ingest-hf-today" | "ingest-arxiv-today"> {
  return {
    "ingest-arxiv-today": async () => {
      const { config } = deps;
      const reports = await ingestArxivCategories(deps, {
        baseUrl: config.ARXIV_RSS_URL,
        categories: config.ARXIV_CATEGORIES,
        delayMs: config.ARXIV_DELAY_MS,
        userAgent: arxivUserAgent(config),
      });
      const summary = reports.map(({ origin, rejected, ...counts }) => ({
        origin,
        ...counts,
        rejected: rejected.length,
      }));
      deps.logger.info({ feeds: summary }, "ingested arXiv listings");
      return summary;
    },
    "ingest-hf-today": async () => {
      const date = utcDate(deps.clock.now());
      const { origin, rejected, ...counts } = await ingestHfDay(deps, date);
      deps.logger.info({ date, ...counts, rejected: rejected.length }, "ingested HF daily papers");
      for (const r of rejected) deps.logger.warn({ date, ...r }, "rejected HF item");
      return { date, ...counts, rejected: rejected.length };
    },
  };
}

/** Names the operator, as arXiv asks of automated clients: the site and its contact address. */
export function arxivUserAgent(config: Deps["config"]): string {
  const contact = /<([^>]+)>/.exec(config.MAIL_FROM)?.[1] ?? config.MAIL_FROM;
  return `Paperboy/0.1 (+${config.PUBLIC_URL}; mailto:${contact})`;
}
