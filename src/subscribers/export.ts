import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { stringify } from "csv-stringify";
import type { Db } from "../platform/db/index.ts";
import { EXPORT_COLUMNS, encodeVotes, preferenceCells } from "./csv.ts";
import { subscribersForExport } from "./repository.ts";

/**
 * Write every subscriber as CSV, streamed: address, status, every preference (csv.ts), their
 * votes and dates. Its output imported into an empty database (`--confirmed` for the active ones)
 * exports the same.
 */
export async function exportSubscribers(db: Db, output: Writable): Promise<number> {
  let rows = 0;
  const records = Readable.from(
    (async function* () {
      for await (const row of subscribersForExport(db)) {
        rows++;
        yield {
          email: row.email,
          status: row.status,
          ...preferenceCells(row.preferences),
          votes: encodeVotes(row.votes),
          created_at: row.created_at.toISOString(),
          confirmed_at: row.confirmed_at?.toISOString() ?? "",
        };
      }
    })(),
  );
  await pipeline(records, stringify({ header: true, columns: [...EXPORT_COLUMNS] }), output, {
    end: false,
  });
  return rows;
}
