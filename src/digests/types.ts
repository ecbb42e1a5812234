import type { EditionPaper } from "../papers/repository.ts";
import type { Frequency } from "../platform/db/schema.ts";
import type { ReaderModel } from "./reader-model.ts";

/**
 * The contract between digests (what a reader gets: selection + rendering) and delivery (who
 * gets it, when). digestInputs (reader-digest.ts) gathers the inputs; delivery calls
 * DigestComposer.compose once per subscriber and edition.
 */

/** What selection needs of a reader's preferences. */
export interface SelectionPreferences {
  /** Topic slugs; empty = the reader gets the trending list. */
  topics: string[];
  /** Whole words with inflections, case, accents and hyphens ignored (keywords.ts). */
  keywords: string[];
  /** Followed author names. */
  authors: string[];
  maxPapers: number;
  minUpvotes: number;
  /** No mail on a day with nothing matching. */
  skipEmpty: boolean;
  /** A paper matching any mute is never sent. */
  mutes?: Mutes;
  /** The reader's model trained from their votes (reader-model.ts); null before any vote. */
  model?: ReaderModel | null;
}

/** Topic slugs, keywords (matched as keywords are) and author names a reader muted. */
export interface Mutes {
  topics: string[];
  keywords: string[];
  authors: string[];
}

export interface MatchReason {
  kind: "topic" | "keyword" | "author" | "like" | "trending";
  /**
   * Shown to the reader, e.g. "topic: Agents", "keyword: diffusion", "author: Yann LeCun",
   * "like: <title of a paper they liked>".
   */
  label: string;
  /** What a mute of this reason stores: the topic's slug, the keyword, the author's name. */
  value?: string;
}

export interface PickedPaper {
  paper: EditionPaper;
  reasons: MatchReason[];
}

export interface Selection {
  papers: PickedPaper[];
  /** A few top papers of the edition outside the reader's matches. */
  alsoTrending: EditionPaper[];
}

export interface ComposeInput {
  subscriber: { id: number; email: string; token_version: number };
  preferences: SelectionPreferences & { frequency: Frequency };
  /** The edition: a UTC date. For weekly readers the papers cover the 7 days up to it. */
  editionDate: string;
  /** The edition's papers in trending order (see findPapersListedBetween). */
  papers: EditionPaper[];
  /** Ids of papers already mailed to this reader (the rule: alreadySentPapers). */
  alreadySent: ReadonlySet<string>;
}

/**
 * Mail text that is the same for every reader of an edition (a card's markup or lines, the
 * page's fixed head): the same object each time, so a MIME encoder can encode it once and keep
 * the bytes (mime.ts).
 */
export interface SharedPart {
  readonly text: string;
  /** Its UTF-8 length. */
  readonly bytes: number;
}

export function sharedPart(text: string): SharedPart {
  return Object.freeze({ text, bytes: Buffer.byteLength(text) });
}

/** A piece of a digest's HTML or text: the reader's own (a string) or the edition's (shared). */
export type MailPart = string | SharedPart;

/** The parts as one string. */
export function joinParts(parts: readonly MailPart[]): string {
  return parts.map((p) => (typeof p === "string" ? p : p.text)).join("");
}

export interface ComposedDigest {
  /** Deterministic per (subscriber, edition), without angle brackets. */
  messageId: string;
  subject: string;
  /** The whole HTML: `htmlParts` joined. */
  html: string;
  /** The HTML in pieces, in order. */
  htmlParts: readonly MailPart[];
  /** The text part: `textParts` joined. */
  text: string;
  textParts: readonly MailPart[];
  /** List-Unsubscribe, List-Unsubscribe-Post, List-Id and any other header. */
  headers: Record<string, string>;
  /** The papers this mail presents as new (recorded in sent_papers after acceptance). */
  paperIds: string[];
}

export interface DigestComposer {
  /** null when there is nothing to send and the reader skips empty days. */
  compose(input: ComposeInput): ComposedDigest | null;
}
