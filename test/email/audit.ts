import * as cheerio from "cheerio";
import { doIUseEmail } from "doiuse-email";

/**
 * Pure checks of a rendered mail, each returning a list of human-readable problems (empty = ok),
 * so a failing test names exactly what a reader's mail client would get wrong.
 */

/** Gmail clips messages whose HTML is larger than this. */
export const GMAIL_CLIP_BYTES = 102 * 1024;

/** Every link must work from an inbox: absolute https, or under the configured public base. */
export function linkProblems(html: string, publicUrl: string): string[] {
  const $ = cheerio.load(html);
  const problems: string[] = [];
  $("a").each((_i, el) => {
    const href = $(el).attr("href")?.trim() ?? "";
    const ok = href.startsWith("https://") || href.startsWith(`${publicUrl}/`);
    if (!ok) problems.push(`link "${$(el).text().trim().slice(0, 40)}" has href "${href}"`);
  });
  return problems;
}

/** Images must say what they show (alt) and keep their box while blocked (width and height). */
export function imageProblems(html: string): string[] {
  const $ = cheerio.load(html);
  const problems: string[] = [];
  $("img").each((_i, el) => {
    const img = $(el);
    const name = img.attr("src") ?? "(no src)";
    if (img.attr("alt") === undefined) problems.push(`image ${name} has no alt text`);
    if (!img.attr("width") || !img.attr("height")) problems.push(`image ${name} has no size`);
  });
  return problems;
}

/** The clients most readers use (caniemail / doiuse-email names). */
export const MAJOR_CLIENTS = ["gmail.*", "apple-mail.*", "outlook.*", "yahoo.*"];

/**
 * Features caniemail lists as unsupported somewhere that MJML emits on purpose, each with a
 * fallback, so losing them costs looks, never content. Anything not listed here fails.
 */
export const TOLERATED_FEATURES: Record<string, string> = {
  "@media": "responsive columns and dark mode; Outlook gets fixed-width MSO tables instead",
  "Class selector": "styles in <style>; Gmail's non-Google-account webmail drops <style> entirely",
  "Type selector": "MJML's reset rules in <style>",
  "ID selector": "MJML's Outlook reset (#outlook a)",
  "Descendant combinator": "MJML's reset rules and our dark-mode overrides",
  "Chaining selectors": "MJML's responsive column classes",
  "display:none": "hides the preheader text, which is also collapsed by size",
  opacity: "hides the preheader text in clients that honour it",
  overflow: "hides the preheader text in clients that honour it",
  outline: "MJML's reset of link outlines",
  "border-radius": "rounded corners; square in Outlook for Windows",
  "word-break": "long URLs wrap in clients that support it, else they scroll",
  "<body> element": "clients replace <body> by a <div>; MJML sets the background on a wrapper too",
  "aria-label attribute": "accessibility extra on the wrapper; ignored where unsupported",
  "role attribute": "accessibility extra on layout tables; ignored where unsupported",
  "target attribute": "MJML's target=_blank on buttons; clients open links in a new tab anyway",
};

/** CSS and HTML features that a major client drops and that MJML's fallbacks do not cover. */
export function unsupportedFeatures(html: string): string[] {
  const result = doIUseEmail(html, { emailClients: MAJOR_CLIENTS });
  const problems = new Set<string>();
  for (const error of result.success ? [] : result.errors) {
    const match = /^`(.+?)` is not supported by `(.+?)`/.exec(error);
    if (!match) {
      problems.add(error);
      continue;
    }
    if (!(match[1]! in TOLERATED_FEATURES)) problems.add(error);
  }
  return [...problems];
}

/**
 * The visible unsubscribe link: an <a> labelled "Unsubscribe" pointing at `url`, with no
 * ancestor hiding it (display:none, visibility:hidden, or zero opacity/height like the
 * preheader). Zero font-size is not a sign: MJML sets it on column wrappers and resets inside.
 */
export function visibleLink(html: string, label: RegExp, url: string): string[] {
  const $ = cheerio.load(html);
  const links = $("a").filter((_i, el) => label.test($(el).text()) && $(el).attr("href") === url);
  if (links.length === 0) return [`no link labelled ${label} to ${url}`];
  const hidden =
    /display:\s*none|visibility:\s*hidden|opacity:\s*0(?![.\d])|max-height:\s*0(?![.\d])/i;
  const visible = links.filter(
    (_i, el) =>
      ![el, ...$(el).parents().toArray()].some((node) => hidden.test($(node).attr("style") ?? "")),
  );
  return visible.length ? [] : [`the link labelled ${label} is hidden`];
}

/**
 * The plain-text part must stand alone: no markup, no entities, the given phrases present (across
 * line breaks), and no line over 78 columns that has a space to wrap at (a long URL may stand alone).
 */
export function plainTextProblems(text: string, mustContain: string[]): string[] {
  const problems: string[] = [];
  const tag = /<\/?[a-z][^>]*>/i.exec(text);
  if (tag) problems.push(`HTML tag in the text part: ${tag[0]}`);
  const entity = /&(?:[a-z]+|#\d+|#x[0-9a-f]+);/i.exec(text);
  if (entity) problems.push(`HTML entity in the text part: ${entity[0]}`);
  // Wrapped lines: a phrase may run over a line break and the next line's indent.
  const flat = text.replace(/\s+/g, " ");
  for (const phrase of mustContain) {
    if (!flat.includes(phrase.replace(/\s+/g, " "))) problems.push(`text part lacks "${phrase}"`);
  }
  const long = text.split(/\r?\n/).find((line) => line.length > 78 && /\s\S/.test(line.trim()));
  if (long) problems.push(`text line over 78 columns that could wrap: "${long}"`);
  return problems;
}
