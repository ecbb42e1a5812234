import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { trainShippedModel } from "../../scripts/topics-train.ts";
import { classifyPaper } from "../../src/papers/classify.ts";
import { parseHfDailyPapers } from "../../src/papers/hf.ts";
import type { IncomingPaper } from "../../src/papers/paper.ts";
import { TOPICS } from "../../src/papers/taxonomy.ts";
import {
  loadTopicModel,
  SHIPPED_MODEL_FILE,
  topicProbabilities,
} from "../../src/papers/topic-model.ts";
import { realDays } from "./real-days.ts";

const model = loadTopicModel();
const papers = new Map<string, IncomingPaper>();
for (const day of realDays()) {
  for (const p of parseHfDailyPapers(day.items, { date: day.date }).papers) papers.set(p.id, p);
}
const classified = [...papers.values()].map((p) => ({
  paper: p,
  slugs: classifyPaper(model, p).map((t) => t.slug),
}));
const topicsOf = (id: string) => classified.find((c) => c.paper.id === id)!.slugs;

describe("the shipped topic model", () => {
  it("is exactly what training on the labels gives today (rerun `npm run train:topics`)", () => {
    expect(trainShippedModel()).toBe(readFileSync(SHIPPED_MODEL_FILE, "utf8"));
  }, 300_000);

  it("knows exactly the taxonomy's topics", () => {
    expect(model.topics.map((t) => t.slug).sort()).toEqual(TOPICS.map((t) => t.slug).sort());
  });
});

describe("topic classifier on the 15 real days", () => {
  it("puts no topic on more than 40% of the papers and leaves few without one", () => {
    for (const topic of TOPICS) {
      const n = classified.filter((c) => c.slugs.includes(topic.slug)).length;
      expect(n / classified.length, topic.slug).toBeLessThanOrEqual(0.4);
    }
    const none = classified.filter((c) => c.slugs.length === 0).length;
    expect(none / classified.length).toBeLessThan(0.1);
  });

  it("does not file MegaParts (3D generation) under Language models for a passing LLM", () => {
    const megaParts = papers.get("2608.14783")!;
    expect(megaParts.title).toMatch(/^MegaParts/);
    expect(megaParts.abstract).toMatch(/large language model/i);
    expect(topicsOf("2608.14783")).toContain("3d-vision");
    expect(topicsOf("2608.14783")).not.toContain("llms");
  });

  it("does not file a paper under a topic its abstract only mentions in passing", () => {
    const paper = {
      title: "Part-aware 3D mesh generation with Gaussian splatting",
      abstract:
        "Unlike large language models, 3D generators struggle with many parts. We propose a " +
        "part-aware 3D mesh generator and a reconstruction method for point clouds.",
      ai_keywords: ["3D generation", "mesh", "point cloud"],
      arxiv_categories: [],
    };
    expect(classifyPaper(model, paper).map((t) => t.slug)).toEqual(["3d-vision"]);
  });

  // Pinned cases come from the training part only: pinning held-out papers would tune on them.
  it.each([
    ["2405.15738", "multimodal"], // ConvLLaVA: visual encoder for large multimodal models
    ["2608.14783", "3d-vision"], // MegaParts
  ])("puts %s under %s", (id, slug) => {
    expect(topicsOf(id)).toContain(slug);
  });

  it("counts arXiv categories when a source gives them", () => {
    const paper = {
      title: "Learning to grasp",
      abstract: "We study manipulation of deformable objects.",
      ai_keywords: [],
      arxiv_categories: [],
    };
    const robotics = model.topics.findIndex((t) => t.slug === "robotics");
    const without = topicProbabilities(model, paper)[robotics]!;
    const withCategory = topicProbabilities(model, { ...paper, arxiv_categories: ["cs.RO"] });
    expect(withCategory[robotics]!).toBeGreaterThan(without);
  });

  it("scores every assigned topic with a probability", () => {
    for (const p of classified.slice(0, 50)) {
      for (const t of classifyPaper(model, p.paper)) {
        expect(t.score).toBeGreaterThan(0);
        expect(t.score).toBeLessThanOrEqual(1);
      }
    }
  });
});
