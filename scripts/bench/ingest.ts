import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { ingest } from "../../src/papers/ingest.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { createDeps } from "../../src/platform/deps.ts";
import {
  createBenchState,
  intFlag,
  machine,
  onlyFlags,
  peakRssMb,
  printMachine,
  printResult,
  printTable,
  round,
} from "./common.ts";
import { readDay, sampleDays } from "./papers.ts";

interface Item {
  paper: { id: string };
}

/**
 * The 15 real days, copied with fresh arXiv-shaped ids until there are `papers` of them, each
 * copy of a day written as its own HF file in a temporary directory; then one `ingest` call
 * (read, parse, classify, upsert, editions) over all files.
 */
export async function ingestBench(flags: Map<string, string>): Promise<void> {
  onlyFlags(flags, ["papers"]);
  const target = intFlag(flags, "papers", 10_000);
  const days = sampleDays().map((date) => ({ date, items: readDay(date) as Item[] }));
  const dir = mkdtempSync(path.join(tmpdir(), "paperboy-bench-ingest-"));
  const files: string[] = [];
  let written = 0;
  for (let copy = 0; written < target; copy++) {
    for (const { date, items } of days) {
      if (written >= target) break;
      const take = items.slice(0, target - written).map((item) => {
        written++;
        // Ids 9000.00001… never collide with real ones (no arXiv month 9000).
        const id = `${9000 + Math.floor(written / 100_000)}.${String(written % 100_000).padStart(5, "0")}`;
        return { ...item, paper: { ...item.paper, id } };
      });
      const file = path.join(dir, `hf-daily-papers-${date}-copy${copy}.json`);
      writeFileSync(file, JSON.stringify(take));
      files.push(file);
    }
  }
  const state = await createBenchState();
  const deps = createDeps(loadConfig(state.env), { name: "paperboy-bench" });
  try {
    const m = await machine(state.databaseUrl);
    printMachine(m);
    const started = performance.now();
    const reports = await ingest(deps, files, { source: "hf" });
    const seconds = (performance.now() - started) / 1000;
    const rejected = reports.reduce((n, r) => n + r.rejected.length, 0);
    const { rows } = await sql<{ papers: number; topics: number; editions: number }>`
      select (select count(*)::int from papers) as papers,
             (select count(*)::int from paper_topics) as topics,
             (select count(*)::int from editions) as editions`.execute(deps.db);
    const stored = rows[0]!;
    const rate = written / seconds;
    printTable(
      `ingest: ${days.length} real days replicated to ${written} papers (${files.length} files)`,
      [
        ["seconds", round(seconds, 2)],
        ["papers/s", Math.round(rate)],
        ["stored papers", stored.papers],
        ["topic assignments", stored.topics],
        ["editions", stored.editions],
        ["rejected items", rejected],
        ["peak RSS", `${round(peakRssMb(process.pid) ?? Number.NaN)} MB`],
      ],
    );
    if (stored.papers !== written) throw new Error(`stored ${stored.papers} of ${written} papers`);
    printResult({
      bench: "ingest",
      machine: m,
      papers: written,
      files: files.length,
      seconds: round(seconds, 3),
      papersPerSecond: Math.round(rate),
      rejected,
    });
  } finally {
    await deps.close();
    await state.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}
