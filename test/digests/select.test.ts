import { describe, expect, it } from "vitest";
import { editionWindow } from "../../src/digests/edition.ts";
import { textHasKeyword } from "../../src/digests/keywords.ts";
import { normalizeName } from "../../src/digests/match.ts";
import { selectPapers } from "../../src/digests/select.ts";
import type { SelectionPreferences } from "../../src/digests/types.ts";
import { TOPICS } from "../../src/papers/taxonomy.ts";
import { SAMPLE_DATES, samplePapers, type TopicAssignments, trendingOrder } from "./sample.ts";

const topicNames = Object.fromEntries(TOPICS.map((t) => [t.slug, t.name]));

// Classifier output for a few real papers of 2026-08-18 (selection takes topics as input).
const TOPICS_0818: TopicAssignments = {
  "2608.15265": [
    ["agents", 0.9],
    ["3d-vision", 0.6],
  ], // VibeWorlding, 39 upvotes
  "2608.16859": [["agents", 0.4]], // HarnessEval-W, 36 upvotes
  "2608.16798": [
    ["agents", 0.8],
    ["reinforcement-learning", 0.7],
  ], // ClawGym II, 30 upvotes
  "2608.16887": [["image-generation", 0.9]], // pixel-space diffusion, 17 upvotes
  "2608.16721": [
    ["image-generation", 0.7],
    ["agents", 0.3],
  ], // GenRouter, 15 upvotes
};
const day = samplePapers("2026-08-18", TOPICS_0818);
const none = new Set<string>();

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
const ids = (s: { papers: { paper: { id: string } }[] }) => s.papers.map((p) => p.paper.id);

describe("selectPapers on the real 2026-08-18 edition", () => {
  it("gives a reader without topics, keywords or authors the trending list", () => {
    const s = selectPapers(prefs({ maxPapers: 5 }), day, none, topicNames);
    expect(ids(s)).toEqual(day.slice(0, 5).map((p) => p.id));
    expect(ids(s)[0]).toBe("2608.15265");
    expect(s.papers.every((p) => p.reasons.length === 1 && p.reasons[0]!.kind === "trending")).toBe(
      true,
    );
    expect(s.alsoTrending).toEqual([]);
  });

  it("keeps papers of the chosen topics, with the topic's name as the reason", () => {
    const s = selectPapers(prefs({ topics: ["image-generation"] }), day, none, topicNames);
    expect(ids(s)).toEqual(["2608.16887", "2608.16721"]);
    expect(s.papers[0]!.reasons).toEqual([
      { kind: "topic", label: "topic: Image generation", value: "image-generation" },
    ]);
    // Top papers outside the reader's topics, in trending order.
    expect(s.alsoTrending.map((p) => p.id)).toEqual(["2608.15265", "2608.16859", "2608.16798"]);
  });

  it("ranks a topic-and-keyword match before topic-only ones, and those by upvotes", () => {
    const s = selectPapers(
      prefs({ topics: ["agents", "reinforcement-learning"], keywords: ["harness"] }),
      day,
      none,
      topicNames,
    );
    // HarnessEval-W (▲36) and ClawGym II (▲30) have "harness" in their titles, so they beat
    // VibeWorlding (▲39, a topic only).
    expect(ids(s)).toEqual(["2608.16859", "2608.16798", "2608.15265", "2608.16721"]);
    expect(s.papers[1]!.reasons.map((r) => r.label)).toEqual([
      "keyword: harness",
      "topic: Agents & tool use",
      "topic: Reinforcement learning",
    ]);
    const upvotes = s.papers.slice(2).map((p) => p.paper.upvotes);
    expect(upvotes).toEqual([...upvotes].sort((a, b) => b - a));
  });

  it("matches keywords as whole words, case-insensitively, in title, abstract and AI keywords", () => {
    const rl = selectPapers(prefs({ keywords: ["rl"] }), day, none, topicNames);
    // Papers about RL; HarnessEval-W ("Visual Worlds") and others only contain the letters,
    // and 2608.16072 says "RL" once in passing (too weak alone to be sent).
    expect(ids(rl)).toEqual(["2608.15265", "2608.16798", "2608.15930"]);
    expect(ids(rl)).not.toContain("2608.16859");
    expect(rl.papers[0]!.reasons).toEqual([{ kind: "keyword", label: "keyword: rl", value: "rl" }]);

    // A multi-word keyword only found in VibeWorlding's AI keywords.
    const mcp = selectPapers(prefs({ keywords: ["mcp  TOOLS"] }), day, none, topicNames);
    expect(ids(mcp)).toEqual(["2608.15265"]);

    const diffusion = selectPapers(prefs({ keywords: ["Diffusion"] }), day, none, topicNames);
    expect(ids(diffusion)).toEqual(["2608.16887", "2608.14783", "2608.16143"]);
  });

  it("treats regex metacharacters in keywords literally and never throws on them", () => {
    for (const k of ["(", "a+b", "[x", "\\", ".*", "C++", "?"]) {
      expect(() => selectPapers(prefs({ keywords: [k] }), day, none, topicNames)).not.toThrow();
    }
    expect(selectPapers(prefs({ keywords: [".*"] }), day, none, topicNames).papers).toEqual([]);
    expect(textHasKeyword("written in C++ and Rust", "C++")).toBe(true);
    expect(textHasKeyword("written in C and Rust", "C++")).toBe(false);
    expect(textHasKeyword("see the URL", "RL")).toBe(false);
    expect(textHasKeyword("offline-RL methods", "RL")).toBe(true);
    expect(textHasKeyword("anything at all", "   ")).toBe(false);
  });

  it("follows authors by full name, ignoring case and accents", () => {
    const s = selectPapers(prefs({ authors: ["guanchu WANG"] }), day, none, topicNames);
    expect(ids(s)).toEqual(["2608.15304"]);
    expect(s.papers[0]!.reasons).toEqual([
      { kind: "author", label: "author: Guanchu Wang", value: "Guanchu Wang" },
    ]);
    // A partial name is not a follow.
    expect(selectPapers(prefs({ authors: ["Wang"] }), day, none, topicNames).papers).toEqual([]);

    const older = samplePapers("2024-05-27");
    const jegou = selectPapers(prefs({ authors: ["herve jegou"] }), older, none, topicNames);
    expect(ids(jegou)).toEqual(["2405.15613"]);
    expect(jegou.papers[0]!.reasons[0]!.label).toBe("author: Hervé Jégou");
    expect(normalizeName("  Hervé   JÉGOU ")).toBe("herve jegou");
  });

  it("lists every reason a paper matched, strongest kind first", () => {
    const s = selectPapers(
      prefs({ topics: ["agents"], keywords: ["RL"], authors: ["Yansong Ning"] }),
      day,
      none,
      topicNames,
    );
    expect(s.papers[0]!.paper.id).toBe("2608.15265");
    expect(s.papers[0]!.reasons.map((r) => r.label)).toEqual([
      "author: Yansong Ning",
      "keyword: RL",
      "topic: Agents & tool use",
    ]);
  });

  it("drops papers below the reader's minimum upvotes and cuts to their maximum", () => {
    const s = selectPapers(prefs({ keywords: ["RL"], minUpvotes: 20 }), day, none, topicNames);
    expect(ids(s)).toEqual(["2608.15265", "2608.16798", "2608.15930"]);
    expect(s.papers.every((p) => p.paper.upvotes >= 20)).toBe(true);
    const cut = selectPapers(prefs({ keywords: ["RL"], maxPapers: 2 }), day, none, topicNames);
    expect(ids(cut)).toEqual(["2608.15265", "2608.16798"]);
    const trending = selectPapers(prefs({ minUpvotes: 30 }), day, none, topicNames);
    expect(ids(trending)).toEqual(["2608.15265", "2608.16859", "2608.16798"]);
  });

  it("never repeats papers already sent, not even as also-trending", () => {
    const sent = new Set(["2608.15265", "2608.16859"]);
    const s = selectPapers(prefs({ topics: ["agents"] }), day, sent, topicNames);
    expect(ids(s)).toEqual(["2608.16798", "2608.16721"]);
    const other = selectPapers(prefs({ topics: ["image-generation"] }), day, sent, topicNames);
    expect(other.alsoTrending.map((p) => p.id)).toEqual(["2608.16798", "2608.15930", "2608.13900"]);
    const trending = selectPapers(prefs({ maxPapers: 2 }), day, sent, topicNames);
    expect(ids(trending)).toEqual(["2608.16798", "2608.15930"]);
  });

  it("returns nothing when nothing matches (compose then skips the day)", () => {
    const s = selectPapers(prefs({ topics: ["robotics"] }), day, none, topicNames);
    expect(s.papers).toEqual([]);
    expect(s.alsoTrending).toHaveLength(3);
  });
});

describe("weekly window", () => {
  it("covers the seven days up to the edition date", () => {
    expect(editionWindow("2026-08-18", "weekly")).toEqual({ from: "2026-08-12", to: "2026-08-18" });
    expect(editionWindow("2026-08-18", "daily")).toEqual({ from: "2026-08-18", to: "2026-08-18" });
    expect(editionWindow("2026-03-02", "weekly")).toEqual({ from: "2026-02-24", to: "2026-03-02" });
  });

  it("selects across the whole week of real papers and leaves out older days", () => {
    const all = SAMPLE_DATES.flatMap((d) => samplePapers(d));
    const { from, to } = editionWindow("2026-08-18", "weekly");
    const week = trendingOrder(all.filter((p) => p.listed_on >= from && p.listed_on <= to));
    expect(new Set(week.map((p) => p.listed_on))).toEqual(
      new Set(["2026-08-12", "2026-08-13", "2026-08-14", "2026-08-17", "2026-08-18"]),
    );
    // Xia Hu has papers on 08-10, 08-11 (outside the week), 08-13 and 08-18.
    const s = selectPapers(prefs({ authors: ["Xia Hu"] }), week, none, topicNames);
    expect(ids(s)).toEqual(["2608.00677", "2608.15304"]);
    expect(s.papers.map((p) => p.paper.listed_on)).toEqual(["2026-08-13", "2026-08-18"]);
  });
});
