import type { Readable } from "node:stream";
import { type CsvError, parse } from "csv-parse";
import { listTopics } from "../papers/repository.ts";
import type { Db } from "../platform/db/index.ts";
import { decodeVotes, preferenceInput } from "./csv.ts";
import type { PreferencesView } from "./preferences.ts";
import { type ImportRow, suppressedAmong, upsertImportBatch } from "./repository.ts";
import { firstIssue, preferencesPatchSchema, subscribeSchema } from "./validation.ts";

/** CSV import: streamed, validated row by row, stored in batches. */

const IMPORT_BATCH_SIZE = 1000;

export interface Rejection {
  line: number;
  reason: string;
}

export interface ImportReport {
  imported: number;
  updated: number;
  /** Existing readers the file left as they were (their preferences may differ: see kept). */
  unchanged: number;
  rejected: Rejection[];
  /** Which lines changed whom (status and, with --update, preferences). */
  updates: { line: number; subscriberId: number; fields: string[] }[];
  /** Existing readers whose preferences in the file differ, kept because --update was not given. */
  kept: { line: number; subscriberId: number; fields: string[] }[];
}

/** A CSV that cannot be read as a subscriber list at all (e.g. no email column). */
export class ImportFileError extends Error {}

const STATUSES = new Set(["", "pending", "active", "unsubscribed", "bounced", "complained"]);
const LEFT = new Set(["unsubscribed", "bounced", "complained"]);

/**
 * Check one CSV record (columns in csv.ts; only email is required). Preferences are checked
 * by the preferences API's own schema. Status: one that left is honoured; "pending" stays
 * pending; otherwise active with --confirmed, else pending. Dates (an export's) are kept for
 * new readers.
 */
export function parseImportRecord(
  record: Record<string, string | undefined>,
  knownTopics: ReadonlySet<string>,
  confirmed: boolean,
): ImportRow | string {
  const parsed = subscribeSchema.safeParse({ email: record.email ?? "" });
  if (!parsed.success) return firstIssue(parsed.error);
  const prefs = preferencesPatchSchema.safeParse(preferenceInput(record));
  if (!prefs.success) return firstIssue(prefs.error);
  const preferences = prefs.data as Partial<PreferencesView>;
  for (const field of ["topics", "muted_topics"] as const) {
    const unknown = (preferences[field] ?? []).filter((t) => !knownTopics.has(t));
    const prefix = field === "topics" ? "" : `${field}: `;
    if (unknown.length) return `${prefix}unknown topic: ${unknown.join(", ")}`;
  }
  const votes = record.votes === undefined ? undefined : decodeVotes(record.votes);
  if (typeof votes === "string") return votes;
  const status = (record.status ?? "").trim().toLowerCase();
  if (!STATUSES.has(status)) return `unknown status: ${status}`;
  const createdAt = dateCell(record.created_at);
  const confirmedAt = dateCell(record.confirmed_at);
  if (createdAt === undefined) return "created_at must be a date and time (ISO 8601)";
  if (confirmedAt === undefined) return "confirmed_at must be a date and time (ISO 8601)";
  return {
    email: parsed.data.email,
    status: LEFT.has(status)
      ? (status as ImportRow["status"])
      : confirmed && status !== "pending"
        ? "active"
        : "pending",
    preferences,
    votes,
    createdAt,
    confirmedAt,
  };
}

/** null for a blank or absent cell, undefined for one that is not a date. */
function dateCell(cell: string | undefined): Date | null | undefined {
  const text = cell?.trim();
  if (!text) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Store a batch, after refusing the suppressed addresses in it (one lookup per batch). */
async function storeBatch(
  db: Db,
  batch: { row: ImportRow; line: number }[],
  report: ImportReport,
  options: { now: Date; update: boolean },
): Promise<void> {
  if (batch.length === 0) return;
  const suppressed = await suppressedAmong(
    db,
    batch.map((b) => b.row.email),
  );
  const kept = batch.filter((b) => {
    if (!suppressed.has(b.row.email.toLowerCase())) return true;
    report.rejected.push({ line: b.line, reason: "address is suppressed (bounced or complained)" });
    return false;
  });
  if (kept.length === 0) return;
  const outcomes = await upsertImportBatch(
    db,
    kept.map((b) => b.row),
    options.now,
    { update: options.update },
  );
  outcomes.forEach((o, i) => {
    const line = kept[i]!.line;
    if (o.kind === "created") report.imported++;
    else if (o.kind === "updated") {
      report.updated++;
      report.updates.push({ line, subscriberId: o.subscriberId!, fields: o.fields });
    } else {
      report.unchanged++;
      if (o.kind === "kept")
        report.kept.push({ line, subscriberId: o.subscriberId!, fields: o.fields });
    }
  });
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
            "the first line must be a header with an email column (email,topics,timezone,frequency,…)",
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
  options: { confirmed: boolean; update?: boolean; now: Date; batchSize?: number },
): Promise<ImportReport> {
  const knownTopics = new Set((await listTopics(db)).map((t) => t.slug));
  const report: ImportReport = {
    imported: 0,
    updated: 0,
    unchanged: 0,
    rejected: [],
    updates: [],
    kept: [],
  };
  const store = { now: options.now, update: options.update ?? false };
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
      await storeBatch(db, batch, report, store);
      batch = [];
    }
  }
  await storeBatch(db, batch, report, store);
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}
