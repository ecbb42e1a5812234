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
  let empty = true;
  for (const word of words) {
    const candidate = empty ? `${line}${word}` : `${line} ${word}`;
    if (!empty && [...candidate].length > width) {
      lines.push(line);
      line = `${rest}${word}`;
    } else {
      line = candidate;
    }
    empty = false;
  }
  if (!empty || lines.length === 0) lines.push(empty ? line.trimEnd() : line);
  return lines;
}
