/**
 * Text core shared by topic classification, keyword matching and the relevance index: one
 * normalisation, one tokenisation and one stemmer, so a reader's keyword, a paper's abstract
 * and a model's vocabulary all compare the same way. Pure; never throws on any string.
 */
import { stem } from "porter2";

/**
 * NFKD with accents dropped, lower case, every run of anything but letters and digits (so
 * hyphens, slashes, LaTeX's `\`, `{`, `$`, `^`, `_`) to one space; "C++" and "C#" stay words,
 * apostrophes vanish ("model's" → "models") and letters and digits part ("GPT4o" → "gpt 4 o",
 * as "GPT-4o" does). The result is its own normalisation.
 */
export function normalise(text: string): string {
  return words(text).join(" ");
}

/** The words of `text` after normalisation, unstemmed. */
export function words(text: string): string[] {
  const folded = fold(text);
  return folded.match(WORD) ?? [];
}

/**
 * Stemmed words (Porter2): what matching and features compare. "Transformers" → "transform",
 * "reasoning" → "reason", "LLMs" → "llm". Like any stemmer it also conflates some words a
 * reader would keep apart ("transformation" → "transform").
 */
export function terms(text: string): string[] {
  return words(text).map(stemWord);
}

// Abstracts repeat their words: each distinct word is stemmed once (bounded, so it cannot grow
// forever; a pure function's memo, the same answer with or without it).
const stems = new Map<string, string>();
const STEMS_LIMIT = 100_000;

/** Stem one normalised word; numbers and "c++"-like words are kept as they are. */
export function stemWord(word: string): string {
  let stemmed = stems.get(word);
  if (stemmed === undefined) {
    stemmed = stemUncached(word);
    if (stems.size >= STEMS_LIMIT) stems.clear();
    stems.set(word, stemmed);
  }
  return stemmed;
}

function stemUncached(word: string): string {
  if (!/^[a-z]+$/.test(word)) return word;
  // Porter2 keeps the "s" of a plural acronym without vowels ("llms", "cnns"); drop it.
  if (word.length >= 3 && word.endsWith("s") && !/[aeiouy]/.test(word.slice(0, -1))) {
    return word.slice(0, -1);
  }
  return stem(word);
}

/** Index of the first occurrence of `needle` as a contiguous run in `haystack`; -1 if none. */
export function indexOfPhrase(
  haystack: readonly string[],
  needle: readonly string[],
  from = 0,
): number {
  if (needle.length === 0) return -1;
  const first = needle[0]!;
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; ) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i = haystack.indexOf(first, i + 1);
  }
  return -1;
}

/** Whether the stemmed phrase occurs in the stemmed text: "chain-of-thought" in "chains of thought". */
export function containsPhrase(haystack: readonly string[], needle: readonly string[]): boolean {
  return indexOfPhrase(haystack, needle) !== -1;
}

/** Non-overlapping occurrences of `needle` in `haystack`. */
export function countPhrase(haystack: readonly string[], needle: readonly string[]): number {
  let count = 0;
  for (let i = indexOfPhrase(haystack, needle); i !== -1; ) {
    count++;
    i = indexOfPhrase(haystack, needle, i + needle.length);
  }
  return count;
}

/** Positions of every term in a stream: index a text once, then match many phrases fast. */
export function indexTerms(stream: readonly string[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  stream.forEach((term, i) => {
    const at = index.get(term);
    if (at) at.push(i);
    else index.set(term, [i]);
  });
  return index;
}

/** Whether `needle` occurs in `stream`, using the stream's `indexTerms`. */
export function hasPhrase(
  stream: readonly string[],
  index: ReadonlyMap<string, readonly number[]>,
  needle: readonly string[],
): boolean {
  const starts = needle.length ? index.get(needle[0]!) : undefined;
  if (!starts) return false;
  return starts.some((start) => needle.every((term, j) => stream[start + j] === term));
}

/** Word n-grams of a term sequence, each joined by one space. */
export function ngrams(sequence: readonly string[], n: number): string[] {
  const grams: string[] = [];
  for (let i = 0; i + n <= sequence.length; i++) grams.push(sequence.slice(i, i + n).join(" "));
  return grams;
}

/**
 * Unigram and bigram counts of a term sequence, added into `into` (times `weight`), so several
 * fields (title, keywords, abstract) can be summed into one bag. Bigrams never span two sequences.
 */
export function addGramCounts(
  into: Map<string, number>,
  sequence: readonly string[],
  weight = 1,
): Map<string, number> {
  for (let i = 0; i < sequence.length; i++) {
    const unigram = sequence[i]!;
    into.set(unigram, (into.get(unigram) ?? 0) + weight);
    if (i + 1 < sequence.length) {
      const bigram = `${unigram} ${sequence[i + 1]}`;
      into.set(bigram, (into.get(bigram) ?? 0) + weight);
    }
  }
  return into;
}

/** Unigram and bigram counts of one text. */
export function gramCounts(text: string): Map<string, number> {
  return addGramCounts(new Map(), terms(text));
}

// A word: letters only or digits only (so "gpt4o" parts), "c++" and "c#" kept whole.
const WORD = /\p{L}+(?:\+\+|#)?|\p{N}+/gu;

/** Compatibility decomposition, marks stripped, case folded; apostrophes removed. */
function fold(text: string): string {
  return text
    .normalize("NFKD")
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/['’ʼ]/g, "")
    .replace(/ß/g, "ss")
    .replace(/ς/g, "σ")
    .replace(/ı/g, "i");
}
