import { readdirSync, readFileSync } from "node:fs";
import { classifyPaper } from "../../src/papers/classify.ts";
import { parseHfDailyPapers } from "../../src/papers/hf.ts";
import type { EditionPaper } from "../../src/papers/repository.ts";
import { loadTopicModel, type TopicModel } from "../../src/papers/topic-model.ts";
import { DATA_DIR } from "./common.ts";

/** The real sample files (hf-daily-papers-YYYY-MM-DD.json), oldest first. */
export function sampleDays(): string[] {
  return readdirSync(DATA_DIR)
    .map((f) => /^hf-daily-papers-(\d{4}-\d{2}-\d{2})\.json$/.exec(f)?.[1])
    .filter((d): d is string => d !== undefined)
    .sort();
}

export function readDay(date: string): unknown[] {
  return JSON.parse(readFileSync(new URL(`hf-daily-papers-${date}.json`, DATA_DIR), "utf8"));
}

/** One real day as an edition: parsed, classified, in trending order (no database). */
export function editionPapers(date: string, model: TopicModel = loadTopicModel()): EditionPaper[] {
  const { papers } = parseHfDailyPapers(readDay(date), { date });
  const at = new Date(`${date}T08:00:00Z`);
  return papers
    .map((p) => ({
      ...p,
      organization: p.organization ?? null,
      created_at: at,
      updated_at: at,
      topics: classifyPaper(model, p),
    }))
    .sort((a, b) => b.upvotes - a.upvotes || (a.id < b.id ? -1 : 1));
}
