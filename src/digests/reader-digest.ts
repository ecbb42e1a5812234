import type { EditionPaper } from "../papers/repository.ts";
import type { Db } from "../platform/db/index.ts";
import { type ReaderContext, readerContexts } from "../subscribers/repository.ts";
import { type EditionPapersSource, loadEditionPapers } from "./edition.ts";
import { asReaderModel } from "./reader-model.ts";
import { alreadySentPapers, type ReaderEdition } from "./repository.ts";
import type { ComposeInput } from "./types.ts";

/**
 * What a reader gets for an edition, in one place: their settings, the edition's papers (seven
 * days for weekly readers) and what they were sent before. Delivery, the preview and the
 * benchmarks all compose from digestInputs.
 */

/** One reader's row as the composer's input: the only place this mapping lives. */
function composeInputFor(
  reader: ReaderContext,
  editionDate: string,
  papers: EditionPaper[],
  alreadySent: ReadonlySet<string>,
): ComposeInput {
  return {
    subscriber: { id: reader.id, email: reader.email, token_version: reader.token_version },
    preferences: {
      topics: reader.topics,
      keywords: reader.keywords,
      authors: reader.authors,
      maxPapers: reader.max_papers,
      minUpvotes: reader.min_upvotes,
      skipEmpty: reader.skip_empty,
      mutes: {
        topics: reader.muted_topics,
        keywords: reader.muted_keywords,
        authors: reader.muted_authors,
      },
      frequency: reader.frequency,
      model: asReaderModel(reader.model),
    },
    editionDate,
    papers,
    alreadySent,
  };
}

/**
 * Compose inputs for many (reader, edition) pairs in three reads however many there are: the
 * readers, each edition's papers once per frequency, and the already-sent rule
 * (alreadySentPapers). In request order; undefined where the reader no longer exists.
 */
export async function digestInputs(
  db: Db,
  requests: ReaderEdition[],
  papersOf: EditionPapersSource = (edition, frequency) => loadEditionPapers(db, edition, frequency),
): Promise<(ComposeInput | undefined)[]> {
  const ids = [...new Set(requests.map((r) => r.subscriberId))];
  const readers = new Map((await readerContexts(db, ids)).map((r) => [r.id, r]));
  const loads = new Map<string, Promise<EditionPaper[]>>();
  const papers = await Promise.all(
    requests.map((r) => {
      const reader = readers.get(r.subscriberId);
      if (!reader) return [];
      const key = `${r.editionDate}/${reader.frequency}`;
      if (!loads.has(key)) loads.set(key, papersOf(r.editionDate, reader.frequency));
      return loads.get(key)!;
    }),
  );
  const paperIds = [...new Set(papers.flat().map((p) => p.id))];
  const sent = await alreadySentPapers(db, requests, paperIds);
  return requests.map((r, i) => {
    const reader = readers.get(r.subscriberId);
    return reader && composeInputFor(reader, r.editionDate, papers[i]!, sent[i]!);
  });
}
