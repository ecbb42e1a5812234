import { type IngestReport, ingest, type SourceKind } from "../../papers/ingest.ts";
import { SourceError } from "../../papers/paper.ts";
import { systemClock } from "../../platform/clock.ts";
import { loadConfig } from "../../platform/config.ts";
import { createDb } from "../../platform/db/index.ts";
import { createMetrics } from "../../platform/metrics.ts";
import { requireReachable } from "../../platform/reachable.ts";
import { type Env, UsageError } from "../command.ts";

export async function ingestPapers(
  env: Env,
  inputs: string[],
  options: { source?: SourceKind; date?: string },
): Promise<number> {
  const config = loadConfig(env);
  const db = createDb(config.DATABASE_URL, { max: 2, applicationName: "paperboy-ingest" });
  try {
    await requireReachable(config, { db });
    const deps = { db, config, clock: systemClock, metrics: createMetrics() };
    const reports = await ingest(deps, inputs, options).catch((error) => {
      throw error instanceof SourceError ? new UsageError(error.message) : error;
    });
    for (const report of reports) print(report);
    if (reports.length > 1) print(total(reports));
    const useless = reports.find((r) => r.rejected.length > 0 && notRejected(r) === 0);
    if (useless) throw new UsageError(`${useless.origin}: every item was rejected`);
    return 0;
  } finally {
    await db.destroy();
  }
}

function print(report: IngestReport): void {
  const skipped = report.skipped ? `, ${report.skipped} skipped (replacements)` : "";
  console.log(
    `${report.origin}: ${report.inserted} inserted, ${report.updated} updated, ` +
      `${report.unchanged} unchanged, ${report.rejected.length} rejected${skipped}`,
  );
  for (const r of report.rejected) console.log(`  rejected item ${r.index}: ${r.reason}`);
}

/** Items of the input that were not rejected (stored, already known, or skipped replacements). */
const notRejected = (r: IngestReport) => r.inserted + r.updated + r.unchanged + r.skipped;

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
