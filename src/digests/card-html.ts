import type Handlebars from "handlebars";
import { compileHtml, type TemplateFn } from "../platform/templates.ts";
import type { CardView } from "./card.ts";
import { type MailPart, sharedPart } from "./types.ts";
import { type PaperView, sharedCardOf } from "./view.ts";

/**
 * The digest's paper cards, rendered from the template's own `{{#each papers}}` body but split
 * where a reader's own parts go: a card's markup outside its feedback links and reason chips is
 * the same for every reader of the edition, so it is rendered once per shared card and only
 * those two small blocks per reader. Same Handlebars, same template text: the same bytes as
 * rendering the whole template per reader (test/digests/card-html.test.ts compares them).
 */
export interface SplitDigestTemplate {
  /** The page template with the cards replaced by `{{{papersHtml}}}`. */
  page: string;
  /** Every card of one reader's digest, in order, appended to `out`. */
  cards(papers: PaperView[], out: MailPart[]): void;
}

const EACH_PAPERS = "{{#each papers}}";
const OWN_BLOCKS = ["{{#if feedback}}", "{{#if reasons.length}}"] as const;

/** The index just after the `{{/…}}` that closes the block opened at `start`. */
function blockEnd(html: string, start: number): number {
  let depth = 0;
  let at = start;
  for (;;) {
    const open = html.indexOf("{{#", at);
    const close = html.indexOf("{{/", at);
    if (close < 0) throw new Error("unbalanced template block");
    if (open >= 0 && open < close) {
      depth++;
      at = open + 3;
      continue;
    }
    depth--;
    at = html.indexOf("}}", close) + 2;
    if (depth === 0) return at;
  }
}

/** Split the compiled page, or null when the template no longer has the expected blocks. */
export function splitDigestTemplate(
  html: string,
  hb: typeof Handlebars,
): SplitDigestTemplate | null {
  const start = html.indexOf(EACH_PAPERS);
  if (start < 0) return null;
  const end = blockEnd(html, start);
  const body = html.slice(start + EACH_PAPERS.length, end - "{{/each}}".length);
  const cuts: number[] = [0];
  for (const block of OWN_BLOCKS) {
    const at = body.indexOf(block, cuts.at(-1));
    if (at < 0) return null;
    cuts.push(at, blockEnd(body, at));
  }
  cuts.push(body.length);
  const parts = cuts.slice(1).map((cut, i) => compileHtml<CardView>(body.slice(cuts[i], cut), hb));
  return {
    page: `${html.slice(0, start)}{{{papersHtml}}}${html.slice(end)}`,
    cards: (papers, out) => renderCards(papers, parts, out),
  };
}

/** Shared card → its markup around the reader's two blocks (kept as long as the card lives). */
const sharedMarkup = new WeakMap<CardView, MailPart[]>();

function renderCards(papers: PaperView[], parts: TemplateFn<CardView>[], out: MailPart[]): void {
  const [before, feedback, between, reasons, after] = parts as [
    TemplateFn<CardView>,
    TemplateFn<CardView>,
    TemplateFn<CardView>,
    TemplateFn<CardView>,
    TemplateFn<CardView>,
  ];
  for (const paper of papers) {
    const shared = sharedCardOf(paper);
    let markup = shared && sharedMarkup.get(shared);
    if (!markup) {
      const html = [before(paper), between(paper), after(paper)];
      markup = shared ? html.map(sharedPart) : html;
      if (shared) sharedMarkup.set(shared, markup);
    }
    out.push(markup[0]!, feedback(paper), markup[1]!, reasons(paper), markup[2]!);
  }
}
