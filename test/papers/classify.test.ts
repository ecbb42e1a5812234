import { describe, expect, it } from "vitest";
import { classifyPaper, TOPIC_RULES } from "../../src/papers/classify.ts";
import { parseHfDailyPapers } from "../../src/papers/hf.ts";
import type { IncomingPaper } from "../../src/papers/paper.ts";
import { TOPICS } from "../../src/papers/taxonomy.ts";
import { realDays } from "./real-days.ts";

const papers = new Map<string, IncomingPaper>();
for (const day of realDays()) {
  for (const p of parseHfDailyPapers(day.items, { date: day.date }).papers) papers.set(p.id, p);
}
const classified = [...papers.values()].map((p) => ({
  paper: p,
  slugs: classifyPaper(p).map((t) => t.slug),
}));
const topicsOf = (id: string) => classified.find((c) => c.paper.id === id)!.slugs;

describe("topic classifier on the 15 real days", () => {
  it("has a rule for exactly the taxonomy's topics", () => {
    expect(Object.keys(TOPIC_RULES).sort()).toEqual(TOPICS.map((t) => t.slug).sort());
  });

  it("gives every topic at least one paper and no topic more than 40%", () => {
    for (const topic of TOPICS) {
      const n = classified.filter((c) => c.slugs.includes(topic.slug)).length;
      expect(n, topic.slug).toBeGreaterThanOrEqual(1);
      expect(n / classified.length, topic.slug).toBeLessThanOrEqual(0.4);
    }
  });

  it("leaves few papers without a topic", () => {
    const none = classified.filter((c) => c.slugs.length === 0).length;
    expect(none / classified.length).toBeLessThan(0.05);
  });

  it.each([
    ["2405.15738", "multimodal"], // ConvLLaVA: visual encoder for large multimodal models
    ["2608.15265", "agents"], // VibeWorlding: multimodal agents building 3D worlds
    ["2608.15265", "3d-vision"],
  ])("puts %s under %s", (id, slug) => {
    expect(topicsOf(id)).toContain(slug);
  });

  it("scores whole words only, weighting the title above the abstract", () => {
    const base = { abstract: "", ai_keywords: [], arxiv_categories: [] };
    expect(classifyPaper({ ...base, title: "Speechless agentless encoders" })).toEqual([]);
    const [top] = classifyPaper({ ...base, title: "Fast speech recognition" });
    expect(top?.slug).toBe("speech-audio");
    const inAbstract = classifyPaper({ ...base, title: "A study", abstract: "speech" });
    expect(inAbstract).toEqual([]);
  });

  it("counts arXiv categories when known", () => {
    const paper = {
      title: "Learning to grasp",
      abstract: "We study robotic manipulation of deformable objects.",
      ai_keywords: [],
      arxiv_categories: [],
    };
    expect(classifyPaper(paper)).toEqual([]);
    const withCategory = classifyPaper({ ...paper, arxiv_categories: ["cs.RO"] });
    expect(withCategory.map((t) => t.slug)).toEqual(["robotics"]);
  });
});
