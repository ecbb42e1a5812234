import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { findPapersListedBetween, listEditions } from "../../papers/repository.ts";
import { isIsoDate } from "../../platform/clock.ts";
import type { WebRoutes } from "../context.ts";

const PUBLIC_CACHE = "public, max-age=300";
const EDITIONS_LIMIT = 400;

const editionParams = z.object({
  date: z.string().refine(isIsoDate, "That is not a date (use YYYY-MM-DD)."),
});

const nullableText = z.string().nullable();
/** A paper with every field its sources gave (documented in /openapi.json). */
const paperSchema = z.object({
  id: z.string().meta({ description: "arXiv id without version" }),
  title: z.string(),
  abstract: z.string(),
  authors: z.array(z.string()),
  listed_on: z.string(),
  published_at: z.string().nullable().meta({ description: "ISO 8601, UTC" }),
  source: z.enum(["hf", "arxiv"]),
  upvotes: z.number().int(),
  num_comments: z.number().int(),
  ai_summary: nullableText,
  ai_keywords: z.array(z.string()),
  topics: z.array(z.object({ slug: z.string(), score: z.number() })),
  arxiv_categories: z.array(z.string()),
  primary_category: nullableText,
  arxiv_comment: nullableText,
  journal_ref: nullableText,
  doi: nullableText,
  github_repo: nullableText,
  github_stars: z.number().int().nullable(),
  project_page: nullableText,
  thumbnail: nullableText,
  organization: nullableText.meta({ description: "Hugging Face organization" }),
  submitted_by: nullableText.meta({ description: "Hugging Face user who submitted it" }),
});

/** The archive as JSON: GET /api/editions and GET /api/editions/:date with every paper field. */
export const papersApiRoutes: WebRoutes = async (app, { deps }) => {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get(
    "/api/editions",
    {
      schema: {
        response: {
          200: z.object({
            editions: z.array(z.object({ date: z.string(), paper_count: z.number().int() })),
          }),
        },
      },
    },
    async (_request, reply) => {
      const editions = await listEditions(deps.db, EDITIONS_LIMIT);
      return reply.header("cache-control", PUBLIC_CACHE).send({
        editions: editions.map((e) => ({ date: e.edition_date, paper_count: e.paper_count })),
      });
    },
  );

  routes.get(
    "/api/editions/:date",
    {
      schema: {
        params: editionParams,
        response: { 200: z.object({ edition: z.string(), papers: z.array(paperSchema) }) },
      },
    },
    async (request, reply) => {
      const { date } = request.params;
      const papers = await findPapersListedBetween(deps.db, date, date);
      if (papers.length === 0) return reply.notFound(`No edition for ${date}.`);
      return reply.header("cache-control", PUBLIC_CACHE).send({
        edition: date,
        papers: papers.map((p) => ({ ...p, published_at: p.published_at?.toISOString() ?? null })),
      });
    },
  );
};
