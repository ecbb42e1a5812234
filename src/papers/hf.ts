import { z } from "zod";
import {
  arxivIdWithoutVersion,
  cleanText,
  type IncomingPaper,
  nulProblem,
  type ParseResult,
  type Rejection,
  SourceError,
  utcDateOf,
} from "./paper.ts";

/**
 * The Hugging Face Daily Papers API (`/api/daily_papers`): an array of items, each with a nested
 * `paper`. Older answers lack fields newer ones have (ai_summary, submittedOnDailyAt, thumbnail
 * vs mediaUrl), so everything but the core is optional; unknown fields are ignored.
 */
const HF_BASE = "https://huggingface.co";

const instant = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();
const text = z.string().nullish();

const paperSchema = z.looseObject({
  id: z.string().refine((id) => arxivIdWithoutVersion(id) !== null, "is not an arXiv id"),
  title: z.string().refine((t) => cleanText(t) !== "", "is empty"),
  summary: z.string().nullish(),
  authors: z.array(z.looseObject({ name: z.string(), hidden: z.boolean().nullish() })),
  publishedAt: instant.nullish(),
  submittedOnDailyAt: instant.nullish(),
  upvotes: count.nullish(),
  ai_summary: text,
  ai_keywords: z.array(z.string()).nullish(),
  githubRepo: text,
  githubStars: count.nullish(),
  projectPage: text,
  organization: z.looseObject({ fullname: text, name: text }).nullish().catch(null),
  submittedOnDailyBy: z.looseObject({ name: z.string() }).nullish().catch(null),
});

const itemSchema = z.looseObject({
  paper: paperSchema,
  publishedAt: instant.nullish(),
  numComments: count.nullish(),
  thumbnail: text,
  mediaUrl: text,
  organization: z.looseObject({ fullname: text, name: text }).nullish().catch(null),
  submittedBy: z.looseObject({ name: z.string() }).nullish().catch(null),
});

type HfItem = z.infer<typeof itemSchema>;

/** Zod's "Invalid input: expected object, received undefined", said plainly. */
function plainTypeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== "invalid_type") return undefined;
  if (issue.input === undefined) return "is missing";
  return `should be ${withArticle(issue.expected)}, not ${withArticle(kindOf(issue.input))}`;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}

function withArticle(kind: string): string {
  if (kind === "null") return kind;
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

export interface HfParseOptions {
  /** The edition the list was requested for (`?date=` or --date), when the items don't say. */
  date?: string;
}

/** Parse an API answer already decoded from JSON; bad items are rejected, the rest kept. */
export function parseHfDailyPapers(body: unknown, options: HfParseOptions = {}): ParseResult {
  if (!Array.isArray(body)) {
    throw new SourceError("not a Hugging Face Daily Papers list (expected a JSON array)");
  }
  const papers: IncomingPaper[] = [];
  const rejected: Rejection[] = [];
  const seen = new Map<string, number>();
  body.forEach((raw, index) => {
    const result = itemSchema.safeParse(raw, { error: plainTypeIssue });
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
      rejected.push({ index, reason: `${where}${issue.message}` });
      return;
    }
    const listedOn = editionDate(result.data, options.date);
    if (!listedOn) {
      rejected.push({ index, reason: "no listing date (submittedOnDailyAt, --date, publishedAt)" });
      return;
    }
    const paper = toPaper(result.data, listedOn);
    const unstorable = nulProblem(paper);
    if (unstorable) {
      rejected.push({ index, reason: `paper.${unstorable}` });
      return;
    }
    const first = seen.get(paper.id);
    if (first !== undefined) {
      rejected.push({ index, reason: `duplicate of item ${first} (${paper.id})` });
      return;
    }
    seen.set(paper.id, index);
    papers.push(paper);
  });
  return { papers, rejected };
}

/** submittedOnDailyAt's date, else the requested date, else when the item was published. */
function editionDate(item: HfItem, requested: string | undefined): string | null {
  return (
    utcDateOf(item.paper.submittedOnDailyAt) ??
    requested ??
    utcDateOf(item.publishedAt) ??
    utcDateOf(item.paper.publishedAt)
  );
}

function toPaper(item: HfItem, listedOn: string): IncomingPaper {
  const p = item.paper;
  const keywords = (p.ai_keywords ?? []).map(cleanText).filter(Boolean);
  return {
    id: arxivIdWithoutVersion(p.id)!,
    title: cleanText(p.title),
    abstract: cleanText(p.summary ?? ""),
    authors: p.authors
      .filter((a) => !a.hidden)
      .map((a) => cleanText(a.name))
      .filter(Boolean),
    listed_on: listedOn,
    published_at: p.publishedAt ? new Date(p.publishedAt) : null,
    upvotes: p.upvotes ?? 0,
    num_comments: item.numComments ?? 0,
    ai_summary: nonEmpty(p.ai_summary),
    ai_keywords: [...new Set(keywords)],
    arxiv_categories: [],
    github_repo: absoluteUrl(p.githubRepo),
    github_stars: p.githubRepo ? (p.githubStars ?? null) : null,
    project_page: absoluteUrl(p.projectPage),
    thumbnail: absoluteUrl(item.thumbnail ?? item.mediaUrl),
    organization: nonEmpty(organizationName(item.organization ?? p.organization)),
    submitted_by: nonEmpty((item.submittedBy ?? p.submittedOnDailyBy)?.name),
    primary_category: null,
    arxiv_comment: null,
    journal_ref: null,
    doi: null,
    source: "hf",
  };
}

/** An organization's display name ("Tencent"), else its handle. */
function organizationName(
  org: { fullname?: string | null; name?: string | null } | null | undefined,
) {
  return org?.fullname ?? org?.name;
}

function nonEmpty(value: string | null | undefined): string | null {
  const cleaned = value ? cleanText(value) : "";
  return cleaned === "" ? null : cleaned;
}

/** HF sends some URLs relative to its own site (e.g. /avatars/…); keep only http(s) links. */
function absoluteUrl(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  if (!trimmed) return null;
  try {
    const url = new URL(trimmed, HF_BASE);
    return url.protocol === "https:" || url.protocol === "http:" ? url.toString() : null;
  } catch {
    return null;
  }
}
