import type { EditionPaper } from "../papers/repository.ts";
import { safeUrl } from "../platform/http/html.ts";
import {
  abstractUrl,
  codeUrl,
  excerpt,
  paperBlurb,
  paperPageUrl,
  pdfUrl,
  shortAuthors,
} from "./format.ts";
import { latexToText } from "./latex.ts";

/**
 * One paper as a reader sees it, in the mail and on the site alike: plain strings, LaTeX from
 * the feeds already turned into Unicode, every number with its word ("39 upvotes").
 */
export interface CardLink {
  /** The visible word: "Abstract", "PDF", "Code", "Project page". */
  label: string;
  href: string;
  /** The accessible name, unique per paper: "PDF: VibeWorlding: Can Multimodal…". */
  name: string;
}

export interface CardChip {
  label: string;
  /** Chips may link somewhere (e.g. a mute link); null shows plain text. */
  href: string | null;
}

export interface CardImage {
  src: string;
  width: number;
  height: number;
  alt: string;
}

export interface CardView {
  title: string;
  url: string;
  authors: string;
  organization: string | null;
  /** "39 upvotes · 1 comment · 24 GitHub stars": each figure with its word. */
  stats: string;
  upvotes: number;
  blurb: string;
  reasons: CardChip[];
  links: CardLink[];
  thumbnail: CardImage | null;
}

/** Hugging Face's social thumbnails are 1200 × 648; shown at the mail's column width. */
const THUMB_RATIO = 648 / 1200;

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** "39 upvotes · 1 comment · 24 GitHub stars" (counts of zero are left out, upvotes never). */
export function paperStats(paper: Pick<EditionPaper, "upvotes" | "num_comments" | "github_stars">) {
  const parts = [`▲ ${plural(paper.upvotes, "upvote")}`];
  if (paper.num_comments > 0) parts.push(plural(paper.num_comments, "comment"));
  if (paper.github_stars) parts.push(`★ ${plural(paper.github_stars, "GitHub star")}`);
  return parts.join(" · ");
}

export interface CardOptions {
  titleMax?: number;
  blurbMax?: number;
  /** Width in px the thumbnail is shown at; 0 = no thumbnail. */
  thumbnailWidth?: number;
}

export function paperCardView(
  paper: EditionPaper,
  reasons: CardChip[],
  { titleMax = 200, blurbMax = 300, thumbnailWidth = 0 }: CardOptions = {},
): CardView {
  const title = excerpt(latexToText(paper.title), titleMax);
  // Link names: "PDF: VibeWorlding" — the title up to its colon, so 50 papers stay small.
  const short = excerpt(title.split(/:\s/)[0]!, 40);
  const link = (label: string, href: string | null): CardLink[] =>
    href ? [{ label, href, name: `${label}: ${short}` }] : [];
  const thumb = thumbnailWidth > 0 ? safeUrl(paper.thumbnail) : null;
  return {
    title,
    url: paperPageUrl(paper),
    authors: excerpt(latexToText(shortAuthors(paper.authors)), 120),
    organization: paper.organization ? excerpt(latexToText(paper.organization), 60) : null,
    stats: paperStats(paper),
    upvotes: paper.upvotes,
    blurb: blurbMax > 0 ? latexToText(paperBlurb(paper, blurbMax)) : "",
    reasons,
    links: [
      ...(paper.source === "arxiv" ? [] : link("Abstract", abstractUrl(paper))),
      ...link("PDF", pdfUrl(paper)),
      ...link("Code", codeUrl(paper)),
      ...link("Project page", safeUrl(paper.project_page)),
    ],
    thumbnail: thumb
      ? {
          src: thumb,
          width: thumbnailWidth,
          height: Math.round(thumbnailWidth * THUMB_RATIO),
          // Read as a caption where a client blocks images (it shows the alt text instead).
          alt: `Preview of ${short}`,
        }
      : null,
  };
}
