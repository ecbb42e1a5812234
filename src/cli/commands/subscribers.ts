import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { systemClock } from "../../platform/clock.ts";
import { loadConfig } from "../../platform/config.ts";
import { createDb } from "../../platform/db/index.ts";
import { requireReachable } from "../../platform/reachable.ts";
import { describeSystemError } from "../../platform/system-errors.ts";
import { exportSubscribers } from "../../subscribers/export.ts";
import { ImportFileError, importSubscribers } from "../../subscribers/import.ts";
import { type Env, UsageError } from "../command.ts";

export async function importCsv(
  env: Env,
  file: string,
  { confirmed = false, update = false }: { confirmed?: boolean; update?: boolean },
): Promise<number> {
  const info = await stat(file).catch((error) => {
    throw new UsageError(`cannot read ${file}: ${describeSystemError(error)}`);
  });
  if (!info.isFile()) throw new UsageError(`cannot read ${file}: not a file`);
  const config = loadConfig(env);
  const db = createDb(config.DATABASE_URL, { max: 2, applicationName: "paperboy-import" });
  try {
    await requireReachable(config, { db });
    const started = Date.now();
    const report = await importSubscribers(db, createReadStream(file), {
      confirmed,
      update,
      now: systemClock.now(),
    });
    for (const r of report.rejected) console.error(`line ${r.line}: ${r.reason}`);
    // Who changed, by line and subscriber id (no addresses).
    for (const u of report.updates) {
      console.log(`line ${u.line}: updated subscriber #${u.subscriberId} (${u.fields.join(", ")})`);
    }
    for (const k of report.kept) {
      console.log(
        `line ${k.line}: subscriber #${k.subscriberId} exists; kept their ${k.fields.join(", ")} (--update replaces them)`,
      );
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const unchanged = report.unchanged ? `, ${report.unchanged} unchanged` : "";
    console.log(
      `imported ${report.imported}, updated ${report.updated}, rejected ${report.rejected.length} (${seconds}s${unchanged}${confirmed ? ", as confirmed" : ", as pending"}; no mail sent)`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ImportFileError) throw new UsageError(`${file}: ${error.message}`);
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof ImportFileError) throw new UsageError(`${file}: ${cause.message}`);
    throw error;
  } finally {
    await db.destroy();
  }
}

export async function exportCsv(env: Env): Promise<number> {
  const config = loadConfig(env);
  const db = createDb(config.DATABASE_URL, { max: 1, applicationName: "paperboy-export" });
  try {
    await requireReachable(config, { db });
    const rows = await exportSubscribers(db, process.stdout);
    console.error(`exported ${rows} subscribers`);
    return 0;
  } finally {
    await db.destroy();
  }
}
