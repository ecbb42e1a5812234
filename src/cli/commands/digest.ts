import cliProgress from "cli-progress";
import { deliverEdition, type EditionProgress } from "../../delivery/deliver-edition.ts";
import { currentEdition } from "../../delivery/plan.ts";
import { editionExists } from "../../delivery/repository.ts";
import { isIsoDate } from "../../platform/clock.ts";
import { loadConfig } from "../../platform/config.ts";
import { createLogger } from "../../platform/logger.ts";
import { createReachableDeps } from "../../platform/reachable.ts";
import { type Command, UsageError } from "../command.ts";

function parseArgs(args: string[]): { date?: string } {
  let date: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--date" || arg.startsWith("--date=")) {
      const value = arg === "--date" ? args[++i] : arg.slice("--date=".length);
      if (!value || !isIsoDate(value)) {
        throw new UsageError(`--date needs a date as YYYY-MM-DD (got '${value ?? ""}')`);
      }
      date = value;
    } else {
      throw new UsageError(`unexpected argument '${arg}'`);
    }
  }
  return { date };
}

const done = (p: EditionProgress) => p.sent + p.skipped + p.failed + p.cancelled;

/** A live bar on a terminal; otherwise a plain line every few seconds (logs, CI). */
function progressReporter(edition: string) {
  const started = Date.now();
  const rate = (p: EditionProgress) =>
    (done(p) / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1);
  if (process.stdout.isTTY) {
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
        const payload = { ...p, rate: rate(p) };
        if (!startedBar) {
          bar.start(p.total, done(p), payload);
          startedBar = true;
        } else bar.update(done(p), payload);
      },
      stop: () => startedBar && bar.stop(),
    };
  }
  let last = 0;
  return {
    update(p: EditionProgress) {
      if (Date.now() - last < 2_000 && done(p) < p.total) return;
      last = Date.now();
      console.log(
        `${edition}: ${done(p)}/${p.total} · sent ${p.sent} · skipped ${p.skipped} · failed ${p.failed} · cancelled ${p.cancelled} · ${rate(p)}/s`,
      );
    },
    stop() {},
  };
}

export const digest: Command = {
  summary: "build and send an edition now (the daily job, on demand), with progress and a summary",
  usage: "digest [--date YYYY-MM-DD]",
  async run(args, env) {
    const { date } = parseArgs(args);
    const config = loadConfig(env);
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
      const run = await deliverEdition(deps, edition, (p) => reporter.update(p));
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
      return 0;
    } finally {
      await deps.close();
    }
  },
};
