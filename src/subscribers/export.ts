import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { stringify } from "csv-stringify";
import type { Db } from "../platform/db/index.ts";
import { streamSubscribersForExport } from "./repository.ts";

const EXPORT_COLUMNS = [
  "email",
  "topics",
  "timezone",
  "frequency",
  "status",
  "created_at",
  "confirmed_at",
] as const;

/** Write every subscriber as CSV (the import format plus status and dates), streamed. */
export async function exportSubscribers(db: Db, output: Writable): Promise<number> {
  let rows = 0;
  const records = Readable.from(
    (async function* () {
      for await (const row of streamSubscribersForExport(db)) {
        rows++;
        yield {
          ...row,
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
