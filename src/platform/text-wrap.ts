/** Plain-text mail lines: wrapped at word boundaries to fit a terminal or a narrow client. */

/** The widest line the text part writes (RFC 3676's 78 less room for quoting). */
export const TEXT_WIDTH = 76;

/**
 * Wrap `text` to lines of at most `width` characters, the first starting with `first` and the
 * rest with `rest` (a hanging indent). Words are never split, so a URL longer than the width
 * stands alone on its line; whitespace runs become one space.
 */
export function wrap(text: string, first = "", rest = first, width = TEXT_WIDTH): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = first;
  let length = characters(first);
  let empty = true;
  for (const word of words) {
    // Lengths add up word by word: spreading the whole line into code points again per word
    // cost half a millisecond per digest.
    const size = characters(word);
    if (!empty && length + 1 + size > width) {
      lines.push(line);
      line = `${rest}${word}`;
      length = characters(rest) + size;
    } else {
      line = empty ? `${line}${word}` : `${line} ${word}`;
      length += empty ? size : 1 + size;
    }
    empty = false;
  }
  if (!empty || lines.length === 0) lines.push(empty ? line.trimEnd() : line);
  return lines;
}

/**
 * wrap(`${text} ${word}`, first, rest) given `lines` = wrap(text, first, rest) of a text with at
 * least one word, and a word without whitespace: the word goes on the last line if it fits, else
 * on its own. Lets a fixed label ("More like this:") be wrapped once and each reader's link
 * added after it.
 */
export function wrapWithWord(
  lines: readonly string[],
  word: string,
  rest: string,
  width = TEXT_WIDTH,
): string[] {
  const last = lines.at(-1) ?? "";
  if (characters(last) + 1 + characters(word) > width) return [...lines, `${rest}${word}`];
  return [...lines.slice(0, -1), `${last} ${word}`];
}

const SURROGATE = /[\ud800-\udfff]/;

/** Characters as a reader counts them (code points, not UTF-16 units). */
function characters(text: string): number {
  return SURROGATE.test(text) ? [...text].length : text.length;
}
