import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDigestComposer } from "../../src/digests/compose.ts";
import type { ComposeInput, DigestComposer } from "../../src/digests/types.ts";
import { preferencesPatchSchema } from "../../src/subscribers/validation.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { samplePapers } from "./sample.ts";

let ctx: TestContext;
let composer: DigestComposer;
beforeAll(async () => {
  ctx = await createTestContext();
  composer = await createDigestComposer(ctx.deps);
});
afterAll(() => ctx.close());

const day = samplePapers("2026-08-11", { "2608.09802": [["agents", 0.8]] });

/** Keywords as readers type them: hyphens, digits, regex and HTML characters, any Unicode. */
const piece = fc.oneof(
  fc.constantFrom(
    "SWE-bench",
    "chain-of-thought",
    "GPT-4o",
    "text-to-speech",
    "C++",
    "RL",
    "(",
    "\\",
  ),
  fc.constantFrom(
    "agents",
    "Transformers",
    "reasoning",
    "naïve",
    "<b>",
    "&amp;",
    "a.b",
    "[x",
    "$^",
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
);
const keyword = fc.array(piece, { minLength: 1, maxLength: 4 }).chain((parts) =>
  fc
    .array(fc.constantFrom(" ", "-", "/", "_", ""), {
      minLength: parts.length - 1,
      maxLength: parts.length - 1,
    })
    .map((seps) => parts.map((p, i) => (i ? seps[i - 1]! : "") + p).join("")),
);
const keywordList = fc.array(keyword, { maxLength: 8 });

function input(keywords: string[], mutedKeywords: string[], authors: string[]): ComposeInput {
  return {
    subscriber: { id: 7, email: "reader@example.com", token_version: 1 },
    preferences: {
      topics: ["agents"],
      keywords,
      authors,
      mutes: { topics: [], keywords: mutedKeywords, authors: [] },
      maxPapers: 10,
      minUpvotes: 0,
      skipEmpty: false,
      frequency: "daily",
    },
    editionDate: "2026-08-11",
    papers: day,
    alreadySent: new Set(),
  };
}

describe("every keyword list the API accepts composes a digest", () => {
  it("through the real composer, with keywords, mutes and authors from the same schema", () => {
    let accepted = 0;
    fc.assert(
      fc.property(keywordList, keywordList, keywordList, (keywords, muted, authors) => {
        const parsed = preferencesPatchSchema.safeParse({
          keywords,
          muted_keywords: muted,
          authors,
        });
        if (!parsed.success) return; // the API answers 400; nothing is stored
        accepted++;
        const p = parsed.data;
        const digest = composer.compose(input(p.keywords!, p.muted_keywords!, p.authors!));
        expect(digest).not.toBeNull();
        expect(digest!.html).toContain("</html>");
        expect(digest!.text.length).toBeGreaterThan(0);
        // Every picked paper says why, and a muted keyword never sends its paper.
        for (const m of p.muted_keywords!) {
          const alone = composer.compose(input([m], [m], []));
          expect(alone!.html).not.toContain(`keyword: ${m}<`);
        }
      }),
      { numRuns: 150 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
