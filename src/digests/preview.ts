import { composeInputFor } from "../delivery/compose-input.ts";
import { latestEditionDate } from "../papers/repository.ts";
import { isIsoDate } from "../platform/clock.ts";
import type { Deps } from "../platform/deps.ts";
import { findSubscriberByEmail, readerContexts } from "../subscribers/repository.ts";
import { loadEditionPapers } from "./edition.ts";
import { paperIdsSentBefore } from "./repository.ts";
import type { ComposedDigest, DigestComposer } from "./types.ts";

export type PreviewResult =
  | { ok: true; editionDate: string; digest: ComposedDigest | null }
  | { ok: false; error: string };

/**
 * What a reader would get for an edition (default: the newest one), built exactly as delivery
 * builds it: their preferences, the edition's papers and what they were sent before.
 */
export async function previewDigest(
  deps: Pick<Deps, "db">,
  composer: DigestComposer,
  email: string,
  date?: string,
): Promise<PreviewResult> {
  if (date !== undefined && !isIsoDate(date)) {
    return { ok: false, error: `'${date}' is not a date (use YYYY-MM-DD)` };
  }
  const subscriber = await findSubscriberByEmail(deps.db, email);
  if (!subscriber) return { ok: false, error: "no subscriber with that email address" };
  const editionDate = date ?? (await latestEditionDate(deps.db));
  if (!editionDate) return { ok: false, error: "no papers have been ingested yet" };
  const [reader] = await readerContexts(deps.db, [subscriber.id]);
  if (!reader) return { ok: false, error: "no subscriber with that email address" };

  const [papers, alreadySent] = await Promise.all([
    loadEditionPapers(deps.db, editionDate, reader.frequency),
    paperIdsSentBefore(deps.db, subscriber.id, editionDate),
  ]);
  const digest = composer.compose(composeInputFor(reader, editionDate, papers, alreadySent));
  return { ok: true, editionDate, digest };
}
