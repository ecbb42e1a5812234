import { fileURLToPath } from "node:url";
import type { Deps } from "../platform/deps.ts";
import { parseArxivFeed } from "./arxiv.ts";
import { parseHfDailyPapers } from "./hf.ts";
import { type IncomingPaper, type Rejection, SourceError } from "./paper.ts";
import { indexPapers } from "./reclassify.ts";
import {
  listedOnOf,
  papersForClassification,
  refreshEditions,
  type UpsertCounts,
  upsertPapers,
} from "./repository.ts";
import { fetchHfDay, fetchText, isHfListUrl, type RawSource, readLocal } from "./sources.ts";
import { loadTopicModel, type TopicModel } from "./topic-model.ts";

export type SourceKind = "hf" | "arxiv";

export interface IngestOptions {
  /** Format of the inputs; detected from each body when omitted. */
  source?: SourceKind;
  /** Edition date for items that don't carry one (and the day to fetch from an HF URL). */
  date?: string;
  /** The topic model to classify with; the shipped one (data/models) is loaded when omitted. */
  topicModel?: TopicModel;
}

export interface IngestReport extends UpsertCounts {
  origin: string;
  source: SourceKind;
  rejected: Rejection[];
  /** arXiv listing entries that only announce a new version of an older paper. */
  skipped: number;
}

interface ParsedSource {
  origin: string;
  source: SourceKind;
  papers: IncomingPaper[];
  rejected: Rejection[];
  skipped: number;
}

type IngestDeps = Pick<Deps, "db" | "clock" | "metrics" | "config">;

export const SAMPLE_FILE = fileURLToPath(
  new URL("../../data/sample/hf-daily-papers-sample.json", import.meta.url),
);

/**
 * Load files, directories and URLs. Everything is read and parsed first, so a bad input fails
 * the whole call before anything is written; then each input is stored in its own transaction.
 */
export async function ingest(
  deps: IngestDeps,
  inputs: string[],
  options: IngestOptions = {},
): Promise<IngestReport[]> {
  const raws: RawSource[] = [];
  for (const input of inputs) raws.push(...(await readInput(deps, input, options)));
  const parsed = raws.map((raw) => parseSource(raw, options));
  const model = options.topicModel ?? loadTopicModel();
  const reports: IngestReport[] = [];
  for (const source of parsed) reports.push(await store(deps, source, model));
  return reports;
}

/** Fetch every page of one day's Hugging Face list from HF_PAPERS_URL and store it. */
export async function ingestHfDay(
  deps: IngestDeps,
  date: string,
  model: TopicModel = loadTopicModel(),
): Promise<IngestReport> {
  const raw = await fetchHfDay(deps.config.HF_PAPERS_URL, date);
  return store(deps, parseSource(raw, { source: "hf", date }), model);
}

export interface ArxivSchedule {
  /** Base of the listing feeds: `${base}/${category}` (rss.arxiv.org/rss/cs.AI). */
  baseUrl: string;
  categories: string[];
  /** Between two requests: arXiv asks robots for one request every 3 seconds. */
  delayMs: number;
  userAgent: string;
}

/**
 * Today's arXiv listings of each category, one request at a time with a polite pause between
 * them. A category that fails does not stop the others; the call then throws naming them all,
 * so the job is logged and retried.
 */
export async function ingestArxivCategories(
  deps: IngestDeps,
  schedule: ArxivSchedule,
  model: TopicModel = loadTopicModel(),
): Promise<IngestReport[]> {
  const reports: IngestReport[] = [];
  const failures: string[] = [];
  for (const [i, category] of schedule.categories.entries()) {
    if (i > 0) await new Promise((ok) => setTimeout(ok, schedule.delayMs));
    const url = `${schedule.baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(category)}`;
    try {
      const body = await fetchText(url, { "user-agent": schedule.userAgent });
      const parsed = parseSource({ origin: url, body }, { source: "arxiv" });
      reports.push(await store(deps, parsed, model));
    } catch (error) {
      failures.push(`${category}: ${(error as Error).message}`);
    }
  }
  if (failures.length) throw new SourceError(`arXiv ingest failed for ${failures.join("; ")}`);
  return reports;
}

/** The bundled demo papers (data/sample), for `paperboy dev`. */
export async function ingestSample(deps: IngestDeps): Promise<IngestReport> {
  const [report] = await ingest(deps, [SAMPLE_FILE], { source: "hf" });
  return report!;
}

async function readInput(
  deps: IngestDeps,
  input: string,
  options: IngestOptions,
): Promise<RawSource[]> {
  if (!/^https?:\/\//i.test(input)) return readLocal(input);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new SourceError(`not a valid URL: ${input}`);
  }
  if (options.source !== "arxiv" && isHfListUrl(url.toString(), deps.config.HF_PAPERS_URL)) {
    const date = options.date ?? url.searchParams.get("date") ?? undefined;
    if (date) {
      url.searchParams.delete("date");
      url.searchParams.delete("p");
      url.searchParams.delete("limit");
      return [await fetchHfDay(url.toString(), date)];
    }
  }
  return [{ origin: input, body: await fetchText(input), date: options.date }];
}

function parseSource(raw: RawSource, options: IngestOptions): ParsedSource {
  try {
    return parseBody(raw, options);
  } catch (error) {
    if (error instanceof SourceError) throw new SourceError(`${raw.origin}: ${error.message}`);
    throw error;
  }
}

function parseBody(raw: RawSource, options: IngestOptions): ParsedSource {
  const source = options.source ?? detect(raw);
  const date = options.date ?? raw.date;
  if (source === "hf") {
    let json: unknown;
    try {
      json = JSON.parse(raw.body);
    } catch (error) {
      throw new SourceError(`not valid JSON (${(error as Error).message})`);
    }
    return { origin: raw.origin, source, ...parseHfDailyPapers(json, { date }), skipped: 0 };
  }
  const { papers, rejected } = parseArxivFeed(raw.body, { date });
  // A replacement re-announces an old paper; listing it as today's news would mislead.
  const fresh = papers.filter((p) => !p.announce_type?.startsWith("replace"));
  return {
    origin: raw.origin,
    source,
    papers: fresh,
    rejected,
    skipped: papers.length - fresh.length,
  };
}

function detect(raw: RawSource): SourceKind {
  const start = raw.body.trimStart()[0];
  if (start === "[" || start === "{") return "hf";
  if (start === "<") return "arxiv";
  throw new SourceError("neither JSON nor XML");
}

/** Upsert, classify and count one parsed input inside one transaction. */
async function store(
  deps: IngestDeps,
  parsed: ParsedSource,
  model: TopicModel,
): Promise<IngestReport> {
  const now = deps.clock.now();
  const ids = parsed.papers.map((p) => p.id);
  const counts = await deps.db.transaction().execute(async (trx) => {
    const previousDates = await listedOnOf(trx, ids);
    const result = await upsertPapers(trx, parsed.papers, now);
    // Classify what is stored (merged with earlier sources), as reclassification would.
    const stored = await papersForClassification(trx, { ids });
    await indexPapers(trx, model, stored);
    await refreshEditions(trx, [...previousDates, ...parsed.papers.map((p) => p.listed_on)], now);
    return result;
  });
  const report: IngestReport = {
    origin: parsed.origin,
    source: parsed.source,
    ...counts,
    rejected: parsed.rejected,
    skipped: parsed.skipped,
  };
  for (const outcome of ["inserted", "updated", "unchanged"] as const) {
    deps.metrics.papersIngested.inc({ source: parsed.source, outcome }, report[outcome]);
  }
  deps.metrics.papersIngested.inc(
    { source: parsed.source, outcome: "rejected" },
    report.rejected.length,
  );
  return report;
}
