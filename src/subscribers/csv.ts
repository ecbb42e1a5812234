import { DEFAULT_PREFERENCES, type PreferencesView } from "./preferences.ts";

/**
 * The subscriber CSV, one format both ways (export writes it, import reads it): one row per
 * reader, every preference a column. Lists (topics, keywords, authors, mutes) are one cell,
 * items separated by `;`, with `\;` and `\\` for a literal `;` or `\` inside an item. A later
 * table's data becomes one more column in the same list form (e.g. `votes` as
 * `2608.15265:+1;2608.16798:-1`); import reads columns by header name, so files without it
 * still import, and a column that is absent leaves that setting as it is.
 */

/** Preference columns in file order, then status and dates. */
export const PREFERENCE_COLUMNS = [
  "topics",
  "keywords",
  "authors",
  "muted_topics",
  "muted_keywords",
  "muted_authors",
  "timezone",
  "frequency",
  "weekly_day",
  "send_hour",
  "max_papers",
  "min_upvotes",
  "skip_empty",
  "paused_until",
] as const satisfies readonly (keyof PreferencesView)[];

export const EXPORT_COLUMNS = [
  "email",
  "status",
  ...PREFERENCE_COLUMNS,
  "votes",
  "created_at",
  "confirmed_at",
] as const;

/** The columns that hold lists: the first six preferences. */
const LIST_COLUMNS = new Set<string>(PREFERENCE_COLUMNS.slice(0, 6));
const INT_COLUMNS = new Set<string>(["weekly_day", "send_hour", "max_papers", "min_upvotes"]);

export function encodeList(items: readonly string[]): string {
  return items.map((item) => item.replace(/[\\;]/g, (c) => `\\${c}`)).join(";");
}

/** The items of a list cell; blank items are dropped. */
export function decodeList(cell: string): string[] {
  const items: string[] = [];
  let current = "";
  for (let i = 0; i < cell.length; i++) {
    const c = cell[i]!;
    if (c === "\\" && i + 1 < cell.length) current += cell[++i];
    else if (c === ";") {
      items.push(current);
      current = "";
    } else current += c;
  }
  items.push(current);
  return items.map((s) => s.trim()).filter(Boolean);
}

/** One reader's preferences as cells. */
export function preferenceCells(p: PreferencesView): Record<string, string> {
  const cells: Record<string, string> = {};
  for (const column of PREFERENCE_COLUMNS) {
    const value = p[column];
    cells[column] = Array.isArray(value) ? encodeList(value) : value === null ? "" : String(value);
  }
  return cells;
}

const BOOLEAN: Record<string, boolean> = {
  true: true,
  yes: true,
  "1": true,
  false: false,
  no: false,
  "0": false,
};

/**
 * The preference columns a record has, as the preferences API takes them (validated by the
 * same schema afterwards). An absent column is left out; an empty scalar cell is the default.
 */
export function preferenceInput(
  record: Record<string, string | undefined>,
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const column of PREFERENCE_COLUMNS) {
    const raw = record[column];
    if (raw === undefined) continue;
    const cell = raw.trim();
    if (LIST_COLUMNS.has(column)) input[column] = decodeList(raw);
    else if (cell === "") input[column] = DEFAULT_PREFERENCES[column];
    else if (INT_COLUMNS.has(column)) input[column] = /^-?\d+$/.test(cell) ? Number(cell) : cell;
    else if (column === "skip_empty") input[column] = BOOLEAN[cell.toLowerCase()] ?? cell;
    else if (column === "frequency") input[column] = cell.toLowerCase();
    else input[column] = cell;
  }
  return input;
}

/** A reader's vote on a paper, as the CSV's `votes` cell carries it. */
export interface CsvVote {
  paperId: string;
  vote: 1 | -1;
}

/** `2608.15265:+1;2608.16798:-1`, in paper order so an export is stable. */
export function encodeVotes(votes: readonly CsvVote[]): string {
  const sorted = [...votes].sort((a, b) =>
    a.paperId < b.paperId ? -1 : a.paperId > b.paperId ? 1 : 0,
  );
  return encodeList(sorted.map((v) => `${v.paperId}:${v.vote === 1 ? "+1" : "-1"}`));
}

/** The votes of a `votes` cell, or a reason why it is not one. */
export function decodeVotes(cell: string): CsvVote[] | string {
  const votes: CsvVote[] = [];
  for (const item of decodeList(cell)) {
    const match = /^(.{1,64}):([+-]1)$/.exec(item);
    if (!match) return `votes: "${item.slice(0, 40)}" is not paper:+1 or paper:-1`;
    votes.push({ paperId: match[1]!, vote: match[2] === "+1" ? 1 : -1 });
  }
  return votes;
}
