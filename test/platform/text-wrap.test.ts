import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { wrap, wrapWithWord } from "../../src/platform/text-wrap.ts";

describe("wrap", () => {
  it("breaks at spaces with a hanging indent and never splits a long URL", () => {
    const url = `https://example.org/${"x".repeat(90)}`;
    expect(
      wrap(`A title that is long enough to need a second line here ${url} end`, "1. ", "   ", 40),
    ).toEqual([
      "1. A title that is long enough to need a",
      "   second line here",
      `   ${url}`,
      "   end",
    ]);
  });

  it("keeps every word in order, and every line within the width unless one word is wider", () => {
    const word = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9.:/-]{0,29}$/);
    fc.assert(
      fc.property(
        fc.array(word, { maxLength: 40 }),
        fc.integer({ min: 20, max: 100 }),
        (words, width) => {
          const lines = wrap(words.join(" "), "- ", "  ", width);
          expect(lines.join(" ").split(/\s+/).filter(Boolean).slice(1)).toEqual(words);
          for (const line of lines) {
            if (line.length > width) expect(line.slice(2)).not.toContain(" ");
          }
        },
      ),
    );
  });

  it("counts characters, not UTF-16 units: emoji and accents fit as a reader sees them", () => {
    const line = `${"é".repeat(30)} ${"😀".repeat(9)}`; // 40 characters, 48 UTF-16 units
    expect(wrap(line, "", "", 40)).toEqual([line]);
    expect(wrap(`${line} x`, "", "", 40)).toEqual([line, "x"]);
  });
});

describe("wrapWithWord", () => {
  it("adds a word exactly as wrapping the whole text again would", () => {
    const word = fc.stringMatching(/^[^\s]{1,120}$/);
    const label = fc
      .array(fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constant("🙂 ä")), {
        minLength: 1,
        maxLength: 6,
      })
      .map((parts) => `${parts.join(" ")} x`);
    fc.assert(
      fc.property(label, word, fc.constantFrom("", "   "), (text, w, first) => {
        const rest = `${first}  `;
        expect(wrapWithWord(wrap(text, first, rest), w, rest)).toEqual(
          wrap(`${text} ${w}`, first, rest),
        );
      }),
    );
  });

  it("puts a reader's long link under its label and a short one beside it", () => {
    const url = `https://paperboy.example.org/feedback/${"a".repeat(90)}`;
    expect(wrapWithWord(wrap("More like this:", "   ", "     "), url, "     ")).toEqual([
      "   More like this:",
      `     ${url}`,
    ]);
    expect(wrapWithWord(["   Mute Agents:"], "https://x.org/m/1", "     ")).toEqual([
      "   Mute Agents: https://x.org/m/1",
    ]);
  });
});
