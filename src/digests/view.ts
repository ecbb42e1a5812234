import type { EditionPaper } from "../papers/repository.ts";
import type { Frequency } from "../platform/db/schema.ts";
import {
  codeUrl,
  editionLabel,
  excerpt,
  paperBlurb,
  paperPageUrl,
  pdfUrl,
  shortAuthors,
} from "./format.ts";
import type { MatchReason, Selection } from "./types.ts";

/**
 * Everything a digest shows, as plain strings: the HTML template and the plain-text part are
 * both rendered from this one object, so they never disagree.
 */
export interface PaperView {
  title: string;
  url: string;
  authors: string;
  upvotes: number;
  blurb: string;
  /** Why it was picked; each chip links to a signed mute of that reason when it has one. */
  reasons: ReasonView[];
  pdfUrl: string | null;
  codeUrl: string | null;
  /** The reader's "More like this" / "Less like this" links (signed per reader, paper, vote). */
  feedback: { more: string; less: string } | null;
}

export interface ReasonView {
  label: string;
  muteUrl: string | null;
}

export interface TrendingView {
  title: string;
  url: string;
  upvotes: number;
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
const SUBJECT_TITLE_MAX = 70;
const BLURB_MAX = 300;
const REASONS_MAX = 4;

export interface ViewInput {
  email: string;
  editionDate: string;
  frequency: Frequency;
  selection: Selection;
  /** Names of the reader's topics, for "why you get this". */
  topicNames: string[];
  publicUrl: string;
  links: { manage: string; unsubscribe: string };
  /** The signed mute link of a reason (null: not mutable, e.g. "trending"). */
  muteUrl?: (reason: MatchReason) => string | null;
  /** A paper's feedback links for this reader. */
  feedback?: (paperId: string) => { more: string; less: string } | null;
}

export function digestView(input: ViewInput): DigestView {
  const { selection, frequency } = input;
  const when = editionLabel(input.editionDate, frequency);
  const weekly = frequency === "weekly";
  const muteUrl = input.muteUrl ?? (() => null);
  const papers = selection.papers.map(({ paper, reasons }) =>
    paperView(paper, reasons, muteUrl, input.feedback?.(paper.id) ?? null),
  );
  const count = papers.length;
  const prefix = weekly ? `Your week in papers, ${when}` : `Your papers for ${when}`;
  const subject = count
    ? `${prefix}: ${count} new, top: ${excerpt(papers[0]!.title, SUBJECT_TITLE_MAX)}`
    : `${prefix}: nothing new matched`;
  const following =
    input.topicNames.length > 0
      ? `your topics (${input.topicNames.join(", ")})`
      : "trending papers";
  return {
    subject,
    preheader: preheader(papers, selection.alsoTrending),
    heading: weekly ? `Your week in papers, ${when}` : `Your papers for ${when}`,
    intro: count
      ? `${count} new ${count === 1 ? "paper" : "papers"} for you, most relevant first.`
      : `Nothing new matched your preferences ${weekly ? "this week" : "today"}.`,
    papers,
    alsoTrendingHeading: weekly ? "Also trending this week" : "Also trending today",
    alsoTrending: selection.alsoTrending.map((p) => ({
      title: excerpt(p.title, TITLE_MAX),
      url: paperPageUrl(p),
      upvotes: p.upvotes,
    })),
    why: `You get this ${weekly ? "weekly" : "daily"} digest of ${following} because ${input.email} subscribed to Paperboy at ${new URL(input.publicUrl).host}.`,
    links: {
      ...input.links,
      archive: `${input.publicUrl}/digests/${input.editionDate}`,
      home: `${input.publicUrl}/`,
    },
  };
}

function paperView(
  paper: EditionPaper,
  reasons: MatchReason[],
  muteUrl: (reason: MatchReason) => string | null,
  feedback: PaperView["feedback"],
): PaperView {
  const shown: ReasonView[] = reasons
    .slice(0, REASONS_MAX)
    .map((r) => ({ label: excerpt(r.label, 60), muteUrl: muteUrl(r) }));
  if (reasons.length > REASONS_MAX) {
    shown.push({ label: `+${reasons.length - REASONS_MAX} more`, muteUrl: null });
  }
  return {
    title: excerpt(paper.title, TITLE_MAX),
    url: paperPageUrl(paper),
    authors: excerpt(shortAuthors(paper.authors), 120),
    upvotes: paper.upvotes,
    blurb: paperBlurb(paper, BLURB_MAX),
    reasons: shown,
    pdfUrl: pdfUrl(paper),
    codeUrl: codeUrl(paper),
    feedback,
  };
}

/** The inbox preview line: what else is inside, after the subject's top paper. */
function preheader(papers: PaperView[], also: EditionPaper[]): string {
  const rest = papers.slice(1, 4).map((p) => p.title);
  if (rest.length) return excerpt(`Also: ${rest.join(" · ")}`, 140);
  if (papers[0]) return excerpt(papers[0].blurb, 140);
  if (also[0]) return excerpt(`Trending: ${also[0].title}`, 140);
  return "Nothing new matched your preferences.";
}
