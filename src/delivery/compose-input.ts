import type { ComposeInput } from "../digests/types.ts";
import type { EditionPaper } from "../papers/repository.ts";
import type { ReaderContext } from "../subscribers/repository.ts";

/** One reader's row (readerContexts) as the composer's input: the only place this mapping lives. */
export function composeInputFor(
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
      frequency: reader.frequency,
    },
    editionDate,
    papers,
    alreadySent,
  };
}
