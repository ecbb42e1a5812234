import { type EditionPaper, topicNames } from "../papers/repository.ts";
import { loadTopicModel, type TopicModel } from "../papers/topic-model.ts";
import type { Deps } from "../platform/deps.ts";
import { compileHtml, createHandlebars, loadMjmlHtml } from "../platform/templates.ts";
import { feedbackLinks, muteLink, subscriberLinks } from "../subscribers/tokens.ts";
import { splitDigestTemplate } from "./card-html.ts";
import { digestMessageId, listHeaders } from "./headers.ts";
import { pageParts } from "./page-parts.ts";
import { plainTextParts } from "./plain-text.ts";
import { paperFeatures } from "./reader-model.ts";
import { selectPapers } from "./select.ts";
import {
  type ComposedDigest,
  type ComposeInput,
  type DigestComposer,
  joinParts,
  type MailPart,
} from "./types.ts";
import { type DigestView, digestView, type ViewInput } from "./view.ts";

/** Gmail clips a message whose HTML passes 102 KB; stay under it with room for the MIME. */
const HTML_BUDGET_BYTES = 96 * 1024;

const PAPERS_HTML = "{{{papersHtml}}}";

/**
 * The digest template as a function of the view giving the HTML in parts; with splitCards,
 * each card's markup is rendered once per edition and only the reader's own links per reader
 * (card-html.ts), and the page's fixed markup is shared too (page-parts.ts).
 */
async function digestTemplate(splitCards: boolean): Promise<(view: DigestView) => MailPart[]> {
  const html = await loadMjmlHtml("digest");
  const hb = createHandlebars();
  const split = splitCards ? splitDigestTemplate(html, hb) : null;
  const at = split ? split.page.indexOf(PAPERS_HTML) : -1;
  if (!split || at < 0) {
    const whole = compileHtml<DigestView>(html, hb);
    return (view) => [whole(view)];
  }
  const before = pageParts<DigestView>(split.page.slice(0, at), hb);
  const after = pageParts<DigestView>(split.page.slice(at + PAPERS_HTML.length), hb);
  return (view) => {
    const parts = before.map((part) => part(view));
    split.cards(view.papers, parts);
    for (const part of after) parts.push(part(view));
    return parts;
  };
}

/**
 * Whether the HTML in parts passes `budget` bytes of UTF-8 (the shared parts know theirs). A
 * reader's own part is counted at its bound (3 bytes per UTF-16 unit) first, and measured only
 * when that bound passes the budget: measuring flattens the string, an allocation per part.
 */
function htmlOver(parts: readonly MailPart[], budget: number): boolean {
  let bound = 0;
  for (const part of parts) bound += typeof part === "string" ? 3 * part.length : part.bytes;
  if (bound <= budget) return false;
  let bytes = 0;
  for (const part of parts)
    bytes += typeof part === "string" ? Buffer.byteLength(part) : part.bytes;
  return bytes > budget;
}

/** The digest with `html` and `text`: the parts joined once, on first use (the MIME builder encodes the parts). */
function withJoined(digest: Omit<ComposedDigest, "html" | "text">): ComposedDigest {
  const lazy = (parts: readonly MailPart[]) => {
    let joined: string | null = null;
    return {
      enumerable: true,
      get: () => {
        joined ??= joinParts(parts);
        return joined;
      },
    };
  };
  return Object.defineProperties(digest, {
    html: lazy(digest.htmlParts),
    text: lazy(digest.textParts),
  }) as ComposedDigest;
}

/**
 * Compile the digest template and load topic names once; compose() is then synchronous and
 * pure given its inputs (no MJML, no template compilation, no I/O per reader).
 */
export async function createDigestComposer(
  deps: Pick<Deps, "config" | "db">,
  /** The feature space of readers' models (the shipped topic model's by default). */
  topicModel: TopicModel = loadTopicModel(),
  /** splitCards false: the whole template per reader (the reference the split one must equal). */
  options: { splitCards?: boolean } = {},
): Promise<DigestComposer> {
  const { config } = deps;
  const template = await digestTemplate(options.splitCards ?? true);
  const names = await topicNames(deps.db);
  const features = (paper: EditionPaper) => paperFeatures(paper, topicModel.space);

  return {
    compose(input: ComposeInput): ComposedDigest | null {
      const { subscriber, preferences } = input;
      const selection = selectPapers(preferences, input.papers, input.alreadySent, names, features);
      if (selection.papers.length === 0 && preferences.skipEmpty) return null;

      const links = subscriberLinks(config.PUBLIC_URL, config.APP_SECRET, subscriber);
      const viewInput: ViewInput = {
        email: subscriber.email,
        editionDate: input.editionDate,
        frequency: preferences.frequency,
        selection,
        topicNames: preferences.topics.map((slug) => names[slug] ?? slug),
        keywords: preferences.keywords,
        authors: preferences.authors,
        publicUrl: config.PUBLIC_URL,
        links,
        muteUrl: (reason) =>
          reason.kind !== "trending" && reason.kind !== "like" && reason.value
            ? muteLink(config.PUBLIC_URL, config.APP_SECRET, subscriber, reason.kind, reason.value)
            : null,
        feedback: (paperId) =>
          feedbackLinks(config.PUBLIC_URL, config.APP_SECRET, subscriber, paperId),
      };
      let view = digestView(viewInput);
      let htmlParts = template(view);
      if (htmlOver(htmlParts, HTML_BUDGET_BYTES)) {
        view = digestView({ ...viewInput, compact: true });
        htmlParts = template(view);
      }
      return withJoined({
        messageId: digestMessageId(config.PUBLIC_URL, subscriber.id, input.editionDate),
        subject: view.subject,
        htmlParts,
        textParts: plainTextParts(view),
        headers: listHeaders(config, links.unsubscribe),
        paperIds: [
          ...selection.papers.map((p) => p.paper.id),
          ...selection.alsoTrending.map((p) => p.id),
        ],
      });
    },
  };
}
