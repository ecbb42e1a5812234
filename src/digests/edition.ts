import { type EditionPaper, findPapersListedBetween } from "../papers/repository.ts";
import { addDays } from "../platform/clock.ts";
import type { Db } from "../platform/db/index.ts";
import type { Frequency } from "../platform/db/schema.ts";

/** The listing dates an edition covers: the day itself, or the seven days up to it. */
export function editionWindow(date: string, frequency: Frequency): { from: string; to: string } {
  return { from: frequency === "weekly" ? addDays(date, -6) : date, to: date };
}

/** An edition's papers in trending order (upvotes, GitHub stars, id). */
export function loadEditionPapers(
  db: Db,
  date: string,
  frequency: Frequency,
): Promise<EditionPaper[]> {
  const { from, to } = editionWindow(date, frequency);
  return findPapersListedBetween(db, from, to);
}
