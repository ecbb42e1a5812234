import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The 15 real Hugging Face Daily Papers days, read in place from ../shared (never copied). */
export const REAL_DIR = fileURLToPath(
  new URL("../../../shared/data/hf-daily-papers/", import.meta.url),
);

/** A raw API item, loose enough for tests to break it on purpose. */
export type RawItem = { paper: Record<string, unknown> } & Record<string, unknown>;

export interface RealDay {
  file: string;
  path: string;
  date: string;
  items: unknown[];
}

export function realDays(): RealDay[] {
  return readdirSync(REAL_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => ({
      file,
      path: `${REAL_DIR}${file}`,
      date: /\d{4}-\d{2}-\d{2}/.exec(file)![0],
      items: JSON.parse(readFileSync(`${REAL_DIR}${file}`, "utf8")) as unknown[],
    }));
}

/** Distinct papers over the 15 days; one paper (2606.11176) is listed on two of them. */
export const DISTINCT_PAPERS = 338;
export const TOTAL_ITEMS = 339;
export const DUPLICATED_ID = "2606.11176";
