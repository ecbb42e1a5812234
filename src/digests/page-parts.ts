import type Handlebars from "handlebars";
import { compileHtml } from "../platform/templates.ts";
import { type MailPart, sharedPart } from "./types.ts";

/**
 * A page template as a list of parts: its long runs of fixed markup (the mail's head and
 * styles, ~10 KB) as shared pieces made once, the rest compiled as before. A MIME encoder then
 * encodes the fixed runs once per process instead of once per reader.
 */
export type PagePart<T> = (view: T) => MailPart;

/** Runs of fixed markup shorter than this stay inside the compiled pieces. */
const MIN_RUN = 256;

/**
 * A mustache that renders in place: not a block tag (`{{#…}}`, `{{/…}}`, `{{^…}}`, `{{else}}`),
 * comment or partial. Handlebars strips the whitespace around a block tag standing alone on its
 * line, so fixed markup is only cut next to mustaches that are never stripped around.
 */
function inPlace(source: string, open: number): boolean {
  const inner = source.slice(open, open + 8).replace(/^\{\{\{?~?\s*/, "");
  return !/^[#/^!>]|^else\b/.test(inner) && !source.startsWith("{{~", open);
}

/** [start, end) of each top-level run of fixed markup that may be cut out. */
function fixedRuns(source: string): [number, number][] {
  const runs: [number, number][] = [];
  let depth = 0;
  let at = 0;
  let prevInPlace = true; // the start of the template
  for (;;) {
    const open = source.indexOf("{{", at);
    const end = open < 0 ? source.length : open;
    const nextInPlace = open < 0 || inPlace(source, open);
    const escapes = source[end - 1] === "\\"; // \\{{ prints a literal mustache
    if (depth === 0 && prevInPlace && nextInPlace && !escapes && end - at >= MIN_RUN) {
      runs.push([at, end]);
    }
    if (open < 0) return runs;
    const triple = source.startsWith("{{{", open);
    const close = source.indexOf(triple ? "}}}" : "}}", open);
    if (close < 0) throw new Error("unclosed mustache in template");
    const tag = source[open + (triple ? 3 : 2)];
    if (tag === "#" || (tag === "^" && !source.startsWith("{{^}}", open))) depth++;
    else if (tag === "/") depth--;
    prevInPlace = nextInPlace;
    at = close + (triple ? 3 : 2);
  }
}

/** The template as parts rendering, joined, exactly what the whole template renders. */
export function pageParts<T>(source: string, hb: typeof Handlebars): PagePart<T>[] {
  const parts: PagePart<T>[] = [];
  let from = 0;
  const compiled = (to: number) => {
    if (to <= from) return;
    const fn = compileHtml<T>(source.slice(from, to), hb);
    parts.push((view) => fn(view));
  };
  for (const [start, end] of fixedRuns(source)) {
    compiled(start);
    const fixed = sharedPart(source.slice(start, end));
    parts.push(() => fixed);
    from = end;
  }
  compiled(source.length);
  return parts;
}
