import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { systemClock } from "../../platform/clock.ts";
import { loadConfig } from "../../platform/config.ts";
import { createDb } from "../../platform/db/index.ts";
import { requireReachable } from "../../platform/reachable.ts";
import { exportSubscribers } from "../../subscribers/export.ts";
import { ImportFileError, importSubscribers } from "../../subscribers/import.ts";
import { type Command, UsageError } from "../command.ts";

const USAGE = "subscribers import FILE.csv [--confirmed] | subscribers export";

export const subscribers: Command = {
  // One line: `paperboy --help` lists every command's summary.
  summary:
    "CSV in/out (email,topics a;b,timezone,frequency). import sends NO mail: rows become pending, or active with --confirmed (opted in elsewhere); bad rows are reported by line and skipped. export writes all, with status, to stdout",
  usage: USAGE,
  async run(args, env) {
    const [sub, ...rest] = args;
    if (sub === "import") return runImport(rest, env);
    if (sub === "export") {
      if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}' (usage: ${USAGE})`);
      return runExport(env);
    }
    throw new UsageError(`expected 'import' or 'export' (usage: paperboy ${USAGE})`);
  },
};

async function runImport(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const confirmed = args.includes("--confirmed");
  const files = args.filter((a) => a !== "--confirmed");
  const unknown = files.find((a) => a.startsWith("-"));
  if (unknown) throw new UsageError(`unknown option '${unknown}'`);
  if (files.length !== 1) throw new UsageError(`expected one CSV file (usage: paperboy ${USAGE})`);
  const file = files[0]!;
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new UsageError(`cannot read '${file}': no such file`);
  const config = loadConfig(env);
  const db = createDb(config.DATABASE_URL, { max: 2, applicationName: "paperboy-import" });
  try {
    await requireReachable(config, { db });
    const started = Date.now();
    const report = await importSubscribers(db, createReadStream(file), {
      confirmed,
      now: systemClock.now(),
    });
    for (const r of report.rejected) console.error(`line ${r.line}: ${r.reason}`);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `imported ${report.imported}, updated ${report.updated}, rejected ${report.rejected.length} (${seconds}s${confirmed ? ", as confirmed" : ", as pending"}; no mail sent)`,
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

async function runExport(env: NodeJS.ProcessEnv): Promise<number> {
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
