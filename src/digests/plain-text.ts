import { wrap } from "../platform/text-wrap.ts";
import type { DigestView } from "./view.ts";

const INDENT = "   ";

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
    lines.push(...wrap(p.title, `${i + 1}. `.padEnd(INDENT.length), INDENT));
    lines.push(`${INDENT}${p.url}`);
    if (p.feedback) {
      lines.push(...wrap(`More like this: ${p.feedback.more}`, INDENT, `${INDENT}  `));
      lines.push(...wrap(`Less like this: ${p.feedback.less}`, INDENT, `${INDENT}  `));
    }
    const byline = [p.authors, p.organization].filter(Boolean).join(" · ");
    if (byline) lines.push(...wrap(byline, INDENT));
    lines.push(...wrap(p.stats, INDENT));
    if (p.reasons.length) lines.push(...wrap(p.reasons.map((r) => r.label).join(" · "), INDENT));
    if (p.blurb) lines.push(...wrap(p.blurb, INDENT));
    for (const link of p.links)
      lines.push(...wrap(`${link.label}: ${link.href}`, INDENT, `${INDENT}  `));
    for (const r of p.reasons) {
      if (r.href) lines.push(...wrap(`Mute ${r.label}: ${r.href}`, INDENT, `${INDENT}  `));
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
