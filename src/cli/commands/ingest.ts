import { parseArgs } from "node:util";
import { type IngestReport, ingest, type SourceKind } from "../../papers/ingest.ts";
import { SourceError } from "../../papers/paper.ts";
import { isIsoDate, systemClock } from "../../platform/clock.ts";
import { loadConfig } from "../../platform/config.ts";
import { createDb } from "../../platform/db/index.ts";
import { createMetrics } from "../../platform/metrics.ts";
import { requireReachable } from "../../platform/reachable.ts";
import { type Command, UsageError } from "../command.ts";

export const ingestCommand: Command = {
  summary: "load papers from files, directories or URLs (HF Daily Papers JSON, arXiv Atom/RSS)",
  usage: "ingest FILE_OR_URL... [--source hf|arxiv] [--date YYYY-MM-DD]",
  async run(args, env) {
    const { inputs, source, date } = parse(args);
    const config = loadConfig(env);
    const db = createDb(config.DATABASE_URL, { max: 2, applicationName: "paperboy-ingest" });
    try {
      await requireReachable(config, { db });
      const deps = { db, config, clock: systemClock, metrics: createMetrics() };
      const reports = await ingest(deps, inputs, { source, date }).catch((error) => {
        throw error instanceof SourceError ? new UsageError(error.message) : error;
      });
      for (const report of reports) print(report);
      if (reports.length > 1) print(total(reports));
      return 0;
    } finally {
      await db.destroy();
    }
  },
};

const options = { source: { type: "string" }, date: { type: "string" } } as const;

function parse(args: string[]): { inputs: string[]; source?: SourceKind; date?: string } {
  const parsed = (() => {
    try {
      return parseArgs({ args, options, allowPositionals: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  })();
  const { source, date } = parsed.values;
  if (parsed.positionals.length === 0)
    throw new UsageError("give at least one file, directory or URL");
  if (source !== undefined && source !== "hf" && source !== "arxiv") {
    throw new UsageError(`--source must be hf or arxiv, not '${source}'`);
  }
  if (date !== undefined && !isIsoDate(date)) {
    throw new UsageError(`--date must be a date like 2026-08-18, not '${date}'`);
  }
  return { inputs: parsed.positionals, source, date };
}

function print(report: IngestReport): void {
  const skipped = report.skipped ? `, ${report.skipped} skipped (replacements)` : "";
  console.log(
    `${report.origin}: ${report.inserted} inserted, ${report.updated} updated, ` +
      `${report.unchanged} unchanged, ${report.rejected.length} rejected${skipped}`,
  );
  for (const r of report.rejected) console.log(`  rejected item ${r.index}: ${r.reason}`);
}

function total(reports: IngestReport[]): IngestReport {
  const sum = (key: "inserted" | "updated" | "unchanged" | "skipped") =>
    reports.reduce((n, r) => n + r[key], 0);
  return {
    origin: "total",
    source: reports[0]!.source,
    inserted: sum("inserted"),
    updated: sum("updated"),
    unchanged: sum("unchanged"),
    rejected: reports.flatMap((r) => r.rejected),
    skipped: sum("skipped"),
  };
}
