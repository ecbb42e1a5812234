import type { EditionPaper } from "../papers/repository.ts";
import type { Frequency } from "../platform/db/schema.ts";
import { type CardChip, type CardView, paperCardView, paperStats } from "./card.ts";
import { editionLabel, excerpt, paperPageUrl } from "./format.ts";
import { latexToText } from "./latex.ts";
import type { Selection } from "./types.ts";

/**
 * Everything a digest shows, as plain strings: the HTML template and the plain-text part are
 * both rendered from this one object, so they never disagree.
 */
export type PaperView = CardView;

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
/** The top papers get a thumbnail (the mail column is 560 px wide); the rest stay compact. */
const THUMBNAILS = 3;
const THUMBNAIL_WIDTH = 560;

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
}

export function digestView(input: ViewInput): DigestView {
  const { selection, frequency } = input;
  const when = editionLabel(input.editionDate, frequency);
  const weekly = frequency === "weekly";
  const papers = selection.papers.map(({ paper, reasons }, i) =>
    paperView(paper, reasons, i < THUMBNAILS),
  );
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

function paperView(paper: EditionPaper, reasons: { label: string }[], thumbnail: boolean) {
  const labels = reasons.map((r) => r.label);
  const shown = labels.slice(0, REASONS_MAX);
  if (labels.length > REASONS_MAX) shown.push(`+${labels.length - REASONS_MAX} more`);
  const chips: CardChip[] = shown.map((l) => ({ label: excerpt(l, 60), href: null }));
  return paperCardView(paper, chips, {
    titleMax: TITLE_MAX,
    blurbMax: BLURB_MAX,
    thumbnailWidth: thumbnail ? THUMBNAIL_WIDTH : 0,
  });
}

/** The inbox preview line: what else is inside, after the subject's top paper. */
function preheader(papers: PaperView[], also: EditionPaper[]): string {
  const rest = papers.slice(1, 4).map((p) => p.title);
  if (rest.length) return excerpt(`Also: ${rest.join(" · ")}`, 140);
  if (papers[0]) return excerpt(papers[0].blurb, 140);
  if (also[0]) return excerpt(`Trending: ${latexToText(also[0].title)}`, 140);
  return "Nothing new matched your preferences.";
}
