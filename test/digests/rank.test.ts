import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { priorOf, RELEVANCE_FLOOR } from "../../src/digests/match.ts";
import { type Candidate, rankPapers } from "../../src/digests/rank.ts";
import {
  closestLiked,
  modelScore,
  paperFeatures,
  type TrainingExample,
  trainReaderModel,
} from "../../src/digests/reader-model.ts";
import { selectPapers } from "../../src/digests/select.ts";
import type { SelectionPreferences } from "../../src/digests/types.ts";
import type { EditionPaper } from "../../src/papers/repository.ts";
import { loadTopicModel } from "../../src/papers/topic-model.ts";
import { samplePapers } from "./sample.ts";

const space = loadTopicModel().space;
const features = (p: EditionPaper) => paperFeatures(p, space);
const days = ["2026-08-10", "2026-08-11", "2026-08-12", "2026-08-13", "2026-08-14"].map((d) =>
  samplePapers(d),
);
const later = samplePapers("2026-08-18");
const text = (p: EditionPaper) => `${p.title} ${p.abstract}`.toLowerCase();
const isAgentPaper = (p: EditionPaper) => /\bagent/.test(text(p));
const isVideoPaper = (p: EditionPaper) => /\bvideo/.test(text(p)) && !isAgentPaper(p);

function prefs(over: Partial<SelectionPreferences> = {}): SelectionPreferences {
  return {
    topics: [],
    keywords: [],
    authors: [],
    maxPapers: 10,
    minUpvotes: 0,
    skipEmpty: true,
    ...over,
  };
}

/** A reader who likes agent papers and dislikes video papers, voting on five earlier days. */
function agentReaderExamples(): TrainingExample[] {
  return days.flat().flatMap((p): TrainingExample[] => {
    const vote = isAgentPaper(p) ? 1 : isVideoPaper(p) ? -1 : null;
    return vote === null ? [] : [{ paper: p, features: features(p), match: [], prior: 0, vote }];
  });
}

/** How a candidate matches: a ticked topic, a topic and a keyword, or a keyword outside the topics. */
type Kind = "topic" | "topic+keyword" | "keyword";
const MATCHES: Record<Kind, Pick<Candidate, "reasons" | "matchFeatures">> = {
  topic: { reasons: [{ kind: "topic", label: "topic: X" }], matchFeatures: [0.9, 0, 0, 0] },
  "topic+keyword": {
    reasons: [
      { kind: "keyword", label: "keyword: y" },
      { kind: "topic", label: "topic: X" },
    ],
    matchFeatures: [0.9, 1, 0, 0],
  },
  keyword: { reasons: [{ kind: "keyword", label: "keyword: y" }], matchFeatures: [0, 1, 0, 0] },
};
const KINDS = Object.keys(MATCHES) as Kind[];
const candidate = (paper: EditionPaper, kind: Kind, order: number): Candidate => ({
  paper,
  ...structuredClone(MATCHES[kind]),
  order,
});
const rankOptions = { maxPapers: 50, tickedTopics: true };

describe("rankPapers", () => {
  it("puts the far more upvoted of two equally relevant papers first, whatever else is listed", () => {
    const base = later[0]!;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 2, max: 50 }),
        fc.constantFrom<Kind>("topic", "topic+keyword"),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.constantFrom(...KINDS)), {
          maxLength: 8,
        }),
        (low, factor, kind, others) => {
          const lowPaper = { ...base, id: "low", upvotes: low };
          const highPaper = { ...base, id: "high", upvotes: low * factor + factor };
          const rest = others.map(([upvotes, k], i) =>
            candidate({ ...base, id: `o${i}`, upvotes }, k, i + 2),
          );
          const picked = rankPapers(
            [candidate(lowPaper, kind, 0), candidate(highPaper, kind, 1), ...rest],
            rankOptions,
          ).map((p) => p.paper.id);
          expect(picked.indexOf("high")).toBeLessThan(picked.indexOf("low"));
        },
      ),
    );
  });

  it("sends a ▲39 one-topic paper before a ▲1 paper matching a keyword and a topic", () => {
    const [a, b] = [later[0]!, later[1]!];
    const picked = rankPapers(
      [
        candidate({ ...a, id: "one", upvotes: 1 }, "topic+keyword", 0),
        candidate({ ...b, id: "many", upvotes: 39 }, "topic", 1),
      ],
      rankOptions,
    );
    expect(picked.map((p) => p.paper.id)).toEqual(["many", "one"]);
  });

  it("leaves out papers below the relevance floor, however popular", () => {
    // A keyword outside the ticked topics was wanted 0.16 of the time on the tuning readers.
    const weak = candidate({ ...later[0]!, id: "weak", upvotes: 500 }, "keyword", 0);
    const good = candidate({ ...later[1]!, id: "good", upvotes: 1 }, "topic", 1);
    expect(rankPapers([weak, good], rankOptions).map((p) => p.paper.id)).toEqual(["good"]);
    expect(priorOf(weak, true)).toBeLessThan(RELEVANCE_FLOOR);
  });

  it("counts a keyword as the whole interest of a reader who ticked no topic", () => {
    const alone = candidate({ ...later[0]!, id: "alone", upvotes: 1 }, "keyword", 0);
    const options = { ...rankOptions, tickedTopics: false };
    expect(rankPapers([alone], options).map((p) => p.paper.id)).toEqual(["alone"]);
  });
});

describe("a reader's model", () => {
  const examples = agentReaderExamples();

  it("has likes and dislikes to learn from in the sample days", () => {
    expect(examples.filter((e) => e.vote === 1).length).toBeGreaterThan(5);
    expect(examples.filter((e) => e.vote === -1).length).toBeGreaterThan(3);
  });

  // Training time (< 50 ms) is measured by `npm run bench -- plan`, not here.
  it("scores unseen liked-like papers above disliked-like ones", () => {
    const model = trainReaderModel(examples)!;
    const mean = (ps: EditionPaper[]) =>
      ps.reduce((sum, p) => sum + modelScore(model, features(p)), 0) / ps.length;
    const agents = later.filter(isAgentPaper);
    const videos = later.filter(isVideoPaper);
    expect(agents.length).toBeGreaterThan(2);
    expect(videos.length).toBeGreaterThan(0);
    expect(mean(agents)).toBeGreaterThan(mean(videos) + 0.2);
  });

  it("trains nothing without votes, and anchors the bias when there are only likes", () => {
    expect(trainReaderModel([])).toBeNull();
    const likes = examples.filter((e) => e.vote === 1);
    const model = trainReaderModel(likes)!;
    expect(model.liked.length).toBeGreaterThan(0);
    const scores = later.map((p) => modelScore(model, features(p)));
    // Not everything is liked: the scores spread around the middle.
    expect(Math.min(...scores)).toBeLessThan(0.6);
    expect(Math.max(...scores)).toBeGreaterThan(0.6);
  });

  it("draws in unmatched papers like the liked ones, saying which liked paper, and drops ones like the disliked", () => {
    const model = trainReaderModel(examples)!;
    const reader = prefs({ keywords: ["video"], model, maxPapers: 10 });
    const withModel = selectPapers(reader, later, new Set(), {}, features);
    const withoutModel = selectPapers({ ...reader, model: null }, later, new Set(), {}, features);
    const picked = withModel.papers;
    expect(picked.some((p) => isAgentPaper(p.paper))).toBe(true);
    const drawnIn = picked.find((p) => p.reasons.some((r) => r.kind === "like"))!;
    expect(drawnIn.reasons.find((r) => r.kind === "like")!.label).toMatch(/^like: .+/);
    const likedTitles = model.liked.map((l) => `like: ${l.title}`);
    expect(likedTitles).toContain(drawnIn.reasons.find((r) => r.kind === "like")!.label);
    // Video papers the rules alone would send are fewer once the reader disliked video papers.
    const videos = (s: typeof withModel) => s.papers.filter((p) => isVideoPaper(p.paper)).length;
    expect(videos(withModel)).toBeLessThan(Math.max(videos(withoutModel), 1));
    expect(closestLiked(model, features(drawnIn.paper), drawnIn.paper.id, -1)).not.toBeNull();
  });
});
