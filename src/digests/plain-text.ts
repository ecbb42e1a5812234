import { wrap, wrapWithWord } from "../platform/text-wrap.ts";
import type { CardView } from "./card.ts";
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
interface SharedText {
  byline: string;
  rest: string;
}
const sharedTexts = new WeakMap<CardView, SharedText>();

function sharedText(p: PaperView): SharedText {
  const card = sharedCardOf(p);
  const known = card && sharedTexts.get(card);
  if (known) return known;
  const byline = [p.authors, p.organization].filter(Boolean).join(" · ");
  const text: SharedText = {
    byline: [...(byline ? wrap(byline, INDENT) : []), ...wrap(p.stats, INDENT)].join("\n"),
    rest: [
      ...(p.blurb ? wrap(p.blurb, INDENT) : []),
      ...p.links.flatMap((link) => wrap(`${link.label}: ${link.href}`, INDENT, `${INDENT}  `)),
    ].join("\n"),
  };
  if (card) sharedTexts.set(card, text);
  return text;
}

/** "   Label: <the reader's link>", the label's lines wrapped once for every reader. */
function linkLines(label: string, url: string): string[] {
  const rest = `${INDENT}  `;
  if (!label.trim() || /\s/.test(url)) return wrap(`${label} ${url}`, INDENT, rest);
  return wrapWithWord(wrapShared(label, INDENT, rest), url, rest);
}

/** The text/plain part: the same digest, readable on its own in any client, within 76 columns. */
export function renderPlainText(view: DigestView): string {
  const lines: string[] = [
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
    if (shared.rest) lines.push(shared.rest);
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
  return lines.join("\n");
}
