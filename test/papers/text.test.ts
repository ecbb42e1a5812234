import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addGramCounts,
  containsPhrase,
  countPhrase,
  gramCounts,
  indexOfPhrase,
  ngrams,
  normalise,
  terms,
  words,
} from "../../src/papers/text.ts";

/** Whether a reader's keyword would be found in a paper's text. */
const found = (keyword: string, text: string) => containsPhrase(terms(text), terms(keyword));

describe("normalise and words", () => {
  it("lower-cases, strips accents and treats hyphens, slashes and punctuation as spaces", () => {
    expect(normalise("Élan-Vital / Café, NAÏVE!")).toBe("elan vital cafe naive");
    expect(words("Chain-of-Thought")).toEqual(["chain", "of", "thought"]);
    expect(normalise("ﬁne-tuning")).toBe("fine tuning");
  });

  it("keeps C++ and C# whole and splits letters from digits as a hyphen would", () => {
    expect(words("C++ and C# code")).toEqual(["c++", "and", "c#", "code"]);
    expect(normalise("GPT-4o")).toBe(normalise("GPT4o"));
    expect(normalise("Qwen2.5-VL")).toBe("qwen 2 5 vl");
  });

  it("drops apostrophes and tolerates LaTeX", () => {
    expect(words("the model's")).toEqual(["the", "models"]);
    expect(normalise("$\\mathcal{O}(n^2)$ with \\textbf{LoRA}")).toBe(
      "mathcal o n 2 with textbf lora",
    );
    expect(normalise("$\\pi_0$")).toBe("pi 0");
  });
});

describe("terms (stemmed)", () => {
  it("stems with Porter2, plural acronyms included", () => {
    expect(terms("Transformers reasoning LLMs VLMs agents")).toEqual([
      "transform",
      "reason",
      "llm",
      "vlm",
      "agent",
    ]);
    expect(terms("3D")).toEqual(["3", "d"]);
  });

  it.each([
    ["chain-of-thought", "we elicit long chains of thought"],
    ["transformer", "Vision Transformers at scale"],
    ["GPT-4o", "compared with GPT 4o and Claude"],
    ["gpt4o", "compared with GPT-4o"],
    ["C++", "AI-generated C++ in production"],
    ["text-to-speech", "a Text to Speech system"],
    ["SWE-bench", "resolves 60% of SWE-Bench Verified"],
    ["LLM", "two open LLMs"],
    ["naïve", "a naive baseline"],
    ["reasoning model", "Reasoning Models think longer"],
  ])("keyword %j is found in %j", (keyword, text) => {
    expect(found(keyword, text)).toBe(true);
  });

  it.each([
    ["speech", "speechless encoders"],
    ["agent", "reagents in chemistry"],
    ["C++", "written in C"],
    ["C", "written in C++"],
    ["chain of thought", "thought chain"],
    ["", "anything"],
  ])("keyword %j is not found in %j", (keyword, text) => {
    expect(found(keyword, text)).toBe(false);
  });
});

describe("phrases and n-grams", () => {
  const stream = ["a", "b", "a", "b", "c", "a", "b"];

  it("finds, counts and locates contiguous runs", () => {
    expect(indexOfPhrase(stream, ["a", "b", "c"])).toBe(2);
    expect(indexOfPhrase(stream, ["b", "a"], 2)).toBe(-1);
    expect(countPhrase(stream, ["a", "b"])).toBe(3);
    expect(countPhrase(["a", "a", "a"], ["a", "a"])).toBe(1);
    expect(containsPhrase(stream, ["c", "b"])).toBe(false);
    expect(containsPhrase(["a"], ["a", "b"])).toBe(false);
  });

  it("builds n-grams and weighted unigram + bigram counts", () => {
    expect(ngrams(["x", "y", "z"], 2)).toEqual(["x y", "y z"]);
    expect(ngrams(["x"], 2)).toEqual([]);
    expect(Object.fromEntries(gramCounts("Agents, agents!"))).toEqual({
      agent: 2,
      "agent agent": 1,
    });
    const bag = addGramCounts(new Map([["x", 1]]), ["x", "y"], 3);
    expect(Object.fromEntries(addGramCounts(bag, ["y"]))).toEqual({ x: 4, y: 4, "x y": 3 });
  });
});

describe("properties", () => {
  const anyText = fc.string({ unit: "binary", maxLength: 200 });
  // Latin letters with and without accents, digits, separators: what case-folding must ignore.
  const latin = fc.string({
    unit: fc.constantFrom(..."aAbBeEéÉèÈiIoOöÖsSnNñÑcC0123 -_/.,+#'’".split("")),
    maxLength: 60,
  });

  it("never throws and always yields normalised words", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const stemmed = terms(text);
        for (const term of stemmed) expect(term).toMatch(/^\S+$/u);
        expect(normalise(text).split(" ").filter(Boolean)).toEqual(words(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("normalisation is idempotent", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(normalise(normalise(text))).toBe(normalise(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("a hyphen or a slash is a space", () => {
    fc.assert(
      fc.property(fc.array(latin, { maxLength: 5 }), (parts) => {
        expect(terms(parts.join("-"))).toEqual(terms(parts.join(" ")));
        expect(terms(parts.join("/"))).toEqual(terms(parts.join(" ")));
      }),
    );
  });

  it("case and accents are ignored", () => {
    fc.assert(
      fc.property(latin, (text) => {
        const plain = text.normalize("NFKD").replace(/\p{M}/gu, "");
        expect(terms(text.toUpperCase())).toEqual(terms(text.toLowerCase()));
        expect(terms(text)).toEqual(terms(plain));
      }),
    );
  });

  it("a phrase taken from a text is always found in it", () => {
    fc.assert(
      fc.property(anyText, fc.nat(), fc.nat(), (text, a, b) => {
        const all = terms(text);
        if (all.length === 0) return;
        const start = a % all.length;
        const needle = all.slice(start, start + 1 + (b % 3));
        expect(containsPhrase(all, needle)).toBe(true);
      }),
    );
  });
});
