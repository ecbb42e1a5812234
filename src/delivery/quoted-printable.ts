/**
 * Quoted-printable (RFC 2045 §6.7) straight into a Buffer, for the digest's MIME parts. Mostly
 * ASCII HTML and text grow by ~10 % (base64: 33 %), and the output is already in SMTP DATA
 * form: 7-bit, CRLF lines of at most 76 characters, none opening with a dot ("=2E" instead).
 * A line break of the source (LF or CRLF) is a line break of the part; a lone CR is "=0D".
 */

const CR = 13;
const LF = 10;
const DOT = 46;
const EQUALS = 61;
const HEX = Buffer.from("0123456789ABCDEF", "latin1");
/** Characters per line before a soft break's "=" (76 with it). */
const LINE = 75;

/** 1: printable ASCII that stands for itself; 2: space or tab (itself unless a line ends after it). */
const KIND = new Uint8Array(256);
for (let b = 33; b <= 126; b++) KIND[b] = 1;
KIND[EQUALS] = 0;
KIND[32] = 2;
KIND[9] = 2;

/** The most bytes `encode` writes for `length` source bytes. */
export function encodedBound(length: number): number {
  return length * 3 + Math.ceil(length / 25) * 3 + 3;
}

/**
 * Encode src[0, length) into out from `at`; returns the end. The output ends at the start of a
 * line (with a soft break "=" CRLF when the source does not end with a line break), so encoded
 * pieces can be put one after another: decoded, they are the pieces' bytes joined.
 */
export function encode(src: Uint8Array, length: number, out: Uint8Array, at: number): number {
  let n = at;
  let column = 0;
  let i = 0;
  while (i < length) {
    // The common case first: a run of bytes that stand for themselves, up to the line's end.
    const stop = Math.min(length, i + LINE - column);
    if (column > 0 || src[i] !== DOT) {
      const from = i;
      while (i < stop && KIND[src[i]!] === 1) out[n++] = src[i++]!;
      column += i - from;
      if (i === length) break;
    }
    if (column >= LINE) {
      n = softBreak(out, n);
      column = 0;
      continue;
    }
    const byte = src[i]!;
    if (byte === LF || (byte === CR && i + 1 < length && src[i + 1] === LF)) {
      i += byte === CR ? 2 : 1;
      out[n++] = CR;
      out[n++] = LF;
      column = 0;
      continue;
    }
    const next = i + 1 < length ? src[i + 1]! : -1;
    const literal = KIND[byte] === 2 && next !== LF && next !== CR;
    if (column + (literal ? 1 : 3) > LINE) {
      n = softBreak(out, n);
      column = 0;
    }
    if (literal) {
      out[n++] = byte;
      column++;
    } else {
      out[n++] = EQUALS;
      out[n++] = HEX[byte >> 4]!;
      out[n++] = HEX[byte & 15]!;
      column += 3;
    }
    i++;
  }
  return column > 0 ? softBreak(out, n) : n;
}

function softBreak(out: Uint8Array, n: number): number {
  out[n] = EQUALS;
  out[n + 1] = CR;
  out[n + 2] = LF;
  return n + 3;
}
