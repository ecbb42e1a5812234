import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Candidate, RELEVANCE_FLOOR, rankPapers } from "../../src/digests/rank.ts";
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
    return vote === null ? [] : [{ paper: p, features: features(p), vote }];
  });
}

const candidate = (paper: EditionPaper, strength: number, order: number): Candidate => ({
  paper,
  reasons: [{ kind: "topic", label: "topic: X" }],
  strength,
  order,
});

describe("rankPapers", () => {
  it("puts the far more upvoted of two equally relevant papers first, whatever else is listed", () => {
    const base = later[0]!;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 2, max: 50 }),
        fc.double({ min: 1.5, max: 8, noNaN: true }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.double({ min: 0, max: 8 })), {
          maxLength: 8,
        }),
        (low, factor, strength, others) => {
          const lowPaper = { ...base, id: "low", upvotes: low };
          const highPaper = { ...base, id: "high", upvotes: low * factor + factor };
          const rest = others.map(([upvotes, s], i) =>
            candidate({ ...base, id: `o${i}`, upvotes }, s, i + 2),
          );
          const picked = rankPapers(
            [candidate(lowPaper, strength, 0), candidate(highPaper, strength, 1), ...rest],
            { maxPapers: 50 },
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
        candidate({ ...a, id: "one", upvotes: 1 }, 3.8, 0),
        candidate({ ...b, id: "many", upvotes: 39 }, 1.9, 1),
      ],
      { maxPapers: 10 },
    );
    expect(picked.map((p) => p.paper.id)).toEqual(["many", "one"]);
  });

  it("leaves out papers below the relevance floor, however popular", () => {
    const weak = candidate({ ...later[0]!, id: "weak", upvotes: 500 }, 0.5, 0);
    const good = candidate({ ...later[1]!, id: "good", upvotes: 1 }, 2, 1);
    expect(rankPapers([weak, good], { maxPapers: 10 }).map((p) => p.paper.id)).toEqual(["good"]);
    expect(RELEVANCE_FLOOR).toBeGreaterThan(0);
  });
});

describe("a reader's model", () => {
  const examples = agentReaderExamples();

  it("has likes and dislikes to learn from in the sample days", () => {
    expect(examples.filter((e) => e.vote === 1).length).toBeGreaterThan(5);
    expect(examples.filter((e) => e.vote === -1).length).toBeGreaterThan(3);
  });

  it("trains in well under 50 ms and scores unseen liked-like papers above disliked-like ones", () => {
    const weak = later.slice(0, 40).map(
      (p): TrainingExample => ({
        paper: p,
        features: features(p),
        vote: 0,
      }),
    );
    // CPU time (this machine's wall clock is shared with other work), median of warm runs.
    const runs = Array.from({ length: 11 }, () => {
      const start = process.cpuUsage();
      trainReaderModel([...examples, ...weak]);
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1000;
    }).sort((a, b) => a - b);
    expect(runs[5]).toBeLessThan(50);

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
