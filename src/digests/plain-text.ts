import { wrap, wrapWithWord } from "../platform/text-wrap.ts";
import type { CardView } from "./card.ts";
import { joinParts, type MailPart, sharedPart } from "./types.ts";
import { type DigestView, type PaperView, sharedCardOf } from "./view.ts";

const INDENT = "   ";

/**
 * Wrapped lines of text that is the same for every reader (a card's title, byline, blurb,
 * links), kept per (indents, text): thousands of digests wrap the same few dozen papers.
 * Readers' own lines (their links, their reasons) are wrapped each time and never kept.
 */
const sharedLines = new Map<string, Map<string, string[]>>();
const SHARED_MAX = 20_000;
let sharedCount = 0;

function wrapShared(text: string, first: string, rest = first): string[] {
  const key = `${first}|${rest}`;
  const byText = sharedLines.get(key) ?? new Map<string, string[]>();
  const known = byText.get(text);
  if (known) return known;
  if (++sharedCount > SHARED_MAX) {
    sharedLines.clear();
    sharedCount = 1;
  }
  const lines = wrap(text, first, rest);
  byText.set(text, lines);
  sharedLines.set(key, byText);
  return lines;
}

/**
 * A card's lines that are the same for every reader, joined: its byline and stats, and its
 * blurb and links ("" when it has neither). Kept per shared card (sharedCardOf).
 */
interface SharedLines {
  byline: MailPart;
  rest: MailPart;
}
const sharedTexts = new WeakMap<CardView, SharedLines>();

function sharedText(p: PaperView): SharedLines {
  const card = sharedCardOf(p);
  const known = card && sharedTexts.get(card);
  if (known) return known;
  const byline = [p.authors, p.organization].filter(Boolean).join(" · ");
  const lines = {
    byline: [...(byline ? wrap(byline, INDENT) : []), ...wrap(p.stats, INDENT)].join("\n"),
    rest: [
      ...(p.blurb ? wrap(p.blurb, INDENT) : []),
      ...p.links.flatMap((link) => wrap(`${link.label}: ${link.href}`, INDENT, `${INDENT}  `)),
    ].join("\n"),
  };
  if (!card) return lines;
  const text = { byline: sharedPart(lines.byline), rest: sharedPart(lines.rest) };
  sharedTexts.set(card, text);
  return text;
}

const isEmpty = (part: MailPart) => (typeof part === "string" ? part : part.text) === "";

/** "   Label: <the reader's link>", the label's lines wrapped once for every reader. */
function linkLines(label: string, url: string): string[] {
  const rest = `${INDENT}  `;
  if (!label.trim() || /\s/.test(url)) return wrap(`${label} ${url}`, INDENT, rest);
  return wrapWithWord(wrapShared(label, INDENT, rest), url, rest);
}

/** The text/plain part: the same digest, readable on its own in any client, within 76 columns. */
export function renderPlainText(view: DigestView): string {
  return joinParts(plainTextParts(view));
}

/**
 * Lines joined with "\n", as parts: the reader's own lines as strings, each card's shared
 * lines as the card's shared parts (so a MIME encoder encodes them once).
 */
function joinLines(lines: MailPart[]): MailPart[] {
  const parts: MailPart[] = [];
  let own = "";
  lines.forEach((line, i) => {
    if (i > 0) own += "\n";
    if (typeof line === "string") own += line;
    else {
      if (own) parts.push(own);
      own = "";
      parts.push(line);
    }
  });
  if (own) parts.push(own);
  return parts;
}

/** renderPlainText in parts. */
export function plainTextParts(view: DigestView): MailPart[] {
  const lines: MailPart[] = [
    view.heading,
    "=".repeat(view.heading.length),
    "",
    ...wrap(view.intro),
    "",
  ];
  view.papers.forEach((p, i) => {
    lines.push(...wrapShared(p.title, `${i + 1}. `.padEnd(INDENT.length), INDENT));
    lines.push(`${INDENT}${p.url}`);
    if (p.feedback) {
      lines.push(...linkLines("More like this:", p.feedback.more));
      lines.push(...linkLines("Less like this:", p.feedback.less));
    }
    const shared = sharedText(p);
    lines.push(shared.byline);
    if (p.reasons.length) lines.push(...wrap(p.reasons.map((r) => r.label).join(" · "), INDENT));
    if (!isEmpty(shared.rest)) lines.push(shared.rest);
    for (const r of p.reasons) {
      if (r.href) lines.push(...linkLines(`Mute ${r.label}:`, r.href));
    }
    lines.push("");
  });
  if (view.alsoTrending.length) {
    lines.push(view.alsoTrendingHeading, "-".repeat(view.alsoTrendingHeading.length));
    for (const p of view.alsoTrending) {
      lines.push(...wrap(`${p.title} (${p.stats})`, "- ", "  "), `  ${p.url}`);
    }
    lines.push("");
  }
  lines.push(
    "-- ",
    ...wrap(view.why),
    "",
    ...wrap(`Manage preferences: ${view.links.manage}`),
    ...wrap(`Unsubscribe: ${view.links.unsubscribe}`),
    ...wrap(`This edition on the web: ${view.links.archive}`),
    "",
  );
  return joinLines(lines);
}
