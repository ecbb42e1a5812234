import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  paperHasKeyword,
  paperKeywordHit,
  parseKeyword,
  textHasKeyword,
} from "../../src/digests/keywords.ts";
import { selectPapers } from "../../src/digests/select.ts";
import type { SelectionPreferences } from "../../src/digests/types.ts";
import type { EditionPaper } from "../../src/papers/repository.ts";
import { TOPICS } from "../../src/papers/taxonomy.ts";
import { samplePapers } from "./sample.ts";

const topicNames = Object.fromEntries(TOPICS.map((t) => [t.slug, t.name]));
const none = new Set<string>();
const prefs = (over: Partial<SelectionPreferences> = {}): SelectionPreferences => ({
  topics: [],
  keywords: [],
  authors: [],
  maxPapers: 10,
  minUpvotes: 0,
  skipEmpty: true,
  ...over,
});
const ids = (s: { papers: { paper: { id: string } }[] }) => s.papers.map((p) => p.paper.id);

const aug11 = samplePapers("2026-08-11", { "2608.09802": [["agents", 0.8]] });
const aug12 = samplePapers("2026-08-12");

/** A made-up paper, shaped as the repository returns it. */
function paper(id: string, over: Partial<EditionPaper>): EditionPaper {
  return { ...aug11[0]!, id, title: "", abstract: "", ai_keywords: [], authors: [], ...over };
}

describe("keywords as readers type them", () => {
  it("a hyphenated keyword no longer throws, and finds the paper (regression: no mail at all)", () => {
    // Before: keywordMatcher built /SWE\-bench/u, "Invalid escape", and the reader got no digest.
    for (const k of ["SWE-bench", "chain-of-thought", "GPT-4o", "text-to-speech"]) {
      expect(() => selectPapers(prefs({ keywords: [k] }), aug11, none, topicNames)).not.toThrow();
    }
    const swe = selectPapers(prefs({ keywords: ["SWE-bench"] }), aug11, none, topicNames);
    expect(ids(swe)).toContain("2608.09802");
    // Mentioned once in its abstract: a match (a mute would hide it), too weak alone to send.
    const cotPaper = aug11.find((p) => p.id === "2608.09867")!;
    expect(paperKeywordHit(cotPaper, parseKeyword("chain-of-thought"))).toBe(1);
    expect(ids(selectPapers(prefs({ keywords: ["swe bench"] }), aug12, none, topicNames))).toEqual(
      ids(selectPapers(prefs({ keywords: ["SWE-bench"] }), aug12, none, topicNames)),
    );
  });

  it("matches inflections, ignores case, accents and hyphens, and keeps to whole words", () => {
    expect(textHasKeyword("Vision Transformers at scale", "transformer")).toBe(true);
    expect(textHasKeyword("a transformer", "Transformers")).toBe(true);
    expect(textHasKeyword("we study reasoning models", "reason")).toBe(true);
    expect(textHasKeyword("models reasoned step by step", "reasoning")).toBe(true);
    expect(textHasKeyword("chain of thought prompting", "chain-of-thought")).toBe(true);
    expect(textHasKeyword("Chain-of-Thought prompting", "chain of thought")).toBe(true);
    expect(textHasKeyword("compared with GPT-4o and Claude", "gpt-4o")).toBe(true);
    expect(textHasKeyword("a naïve Bayes baseline", "NAIVE bayes")).toBe(true);
    expect(textHasKeyword("the URL of the page", "RL")).toBe(false);
    expect(textHasKeyword("offline RL", "RL")).toBe(true);
    expect(textHasKeyword("thought chain of", "chain of thought")).toBe(false);
    expect(textHasKeyword("transformation", "transformer")).toBe(true); // a stemmer's conflation
    expect(textHasKeyword("the transform", "transformers")).toBe(true);
    expect(textHasKeyword("a preformer", "transformer")).toBe(false);
  });

  it("never matches a phrase across the title and the abstract", () => {
    const p = paper("x.1", { title: "Learning in chains", abstract: "Of thought we say nothing." });
    expect(ids(selectPapers(prefs({ keywords: ["chain of thought"] }), [p], none, {}))).toEqual([]);
    expect(ids(selectPapers(prefs({ keywords: ["chains"] }), [p], none, {}))).toEqual(["x.1"]);
    const q = paper("x.2", { ai_keywords: ["Chain-of-Thought"] });
    expect(ids(selectPapers(prefs({ keywords: ["chain of thoughts"] }), [q], none, {}))).toEqual([
      "x.2",
    ]);
  });

  it("takes any text at all without throwing; a keyword without words matches nothing", () => {
    expect(parseKeyword("!!! ---").terms).toEqual([]);
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "binary", maxLength: 60 }), { maxLength: 5 }),
        (ks) => {
          const s = selectPapers(prefs({ keywords: ks }), aug11, none, topicNames);
          for (const p of s.papers) expect(p.reasons.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("mutes", () => {
  const agentPaper = paper("m.1", {
    title: "Coding agents for SWE-bench",
    upvotes: 50,
    authors: ["José Pérez"],
    topics: [{ slug: "agents", score: 0.9 }],
  });
  const other = paper("m.2", {
    title: "Diffusion for images",
    upvotes: 10,
    topics: [{ slug: "image-generation", score: 0.9 }],
  });
  const papers = [agentPaper, other];
  const mutes = { topics: [] as string[], keywords: [] as string[], authors: [] as string[] };

  it("drops a paper with a muted topic, keyword or author, in every path", () => {
    const wide = prefs({ topics: ["agents", "image-generation"] });
    expect(ids(selectPapers(wide, papers, none, {}))).toEqual(["m.1", "m.2"]);
    const cases = [
      { ...mutes, topics: ["agents"] },
      { ...mutes, keywords: ["swe bench"] },
      { ...mutes, keywords: ["coding agent"] },
      { ...mutes, authors: ["jose perez"] },
    ];
    for (const m of cases) {
      expect(ids(selectPapers({ ...wide, mutes: m }, papers, none, {}))).toEqual(["m.2"]);
      // No preferences: the trending list, muted paper left out too.
      const trending = selectPapers(prefs({ mutes: m }), papers, none, {});
      expect(ids(trending)).toEqual(["m.2"]);
      // Nor is it mentioned as also-trending.
      const narrow = selectPapers(
        { ...prefs({ topics: ["image-generation"] }), mutes: m },
        papers,
        none,
        {},
      );
      expect(narrow.alsoTrending.map((p) => p.id)).not.toContain("m.1");
    }
    // A mute that matches nothing changes nothing; empty mutes change nothing.
    const unrelated = { ...mutes, keywords: ["quantum"], authors: ["Nobody"] };
    expect(ids(selectPapers({ ...wide, mutes: unrelated }, papers, none, {}))).toEqual([
      "m.1",
      "m.2",
    ]);
  });

  it("wins over a followed author or keyword", () => {
    const m = { ...mutes, topics: ["agents"] };
    const s = selectPapers(prefs({ authors: ["José Pérez"], mutes: m }), papers, none, {});
    expect(ids(s)).toEqual([]);
  });

  it("carries a mute value on each reason: slug, keyword as typed, author as listed", () => {
    const s = selectPapers(
      prefs({ topics: ["agents"], keywords: [" SWE-bench "], authors: ["jose perez"] }),
      papers,
      none,
      topicNames,
    );
    expect(s.papers[0]!.reasons.map((r) => [r.kind, r.value])).toEqual([
      ["author", "José Pérez"],
      ["keyword", "SWE-bench"],
      ["topic", "agents"],
    ]);
  });
});

describe("how a keyword occurs in a paper", () => {
  const k = parseKeyword("KV-cache");
  it("tells a paper about the subject from one that mentions it once in passing", () => {
    const titled = paper("t1", { title: "Compressing the KV cache", abstract: "We study memory." });
    const tagged = paper("t2", { title: "Serving", abstract: "Fast.", ai_keywords: ["KV cache"] });
    const repeated = paper("t3", { abstract: "The KV cache grows; we prune the KV caches." });
    const passing = paper("t4", { title: "Video", abstract: "Unlike a KV cache, our memory…" });
    const absent = paper("t5", { title: "Video", abstract: "Nothing about it." });
    expect([titled, tagged, repeated, passing, absent].map((p) => paperKeywordHit(p, k))).toEqual([
      2, 2, 2, 1, 0,
    ]);
    expect(paperHasKeyword(passing, k)).toBe(true);
  });

  it("ranks a paper about the keyword above one that only mentions it, at equal upvotes", () => {
    const about = paper("about", { title: "KV-cache eviction", upvotes: 5 });
    const passing = paper("passing", { abstract: "Unlike a KV cache, we…", upvotes: 5 });
    const picked = selectPapers(
      prefs({ keywords: ["KV-cache"] }),
      [passing, about],
      none,
      topicNames,
    );
    expect(ids(picked)[0]).toBe("about");
  });
});
