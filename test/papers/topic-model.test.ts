import { describe, expect, it } from "vitest";
import { classifyPaper } from "../../src/papers/classify.ts";
import { predict, type SparseVector, trainLogistic } from "../../src/papers/logistic.ts";
import { claimSentences } from "../../src/papers/topic-features.ts";
import { evaluateTopics } from "../../src/papers/topic-metrics.ts";
import {
  decideTopics,
  parseTopicModel,
  serialiseTopicModel,
  type TopicModel,
} from "../../src/papers/topic-model.ts";
import {
  chooseLexiconRule,
  chooseThreshold,
  DEFAULT_TRAINING,
  foldOf,
  type LabelledPaper,
  trainTopicModel,
} from "../../src/papers/topic-training.ts";

const vector = (entries: [number, number][]): SparseVector => ({
  indices: entries.map(([i]) => i),
  values: entries.map(([, v]) => v),
});

describe("logistic regression", () => {
  const xs = [
    vector([[0, 1]]),
    vector([[0, 0.8]]),
    vector([[0, 0.9]]),
    vector([[1, 1]]),
    vector([[1, 0.7]]),
    vector([[1, 0.9]]),
  ];
  const ys = [true, true, true, false, false, false];
  const options = { l2: 1e-3, iterations: 300, balanced: false };

  it("separates separable data and is deterministic", () => {
    const model = trainLogistic(xs, ys, 2, options);
    expect(predict(model, vector([[0, 1]]))).toBeGreaterThan(0.9);
    expect(predict(model, vector([[1, 1]]))).toBeLessThan(0.1);
    expect(trainLogistic(xs, ys, 2, options)).toEqual(model);
  });

  it("balancing lifts a rare class", () => {
    const rare = [true, false, false, false, false, false];
    const unbalanced = trainLogistic(xs, rare, 2, options);
    const balanced = trainLogistic(xs, rare, 2, { ...options, balanced: true });
    expect(predict(balanced, xs[0]!)).toBeGreaterThan(predict(unbalanced, xs[0]!));
  });

  it("a lightly penalised feature gets a larger weight", () => {
    const strong = { ...options, l2: 0.5 };
    const plain = trainLogistic(xs, ys, 2, strong);
    const trusted = trainLogistic(xs, ys, 2, strong, new Map([[0, 0.01]]));
    expect(trusted.weights[0]!).toBeGreaterThan(plain.weights[0]!);
  });
});

describe("contribution sentences", () => {
  it("keeps the sentences that say what the paper itself contributes", () => {
    const abstract =
      "Large language models are everywhere. We propose PartGen, a 3D generator. " +
      "It beats baselines by 3.1 points. This paper also introduces a benchmark of meshes.";
    expect(claimSentences(abstract)).toEqual([
      "We propose PartGen, a 3D generator.",
      "This paper also introduces a benchmark of meshes.",
    ]);
    expect(claimSentences("Models are large. They are slow.")).toEqual([]);
  });
});

describe("lexicon rules", () => {
  const truth = [true, true, true, false, false, false];
  const byModel = [true, false, false, false, false, false];
  const options = { minPrecision: 0.75, lexiconRules: [2, 5] };

  it("adds a rule when it finds papers the model missed at the precision floor", () => {
    // Score ≥ 5 adds papers 1 and 2 (both right); ≥ 2 would also add the wrong paper 3.
    expect(chooseLexiconRule(byModel, [0, 6, 5, 2, 0, 0], truth, options)).toBe(5);
  });

  it("keeps the model alone when every rule adds mostly wrong papers", () => {
    expect(chooseLexiconRule(byModel, [0, 0, 0, 6, 6, 2], truth, options)).toBe(Infinity);
  });
});

describe("thresholds and metrics", () => {
  it("takes the best F1 that reaches the precision floor", () => {
    const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    const truth = [true, true, false, true, false, false];
    // Cutting below 0.6 gives P 3/4, R 1; below 0.8 gives P 1, R 2/3.
    expect(chooseThreshold(scores, truth, 0.7)).toBeCloseTo(0.55);
    expect(chooseThreshold(scores, truth, 0.9)).toBeCloseTo(0.75);
  });

  it("switches a topic off when no threshold is precise enough", () => {
    expect(chooseThreshold([0.9, 0.8, 0.7], [false, false, true], 0.75)).toBe(1);
  });

  it("counts per topic and micro-averages", () => {
    const ev = evaluateTopics([["a"], ["a", "b"], []], [["a", "b"], ["b"], ["b"]], ["a", "b"]);
    expect(ev.perTopic.get("a")).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(ev.perTopic.get("b")).toMatchObject({ precision: 1 / 3, recall: 1, support: 1 });
    expect(ev.micro).toMatchObject({ truePositives: 2, falsePositives: 2, falseNegatives: 1 });
    expect(ev.micro.f1).toBeCloseTo(4 / 7);
  });

  it("deals folds round-robin in id order, whatever the input order", () => {
    expect(foldOf([{ id: "c" }, { id: "a" }, { id: "b" }, { id: "d" }], 2)).toEqual([0, 0, 1, 1]);
  });
});

// A tiny corpus: robots, speech, or both; the model must learn which words mean which topic.
const paper = (title: string, abstract = "") => ({
  title,
  abstract,
  ai_keywords: [],
  arxiv_categories: [],
});
function corpus(): LabelledPaper[] {
  const robot = ["grasping arm", "legged locomotion", "robot hand control", "arm manipulation"];
  const speech = ["speech recognition", "spoken dialogue", "voice cloning", "speech synthesis"];
  const labelled: LabelledPaper[] = [];
  for (let i = 0; i < 12; i++) {
    const r = robot[i % robot.length]!;
    const s = speech[i % speech.length]!;
    labelled.push({
      id: `r${i}`,
      paper: paper(`Learning ${r} ${i}`, `We study ${r}.`),
      topics: ["robotics"],
    });
    labelled.push({
      id: `s${i}`,
      paper: paper(`Better ${s} ${i}`, `We study ${s}.`),
      topics: ["speech-audio"],
    });
    if (i % 3 === 0) {
      labelled.push({
        id: `b${i}`,
        paper: paper(`Voice commands for ${r}`, `A robot that follows ${s}.`),
        topics: ["robotics", "speech-audio"],
      });
    }
  }
  return labelled;
}
const SLUGS = ["robotics", "speech-audio"];

describe("topic model training and scoring", () => {
  const options = { ...DEFAULT_TRAINING, folds: 3, minDf: 1 };
  const model = trainTopicModel(corpus(), SLUGS, options);

  it("files unseen papers by what they are about", () => {
    const slugs = (title: string) => classifyPaper(model, paper(title)).map((t) => t.slug);
    expect(slugs("A new arm manipulation policy")).toEqual(["robotics"]);
    expect(slugs("Robust speech recognition in noise")).toEqual(["speech-audio"]);
    expect(slugs("Voice control of a robot arm")).toEqual(expect.arrayContaining(SLUGS));
    expect(slugs("Stock market forecasting")).toEqual([]);
    for (const t of classifyPaper(model, paper("speech synthesis"))) {
      expect(t.score).toBeGreaterThan(0);
      expect(t.score).toBeLessThanOrEqual(1);
    }
  });

  it("trains the same model twice, number for number", () => {
    expect(serialiseTopicModel(trainTopicModel(corpus(), SLUGS, options))).toBe(
      serialiseTopicModel(model),
    );
  });

  it("scores the same after a round trip through its file", () => {
    const reloaded = parseTopicModel(serialiseTopicModel(model));
    const probe = paper("Voice commands for legged locomotion", "speech and robots");
    expect(classifyPaper(reloaded, probe)).toEqual(classifyPaper(model, probe));
    expect(serialiseTopicModel(reloaded)).toBe(serialiseTopicModel(model));
  });

  it("rejects a damaged model file with a one-line reason", () => {
    const text = serialiseTopicModel(model);
    expect(() => parseTopicModel(text.replace('"paperboy-topic-model/1"', '"other/9"'))).toThrow(
      /^not a topic model: format/,
    );
    expect(() => parseTopicModel(text.replace(/"threshold": [\d.]+/, '"threshold": -1'))).toThrow(
      /not a topic model: topics\.0\.threshold/,
    );
    const shortRow = text.replace(/\n {4}\["([^"]+)",([-\d.e]+),/, '\n    ["$1",');
    expect(() => parseTopicModel(shortRow)).toThrow(/terms rows must have 4 entries/);
    expect(() => parseTopicModel("{")).toThrow();
  });
});

describe("decideTopics", () => {
  const model = {
    topics: ["a", "b", "c"].map((slug) => ({ slug, bias: 0, threshold: 0.5, weights: [] })),
    maxTopics: 2,
    fallback: 0.6,
  } as unknown as TopicModel;

  it("keeps topics over their threshold, best first, at most maxTopics", () => {
    expect(decideTopics(model, [0.6, 0.9, 0.7])).toEqual([
      { slug: "b", score: 0.9 },
      { slug: "c", score: 0.7 },
    ]);
  });

  it("gives a topic whose lexicon rule fires, scored with its probability", () => {
    const withRule = {
      ...model,
      topics: model.topics.map((t) => ({ ...t, lexiconMin: t.slug === "a" ? 4 : Infinity })),
    } as TopicModel;
    expect(decideTopics(withRule, [0.1, 0.9, 0.2], [4, 0, 9])).toEqual([
      { slug: "b", score: 0.9 },
      { slug: "a", score: 0.1 },
    ]);
    expect(decideTopics(withRule, [0.1, 0.9, 0.2], [3, 0, 9])).toEqual([{ slug: "b", score: 0.9 }]);
  });

  it("falls back to the best topic only when it is close enough to its threshold", () => {
    expect(decideTopics(model, [0.1, 0.35, 0.2])).toEqual([{ slug: "b", score: 0.35 }]);
    expect(decideTopics(model, [0.1, 0.25, 0.2])).toEqual([]);
  });
});
