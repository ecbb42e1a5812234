import type { DigestView } from "./view.ts";

/** The text/plain part: the same digest, readable on its own in any client. */
export function renderPlainText(view: DigestView): string {
  const lines: string[] = [view.heading, "=".repeat(view.heading.length), "", view.intro, ""];
  view.papers.forEach((p, i) => {
    lines.push(`${i + 1}. ${p.title}`);
    lines.push(`   ${p.url}`);
    if (p.feedback) {
      lines.push(`   More like this: ${p.feedback.more}`, `   Less like this: ${p.feedback.less}`);
    }
    if (p.authors) lines.push(`   ${p.authors}`);
    lines.push(`   ▲ ${p.upvotes} upvotes · ${p.reasons.map((r) => r.label).join(" · ")}`);
    if (p.blurb) lines.push(`   ${p.blurb}`);
    if (p.pdfUrl) lines.push(`   PDF: ${p.pdfUrl}`);
    if (p.codeUrl) lines.push(`   Code: ${p.codeUrl}`);
    for (const r of p.reasons) if (r.muteUrl) lines.push(`   Mute ${r.label}: ${r.muteUrl}`);
    lines.push("");
  });
  if (view.alsoTrending.length) {
    lines.push(view.alsoTrendingHeading, "-".repeat(view.alsoTrendingHeading.length));
    for (const p of view.alsoTrending) lines.push(`- ${p.title} (▲ ${p.upvotes})`, `  ${p.url}`);
    lines.push("");
  }
  lines.push(
    "--",
    view.why,
    `Manage preferences: ${view.links.manage}`,
    `Unsubscribe: ${view.links.unsubscribe}`,
    `This edition on the web: ${view.links.archive}`,
    "",
  );
  return lines.join("\n");
}
