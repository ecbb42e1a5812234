import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { latexToText } from "../../src/digests/latex.ts";

describe("latexToText", () => {
  it.each([
    ["UI2Code$^\\text{N}$, a visual language model", "UI2Codeᴺ, a visual language model"],
    ['Ahmet \\"Ust\\"un', "Ahmet Üstün"],
    ['\\"{U}st\\"{u}n and Dvo\\v{r}\\\'ak', "Üstün and Dvořák"],
    ["a 16.7\\% gain at 16\\,FPS", "a 16.7% gain at 16 FPS"],
    ["the same \\(TPP\\), or $O(n^2)$ and $x_{ij}$", "the same TPP, or O(n²) and xᵢⱼ"],
    ["we propose \\textbf{Ventor-QTest}, a", "we propose Ventor-QTest, a"],
    ["$\\alpha$-divergence $\\leq$ 1", "α-divergence ≤ 1"],
    ["This ``scaling'' law", 'This "scaling" law'],
  ])("%s → %s", (input, output) => {
    expect(latexToText(input)).toBe(output);
  });

  it("leaves money alone: a lone $ is a price, not math", () => {
    for (const s of ["Serving LLaMA-70B on $60 GPUs", "costs $8.1 per manuscript and $3 more"]) {
      expect(latexToText(s)).toBe(s);
    }
  });

  it("returns text without LaTeX characters unchanged", () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/[\\$^_{}`']/.test(s)),
        (s) => latexToText(s) === s,
      ),
    );
  });

  it("never throws and never grows a string by much, whatever the feed sends", () => {
    const latexish = fc.array(
      fc.constantFrom("\\", "$", "^", "_", "{", "}", "\\text", '\\"', "a", "U", " ", "(", ")", "%"),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          latexish.map((parts) => parts.join("")),
        ),
        (s) => {
          const out = latexToText(s);
          expect(typeof out).toBe("string");
          expect(out.length).toBeLessThanOrEqual(s.length + 4);
        },
      ),
    );
  });
});
