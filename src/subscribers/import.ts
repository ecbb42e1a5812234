import type { Readable } from "node:stream";
import { type CsvError, parse } from "csv-parse";
import { listTopics } from "../papers/repository.ts";
import type { Db } from "../platform/db/index.ts";
import { type ImportRow, suppressedAmong, upsertImportBatch } from "./repository.ts";
import { firstIssue, subscribeSchema } from "./validation.ts";

/** CSV import: streamed, validated row by row, stored in batches. */

const IMPORT_BATCH_SIZE = 1000;

export interface Rejection {
  line: number;
  reason: string;
}

export interface ImportReport {
  imported: number;
  updated: number;
  rejected: Rejection[];
}

/** A CSV that cannot be read as a subscriber list at all (e.g. no email column). */
export class ImportFileError extends Error {}

const STATUSES = new Set(["", "pending", "active", "unsubscribed", "bounced", "complained"]);
const LEFT = new Set(["unsubscribed", "bounced", "complained"]);

/**
 * Check one CSV record. Columns: email, topics (';'-separated), timezone, frequency and,
 * as written by export, an optional status (only a status that left is honoured).
 */
export function parseImportRecord(
  record: Record<string, string | undefined>,
  knownTopics: ReadonlySet<string>,
  confirmed: boolean,
): ImportRow | string {
  const topics = (record.topics ?? "")
    .split(";")
    .map((t) => t.trim())
    .filter(Boolean);
  const parsed = subscribeSchema.safeParse({
    email: record.email ?? "",
    topics,
    timezone: record.timezone?.trim() || undefined,
    frequency: record.frequency?.trim().toLowerCase() || undefined,
  });
  if (!parsed.success) return firstIssue(parsed.error);
  const unknown = parsed.data.topics.filter((t) => !knownTopics.has(t));
  if (unknown.length) return `unknown topic: ${unknown.join(", ")}`;
  const status = (record.status ?? "").trim().toLowerCase();
  if (!STATUSES.has(status)) return `unknown status: ${status}`;
  return {
    ...parsed.data,
    status: LEFT.has(status) ? (status as ImportRow["status"]) : confirmed ? "active" : "pending",
  };
}

/** Store a batch, after refusing the suppressed addresses in it (one lookup per batch). */
async function storeBatch(
  db: Db,
  batch: { row: ImportRow; line: number }[],
  report: ImportReport,
  now: Date,
): Promise<void> {
  if (batch.length === 0) return;
  const suppressed = await suppressedAmong(
    db,
    batch.map((b) => b.row.email),
  );
  const rows: ImportRow[] = [];
  for (const b of batch) {
    if (suppressed.has(b.row.email.toLowerCase())) {
      report.rejected.push({
        line: b.line,
        reason: "address is suppressed (bounced or complained)",
      });
    } else {
      rows.push(b.row);
    }
  }
  if (rows.length === 0) return;
  const result = await upsertImportBatch(db, rows, now);
  report.imported += result.imported;
  report.updated += result.updated;
}

/** The CSV's records with their line numbers; unreadable records are reported and skipped. */
function csvRecords(
  input: Readable,
  report: ImportReport,
): AsyncIterable<{ record: Record<string, string | undefined>; info: { lines: number } }> {
  return input.pipe(
    parse({
      bom: true,
      columns: (header: string[]) => {
        const names = header.map((h) => h.trim().toLowerCase());
        if (!names.includes("email")) {
          throw new ImportFileError(
            "the first line must be a header with an email column (email,topics,timezone,frequency)",
          );
        }
        return names;
      },
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (error: CsvError | undefined) => {
        report.rejected.push({
          line: Number(error?.lines ?? 0),
          reason: `unreadable CSV: ${error?.message ?? "bad record"}`,
        });
        return undefined;
      },
    }),
  );
}

export async function importSubscribers(
  db: Db,
  input: Readable,
  options: { confirmed: boolean; now: Date; batchSize?: number },
): Promise<ImportReport> {
  const knownTopics = new Set((await listTopics(db)).map((t) => t.slug));
  const report: ImportReport = { imported: 0, updated: 0, rejected: [] };
  const firstLine = new Map<string, number>();
  let batch: { row: ImportRow; line: number }[] = [];
  for await (const { record, info } of csvRecords(input, report)) {
    const line = info.lines;
    const row = parseImportRecord(record, knownTopics, options.confirmed);
    if (typeof row === "string") {
      report.rejected.push({ line, reason: row });
      continue;
    }
    const key = row.email.toLowerCase();
    const seen = firstLine.get(key);
    if (seen !== undefined) {
      report.rejected.push({ line, reason: `duplicate of line ${seen}` });
      continue;
    }
    firstLine.set(key, line);
    batch.push({ row, line });
    if (batch.length >= (options.batchSize ?? IMPORT_BATCH_SIZE)) {
      await storeBatch(db, batch, report, options.now);
      batch = [];
    }
  }
  await storeBatch(db, batch, report, options.now);
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}
