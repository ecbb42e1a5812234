import { describe, expect, it } from "vitest";
import type { EditionPaper } from "../../src/papers/repository.ts";
import { paperCard } from "../../src/web/paper-card.ts";

const paper: EditionPaper = {
  id: "2608.01234",
  title: "Agents <script>alert(1)</script> that plan",
  abstract: "First sentence of a long abstract. ".repeat(20),
  authors: ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov"],
  listed_on: "2026-08-18",
  published_at: null,
  upvotes: 42,
  num_comments: 0,
  ai_summary: null,
  ai_keywords: [],
  arxiv_categories: [],
  github_repo: "javascript:alert(1)",
  github_stars: 7,
  project_page: "https://example.org/project",
  thumbnail: null,
  organization: null,
  submitted_by: null,
  primary_category: null,
  arxiv_comment: null,
  journal_ref: null,
  doi: null,
  source: "hf",
  created_at: new Date(),
  updated_at: new Date(),
  topics: [{ slug: "agents", score: 0.9 }],
};

describe("paperCard", () => {
  const out = paperCard(paper, { agents: "Agents & tool use" }, 3).value;

  it("shows rank, linked title, upvotes, short authors, a cut summary and topic names", () => {
    expect(out).toContain('<div class="rank" aria-hidden="true">3</div>');
    expect(out).toContain('href="https://huggingface.co/papers/2608.01234"');
    expect(out).toContain("▲ 42 upvotes");
    expect(out).toContain("Ada Lovelace, Alan Turing, Grace Hopper et al.");
    expect(out).toContain("Agents &amp; tool use");
    const summary = /<p class="summary">(.*?)<\/p>/.exec(out)![1]!;
    expect(summary.length).toBeLessThanOrEqual(221);
    expect(summary.endsWith("…")).toBe(true);
  });

  it("escapes feed text and drops non-http links", () => {
    expect(out).not.toContain("<script>");
    expect(out).toContain("&lt;script&gt;");
    expect(out).not.toContain("javascript:");
    expect(out).toContain('href="https://arxiv.org/pdf/2608.01234"');
    expect(out).toContain('href="https://example.org/project"');
  });
});
