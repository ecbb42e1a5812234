import cliProgress from "cli-progress";
import {
  deliverEdition,
  type EditionProgress,
  type EditionRun,
} from "../../delivery/deliver-edition.ts";
import { currentEdition } from "../../delivery/plan.ts";
import { editionExists } from "../../papers/repository.ts";
import { loadConfig } from "../../platform/config.ts";
import { boundOldGeneration } from "../../platform/heap.ts";
import { createLogger } from "../../platform/logger.ts";
import { createReachableDeps } from "../../platform/reachable.ts";
import { type Env, UsageError } from "../command.ts";
import { handled, type ProgressReporter, plainProgress } from "../progress.ts";

/** A live bar on a terminal; otherwise plain lines (see plainProgress). */
function progressReporter(edition: string): ProgressReporter {
  if (!process.stdout.isTTY) return plainProgress(edition, (line) => console.log(line));
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      format: `${edition} [{bar}] {value}/{total} | sent {sent} · skipped {skipped} · failed {failed} · cancelled {cancelled} | {rate}/s | ETA {eta_formatted}`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let startedBar = false;
  return {
    update(p: EditionProgress) {
      const rate = (handled(p) / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1);
      const payload = { ...p, rate };
      if (!startedBar) {
        bar.start(p.total, handled(p), payload);
        startedBar = true;
      } else bar.update(handled(p), payload);
    },
    stop: () => startedBar && bar.stop(),
  };
}

/** One line naming what is still open (delivery and reader ids, never addresses). */
function unfinishedLine(run: EditionRun, waitMinutes: number): string {
  const named = run.unfinishedSample
    .map(
      (d) =>
        `delivery ${d.id} (subscriber ${d.subscriber_id}, ${d.status}${d.claimed_by ? ` by process session ${d.claimed_by}` : ""})`,
    )
    .join(", ");
  const more = run.unfinished > run.unfinishedSample.length ? ", …" : "";
  return (
    `${run.unfinished} deliveries of ${run.edition} are not finished after waiting ${waitMinutes} min: ` +
    `${named}${more}. Workers keep retrying them until they are stale (DELIVERY_STALE_HOURS); run digest again to wait for them.`
  );
}

export async function digest(
  env: Env,
  { date, wait = 10 }: { date?: string; wait?: number },
): Promise<number> {
  const config = loadConfig(env);
  boundOldGeneration();
  // Progress goes to stdout; keep the logs to warnings so they do not tear the bar.
  const level =
    config.LOG_LEVEL === "info" || config.LOG_LEVEL === "debug" ? "warn" : config.LOG_LEVEL;
  const deps = await createReachableDeps(config, {
    name: "paperboy-digest",
    logger: createLogger(level, "paperboy-digest"),
  });
  try {
    const edition = date ?? (await currentEdition(deps, deps.clock.now()));
    if (!edition) {
      throw new UsageError(
        "no edition is complete yet: ingest papers first, or pass --date YYYY-MM-DD",
      );
    }
    if (!(await editionExists(deps.db, edition))) {
      throw new UsageError(`no papers were ingested for ${edition}`);
    }
    const reporter = progressReporter(edition);
    const started = Date.now();
    const run = await deliverEdition(deps, edition, (p) => reporter.update(p), {
      waitMs: wait * 60_000,
    });
    reporter.stop();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const final = Object.entries(run.final)
      .map(([status, n]) => `${n} ${status}`)
      .join(", ");
    console.log(
      `Edition ${edition}: ${run.sent} sent, ${run.skipped} skipped, ${run.failed} failed, ${run.cancelled} cancelled in ${seconds}s` +
        ` (${run.planned} new deliveries planned${run.recovered ? `, ${run.recovered} recovered from a crash` : ""}).` +
        ` Edition total: ${final || "no deliveries"}.`,
    );
    if (run.unfinished > 0) throw new Error(unfinishedLine(run, wait));
    return 0;
  } finally {
    await deps.close();
  }
}
