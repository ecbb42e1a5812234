import { latestEditionDate } from "../papers/repository.ts";
import { isIsoDate } from "../platform/clock.ts";
import type { Deps } from "../platform/deps.ts";
import { findSubscriberByEmail } from "../subscribers/repository.ts";
import { digestInputs } from "./reader-digest.ts";
import type { ComposedDigest, DigestComposer } from "./types.ts";

export type PreviewResult =
  | { ok: true; editionDate: string; digest: ComposedDigest | null }
  | { ok: false; error: string };

/**
 * What a reader would get for an edition (default: the newest one), built exactly as delivery
 * builds it (digestInputs): their preferences, the edition's papers and what they were sent.
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
  const [input] = await digestInputs(deps.db, [{ subscriberId: subscriber.id, editionDate }]);
  if (!input) return { ok: false, error: "no subscriber with that email address" };
  return { ok: true, editionDate, digest: composer.compose(input) };
}
