import type { EditionPaper } from "../papers/repository.ts";
import type { Frequency } from "../platform/db/schema.ts";
import {
  type CardChip,
  type CardOptions,
  type CardView,
  paperCardView,
  paperStats,
} from "./card.ts";
import { editionLabel, excerpt, paperPageUrl } from "./format.ts";
import { latexToText } from "./latex.ts";
import type { MatchReason, Selection } from "./types.ts";

/**
 * Everything a digest shows, as plain strings: the HTML template and the plain-text part are
 * both rendered from this one object, so they never disagree.
 */
export interface PaperView extends CardView {
  /** The reader's "More like this" / "Less like this" links (signed per reader, paper, vote). */
  feedback: { more: string; less: string } | null;
}

export interface TrendingView {
  title: string;
  url: string;
  stats: string;
}

export interface DigestView {
  subject: string;
  preheader: string;
  heading: string;
  intro: string;
  papers: PaperView[];
  alsoTrendingHeading: string;
  alsoTrending: TrendingView[];
  why: string;
  links: { manage: string; unsubscribe: string; archive: string; home: string };
}

/** Limits that keep 50 papers with absurd feed data well under Gmail's 102 KB clip. */
const TITLE_MAX = 200;
const SUBJECT_TITLE_MAX = 60;
const BLURB_MAX = 300;
const REASONS_MAX = 4;
/**
 * The top papers get a modest thumbnail (200 × 108), the rest stay compact. Shown at its fixed
 * size: a client that blocks images keeps a box of that size with the alt text in it, so a
 * small box reads as a caption where a column-wide one left ~300 px of empty frame.
 */
const THUMBNAILS = 3;
const THUMBNAIL_WIDTH = 200;

export interface ViewInput {
  email: string;
  editionDate: string;
  frequency: Frequency;
  selection: Selection;
  /** Names of the reader's topics, keywords and authors, for "why you get this". */
  topicNames: string[];
  keywords?: string[];
  authors?: string[];
  publicUrl: string;
  links: { manage: string; unsubscribe: string };
  /** The signed mute link of a reason (null: not mutable, e.g. "trending"). */
  muteUrl?: (reason: MatchReason) => string | null;
  /** A paper's feedback links for this reader. */
  feedback?: (paperId: string) => { more: string; less: string } | null;
  /**
   * Shorter cards after the first COMPACT_AFTER papers (no blurb, shorter title), for a digest
   * whose full form would pass Gmail's clip (compose.ts decides).
   */
  compact?: boolean;
}

/** Papers that keep their full card in a compact digest. */
const COMPACT_AFTER = 10;
const COMPACT_TITLE_MAX = 120;

export function digestView(input: ViewInput): DigestView {
  const { selection, frequency } = input;
  const when = editionLabel(input.editionDate, frequency);
  const weekly = frequency === "weekly";
  const muteUrl = onceEach(input.muteUrl ?? (() => null));
  const papers = selection.papers.map(({ paper, reasons }, i): PaperView => {
    const card = editionCard(paper, {
      titleMax: input.compact && i >= COMPACT_AFTER ? COMPACT_TITLE_MAX : TITLE_MAX,
      blurbMax: input.compact && i >= COMPACT_AFTER ? 0 : BLURB_MAX,
      thumbnailWidth: i < THUMBNAILS ? THUMBNAIL_WIDTH : 0,
    });
    const view = {
      ...card,
      reasons: chipsOf(reasons, muteUrl),
      feedback: input.feedback?.(paper.id) ?? null,
    };
    sharedCards.set(view, card);
    return view;
  });
  const heading = weekly ? `Your week in papers, ${when}` : `Your papers for ${when}`;
  return {
    subject: subjectLine(papers, when),
    preheader: preheader(papers, selection.alsoTrending),
    heading,
    intro: papers.length
      ? `${papers.length} new ${papers.length === 1 ? "paper" : "papers"} for you, most relevant first.`
      : `Nothing new matched your preferences ${weekly ? "this week" : `on ${when}`}.`,
    papers,
    alsoTrendingHeading: `Also trending, ${when}`,
    alsoTrending: selection.alsoTrending.map((p) => ({
      title: excerpt(latexToText(p.title), TITLE_MAX),
      url: paperPageUrl(p),
      stats: paperStats(p),
    })),
    why: `You get this ${weekly ? "weekly" : "daily"} digest of ${following(input)} because ${input.email} subscribed to Paperboy at ${new URL(input.publicUrl).host}.`,
    links: {
      ...input.links,
      archive: `${input.publicUrl}/digests/${input.editionDate}`,
      home: `${input.publicUrl}/`,
    },
  };
}

/** Short, and the top paper first: "VibeWorlding: Can Multimodal Agents… + 9 more". */
function subjectLine(papers: PaperView[], when: string): string {
  const [top] = papers;
  if (!top) return `Nothing new for you, ${when}`;
  if (papers.length === 1) return excerpt(top.title, SUBJECT_TITLE_MAX + 10);
  return `${excerpt(top.title, SUBJECT_TITLE_MAX)} + ${papers.length - 1} more`;
}

/** "your topics (Agents, RL), keywords (diffusion) and authors (Ada Lovelace)". */
function following(input: ViewInput): string {
  const groups: [string, string[]][] = [
    ["topics", input.topicNames],
    ["keywords", input.keywords ?? []],
    ["authors", input.authors ?? []],
  ];
  const parts = groups
    .filter(([, items]) => items.length > 0)
    .map(([name, items]) => `${name} (${excerpt(items.join(", "), 200)})`);
  if (parts.length === 0) return "trending papers";
  const list =
    parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
  return `your ${list}`;
}

/**
 * Each reason's mute link on its first chip only: a reason recurs on many papers, and a link per
 * chip would push a 50-paper digest past Gmail's 102 KB clip.
 */
function onceEach(muteUrl: (reason: MatchReason) => string | null) {
  const linked = new Set<string>();
  return (reason: MatchReason): string | null => {
    const key = `${reason.kind}:${reason.value ?? reason.label}`;
    if (linked.has(key)) return null;
    const url = muteUrl(reason);
    if (url) linked.add(key);
    return url;
  };
}

/** A paper's reason chips; each links to a signed mute of that reason when it has one. */
function chipsOf(
  reasons: MatchReason[],
  muteUrl: (reason: MatchReason) => string | null,
): CardChip[] {
  const chips: CardChip[] = reasons
    .slice(0, REASONS_MAX)
    .map((r) => ({ label: excerpt(r.label, 60), href: muteUrl(r) }));
  if (reasons.length > REASONS_MAX) {
    chips.push({ label: `+${reasons.length - REASONS_MAX} more`, href: null });
  }
  return chips;
}

/** Each reader's card → the shared card it was made from (so its markup can be kept once). */
const sharedCards = new WeakMap<PaperView, CardView>();

/**
 * The edition's card a reader's card shows (without chips and feedback links), the same
 * object for every reader who sees that paper at that size; undefined for a hand-made view.
 */
export function sharedCardOf(view: PaperView): CardView | undefined {
  return sharedCards.get(view);
}

/**
 * A paper's card without the reader's chips: the same for every reader of an edition who sees
 * it at the same size, so it is built once per (paper, size), not once per reader.
 */
const editionCards = new WeakMap<EditionPaper, Map<string, CardView>>();

function editionCard(paper: EditionPaper, options: CardOptions): CardView {
  const sizes = editionCards.get(paper) ?? new Map<string, CardView>();
  const key = `${options.titleMax}/${options.blurbMax}/${options.thumbnailWidth}`;
  const known = sizes.get(key);
  if (known) return known;
  const card = Object.freeze(paperCardView(paper, [], options));
  sizes.set(key, card);
  editionCards.set(paper, sizes);
  return card;
}

/** The inbox preview line: what else is inside, after the subject's top paper. */
function preheader(papers: PaperView[], also: EditionPaper[]): string {
  const rest = papers.slice(1, 4).map((p) => p.title);
  if (rest.length) return excerpt(`Also: ${rest.join(" · ")}`, 140);
  if (papers[0]) return excerpt(papers[0].blurb, 140);
  if (also[0]) return excerpt(`Trending: ${latexToText(also[0].title)}`, 140);
  return "Nothing new matched your preferences.";
}
