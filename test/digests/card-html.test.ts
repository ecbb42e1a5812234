import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDigestComposer } from "../../src/digests/compose.ts";
import type { ComposeInput, DigestComposer } from "../../src/digests/types.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { SAMPLE_DATES, samplePapers } from "./sample.ts";

let ctx: TestContext;
let split: DigestComposer;
let whole: DigestComposer;
beforeAll(async () => {
  ctx = await createTestContext();
  split = await createDigestComposer(ctx.deps);
  whole = await createDigestComposer(ctx.deps, undefined, { splitCards: false });
});
afterAll(() => ctx.close());

const TOPICS = ["agents", "reinforcement-learning", "llms", "reasoning", "multimodal"];

/** Reader i of a varied crowd: topics, keywords, sizes, weekly or daily, sent before or not. */
function reader(i: number, papers: ComposeInput["papers"]): ComposeInput {
  const topics = TOPICS.filter((_, t) => (i >> t) & 1);
  return {
    subscriber: { id: 100 + i, email: `reader${i}@example.com`, token_version: 1 + (i % 3) },
    preferences: {
      topics,
      keywords: i % 4 === 0 ? ["diffusion", "agent"] : i % 4 === 1 ? ["model"] : [],
      authors: [],
      maxPapers: [3, 10, 20, 50][i % 4]!,
      minUpvotes: i % 5,
      skipEmpty: false,
      frequency: i % 7 === 0 ? "weekly" : "daily",
    },
    editionDate: "2026-08-18",
    papers: papers.map((p, n) => ({
      ...p,
      topics: [{ slug: TOPICS[n % TOPICS.length]!, score: 0.5 + (n % 5) / 10 }],
    })),
    alreadySent: new Set(i % 3 === 0 ? papers.slice(0, 3).map((p) => p.id) : []),
  };
}

describe("digest cards rendered once per edition", () => {
  it("give byte for byte the mail of the whole template rendered per reader", () => {
    let compared = 0;
    for (const date of SAMPLE_DATES.slice(-3)) {
      const papers = samplePapers(date);
      // Readers share the edition's paper objects, as in a batch; the split composer keeps
      // each card's markup and must splice every reader's own links into the right card.
      const inputs = Array.from({ length: 40 }, (_, i) => reader(i, papers));
      for (const input of inputs) {
        const a = split.compose(input);
        const b = whole.compose(input);
        // The mail itself (html joined); the pieces differ by design.
        expect(a && { ...a, htmlParts: null }).toEqual(b && { ...b, htmlParts: null });
        if (a) compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it("puts each reader's own feedback and mute links in their own mail only", () => {
    const papers = samplePapers("2026-08-18");
    const one = split.compose(reader(3, papers))!;
    const other = split.compose(reader(3 + 32, papers))!;
    const links = (html: string): string[] =>
      html.match(/\/(feedback|mute)\/[A-Za-z0-9_.-]+/g) ?? [];
    expect(links(one.html).length).toBeGreaterThan(0);
    expect(links(one.html).filter((l) => links(other.html).includes(l))).toEqual([]);
  });
});
