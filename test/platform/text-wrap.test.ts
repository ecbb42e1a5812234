import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { wrap } from "../../src/platform/text-wrap.ts";

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
