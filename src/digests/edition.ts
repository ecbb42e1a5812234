import { type EditionPaper, findPapersListedBetween } from "../papers/repository.ts";
import { addDays } from "../platform/clock.ts";
import type { Db } from "../platform/db/index.ts";
import type { Frequency } from "../platform/db/schema.ts";

/** The listing dates an edition covers: the day itself, or the seven days up to it. */
export function editionWindow(date: string, frequency: Frequency): { from: string; to: string } {
  return { from: frequency === "weekly" ? addDays(date, -6) : date, to: date };
}

/** An edition's papers for a frequency (loadEditionPapers, or a cache in front of it). */
export type EditionPapersSource = (
  edition: string,
  frequency: Frequency,
) => Promise<EditionPaper[]>;

/** An edition's papers in trending order (upvotes, GitHub stars, id). */
export function loadEditionPapers(
  db: Db,
  date: string,
  frequency: Frequency,
): Promise<EditionPaper[]> {
  const { from, to } = editionWindow(date, frequency);
  return findPapersListedBetween(db, from, to);
}

/**
 * loadEditionPapers behind a short cache: an edition's papers are the same for every reader, so
 * a sender reads them once per `ttlMs` rather than once per batch. A failed read is not kept.
 */
export function cachedEditionPapers(db: Db, ttlMs: number): EditionPapersSource {
  const cache = new Map<string, { at: number; papers: Promise<EditionPaper[]> }>();
  return (edition, frequency) => {
    const key = `${edition}/${frequency}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.papers;
    const papers = loadEditionPapers(db, edition, frequency);
    papers.catch(() => cache.delete(key));
    cache.set(key, { at: Date.now(), papers });
    return papers;
  };
}
