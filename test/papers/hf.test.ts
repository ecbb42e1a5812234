import { describe, expect, it } from "vitest";
import { parseHfDailyPapers } from "../../src/papers/hf.ts";
import { SourceError } from "../../src/papers/paper.ts";
import {
  DISTINCT_PAPERS,
  DUPLICATED_ID,
  type RawItem,
  realDays,
  TOTAL_ITEMS,
} from "./real-days.ts";

const days = realDays();
const byDate = (date: string) => days.find((d) => d.date === date)!;
const clone = <T>(value: T): T => structuredClone(value);

describe("Hugging Face Daily Papers parser", () => {
  it("parses every item of all 15 real days", () => {
    expect(days).toHaveLength(15);
    const ids = new Set<string>();
    let items = 0;
    for (const day of days) {
      const { papers, rejected } = parseHfDailyPapers(day.items, { date: day.date });
      expect(rejected, day.file).toEqual([]);
      expect(papers, day.file).toHaveLength(day.items.length);
      expect(new Set(papers.map((p) => p.listed_on)), day.file).toEqual(new Set([day.date]));
      for (const p of papers) ids.add(p.id);
      items += papers.length;
    }
    expect(items).toBe(TOTAL_ITEMS);
    expect(ids.size).toBe(DISTINCT_PAPERS);
    expect(ids.has(DUPLICATED_ID)).toBe(true);
  });

  it("handles the 2024 shape: no ai_summary, mediaUrl instead of thumbnail, wrapped title", () => {
    const { papers } = parseHfDailyPapers(byDate("2024-05-27").items);
    const conv = papers.find((p) => p.id === "2405.15738")!;
    expect(conv.title).toBe(
      "ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models",
    );
    expect(conv.abstract).not.toMatch(/\n|\s{2}/);
    expect(conv.abstract).toMatch(/^High-resolution Large Multimodal Models/);
    expect(conv.ai_summary).toBeNull();
    expect(conv.ai_keywords).toEqual([]);
    expect(conv.thumbnail).toBe(
      "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2405.15738.png",
    );
    expect(conv.authors.slice(0, 2)).toEqual(["Chunjiang Ge", "Sijie Cheng"]);
    expect(conv.upvotes).toBe(32);
    expect(conv.num_comments).toBe(3);
    expect(conv.source).toBe("hf");
    // No submittedOnDailyAt and no requested date: the item's own publishedAt gives the day.
    expect(conv.listed_on).toBe("2024-05-27");
  });

  it("reads the 2026 shape: AI summary and keywords, GitHub repo and stars, project page", () => {
    const { papers } = parseHfDailyPapers(byDate("2026-08-18").items);
    const vibe = papers.find((p) => p.id === "2608.15265")!;
    expect(vibe.listed_on).toBe("2026-08-18");
    expect(vibe.published_at?.toISOString()).toBe("2026-08-15T00:00:00.000Z");
    expect(vibe.ai_summary).toMatch(/^A unified framework benchmarks/);
    expect(vibe.ai_keywords).toContain("multimodal agents");
    expect(vibe.github_repo).toBe("https://github.com/usail-hkust/VibeWorlding-Gym");
    expect(vibe.github_stars).toBe(24);
    expect(vibe.project_page).toBe("https://huggingface.co/collections/usail-hkust/vibeworlder");
    expect(vibe.upvotes).toBe(39);
  });

  it("keeps very long author lists whole", () => {
    const { papers } = parseHfDailyPapers(byDate("2026-06-16").items);
    const longest = Math.max(...papers.map((p) => p.authors.length));
    expect(longest).toBe(573);
  });

  it("uses submittedOnDailyAt over the requested date, and the requested date over publishedAt", () => {
    const items = byDate("2025-03-12").items; // no submittedOnDailyAt; publishedAt varies
    expect(
      parseHfDailyPapers(items, { date: "2025-03-12" }).papers.every(
        (p) => p.listed_on === "2025-03-12",
      ),
    ).toBe(true);
    const undated = parseHfDailyPapers(items).papers;
    expect(new Set(undated.map((p) => p.listed_on)).size).toBeGreaterThan(1);
    const dated = parseHfDailyPapers(byDate("2026-08-18").items, { date: "2026-01-01" }).papers;
    expect(dated.every((p) => p.listed_on === "2026-08-18")).toBe(true);
  });

  it("rejects broken items with their index and reason, and keeps the rest", () => {
    const items = clone(byDate("2026-08-17").items) as RawItem[];
    delete items[1]!.paper.id;
    items[3]!.paper.title = "   ";
    items[5]!.paper.upvotes = "many";
    items[7] = "not an item" as never;
    items[9]!.paper.id = "not-an-arxiv-id";
    items[11] = clone(items[0]!);
    const { papers, rejected } = parseHfDailyPapers(items);
    expect(papers).toHaveLength(items.length - 6);
    expect(rejected.map((r) => r.index)).toEqual([1, 3, 5, 7, 9, 11]);
    expect(rejected[0]!.reason).toBe("paper.id: is missing");
    expect(rejected[1]!.reason).toMatch(/^paper\.title: is empty/);
    expect(rejected[2]!.reason).toBe("paper.upvotes: should be a number, not a string");
    expect(rejected[3]!.reason).toBe("should be an object, not a string");
    expect(rejected[4]!.reason).toMatch(/is not an arXiv id/);
    expect(rejected[5]!.reason).toMatch(/^duplicate of item 0/);
  });

  it("says plainly what is missing or of the wrong kind, never zod's raw text", () => {
    const { rejected } = parseHfDailyPapers([{}, { paper: [] }, { paper: null }], {
      date: "2026-08-17",
    });
    expect(rejected.map((r) => r.reason)).toEqual([
      "paper: is missing",
      "paper: should be an object, not an array",
      "paper: should be an object, not null",
    ]);
  });

  it("strips arXiv versions and resolves relative URLs", () => {
    const items = clone(byDate("2026-08-18").items.slice(0, 1)) as RawItem[];
    items[0]!.paper.id = "2608.15265v3";
    items[0]!.thumbnail = "/social-thumbnails/papers/2608.15265.png";
    const [paper] = parseHfDailyPapers(items).papers;
    expect(paper!.id).toBe("2608.15265");
    expect(paper!.thumbnail).toBe("https://huggingface.co/social-thumbnails/papers/2608.15265.png");
  });

  it("refuses a body that is not a list", () => {
    expect(() => parseHfDailyPapers({ error: "Invalid date" })).toThrow(SourceError);
  });
});
