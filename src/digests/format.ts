import type { EditionPaper } from "../papers/repository.ts";
import { addDays } from "../platform/clock.ts";
import type { Frequency } from "../platform/db/schema.ts";
import { safeUrl } from "../platform/http/html.ts";

/** Small pure helpers that turn paper data into what a reader sees. */

const ARXIV_ID = /^\d{4}\.\d{4,5}(v\d+)?$/;

/** "A, B, C et al." — long author lists would crowd out the paper itself. */
export function shortAuthors(authors: string[], keep = 3): string {
  const names = authors.map((a) => a.trim()).filter(Boolean);
  if (names.length <= keep + 1) return names.join(", ");
  return `${names.slice(0, keep).join(", ")} et al.`;
}

/** Collapse whitespace and cut on a word boundary near `max` characters, with an ellipsis. */
export function excerpt(text: string, max: number): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max + 1);
  const lastSpace = cut.lastIndexOf(" ");
  const head = lastSpace > max * 0.6 ? cut.slice(0, lastSpace) : clean.slice(0, max);
  return `${head.replace(/[\s,;:.–—-]+$/, "")}…`;
}

/** The one-line AI summary when there is one, else the abstract's start. */
export function paperBlurb(paper: EditionPaper, max = 300): string {
  const summary = paper.ai_summary?.trim();
  return excerpt(summary || paper.abstract, max);
}

/** The paper's page: Hugging Face for Daily Papers, arXiv for papers only seen there. */
export function paperPageUrl(paper: Pick<EditionPaper, "id" | "source">): string {
  const id = encodeURIComponent(paper.id);
  return paper.source === "arxiv"
    ? `https://arxiv.org/abs/${id}`
    : `https://huggingface.co/papers/${id}`;
}

export function pdfUrl(paper: Pick<EditionPaper, "id">): string | null {
  return ARXIV_ID.test(paper.id) ? `https://arxiv.org/pdf/${paper.id}` : null;
}

/** The arXiv abstract page, for papers with an arXiv id. */
export function abstractUrl(paper: Pick<EditionPaper, "id">): string | null {
  return ARXIV_ID.test(paper.id) ? `https://arxiv.org/abs/${paper.id}` : null;
}

export function codeUrl(paper: Pick<EditionPaper, "github_repo">): string | null {
  return safeUrl(paper.github_repo);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function parts(date: string): { month: string; day: number; year: number } {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return { month: MONTHS[m - 1]!, day: d, year: y };
}

/** "Aug 18" */
function shortDate(date: string): string {
  const { month, day } = parts(date);
  return `${month} ${day}`;
}

/** "August 18, 2026"-style long date for page headings, without locale surprises. */
export function longDate(date: string): string {
  const { month, day, year } = parts(date);
  return `${month} ${day}, ${year}`;
}

/** "Aug 18", or for weekly editions "Aug 12–18" / "Jul 29–Aug 4". */
export function editionLabel(date: string, frequency: Frequency): string {
  if (frequency === "daily") return shortDate(date);
  const start = parts(addDays(date, -6));
  const end = parts(date);
  return start.month === end.month
    ? `${start.month} ${start.day}–${end.day}`
    : `${start.month} ${start.day}–${end.month} ${end.day}`;
}
