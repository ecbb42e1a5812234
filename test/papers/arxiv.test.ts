import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseArxivFeed } from "../../src/papers/arxiv.ts";
import { SourceError } from "../../src/papers/paper.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/arxiv/${name}`, import.meta.url), "utf8");

describe("arXiv parser", () => {
  it("reads an export API answer: versionless ids, primary category first, authors", () => {
    const { papers, rejected } = parseArxivFeed(fixture("api-query.xml"));
    expect(rejected).toEqual([]);
    expect(papers.map((p) => p.id)).toEqual(["1706.03762", "2303.08774", "hep-ex/0307015"]);
    const attention = papers[0]!;
    expect(attention.title).toBe("Attention Is All You Need");
    expect(attention.arxiv_categories).toEqual(["cs.CL", "cs.LG"]);
    expect(attention.authors).toHaveLength(8);
    expect(attention.authors[0]).toBe("Ashish Vaswani");
    expect(attention.abstract).toMatch(/^The dominant sequence transduction models/);
    expect(attention.abstract).not.toContain("\n");
    expect(attention.published_at?.toISOString()).toBe("2017-06-12T17:57:34.000Z");
    expect(attention.listed_on).toBe("2017-06-12");
    expect(attention.announce_type).toBeNull();
    expect(attention.source).toBe("arxiv");
    expect(papers[1]!.authors).toEqual(["OpenAI"]);
    expect(papers[2]!.title).toBe(
      "Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA",
    );
  });

  it("files API results under --date when given", () => {
    const { papers } = parseArxivFeed(fixture("api-query.xml"), { date: "2026-08-18" });
    expect(papers.every((p) => p.listed_on === "2026-08-18")).toBe(true);
  });

  it("turns an API error entry into one clear error", () => {
    expect(() => parseArxivFeed(fixture("api-error.xml"))).toThrow(
      /arXiv API error: incorrect id format for 1234.12345/,
    );
  });

  it("reads the RSS listing: announce types, categories, dc:creator, abstract without prefix", () => {
    const { papers, rejected } = parseArxivFeed(fixture("rss-cs.AI.xml"));
    expect(rejected).toEqual([]);
    expect(papers.map((p) => [p.id, p.announce_type])).toEqual([
      ["2509.13332", "new"],
      ["2509.13333", "new"],
      ["2509.13338", "cross"],
      ["2407.21783", "replace"],
    ]);
    const judges = papers[0]!;
    expect(judges.arxiv_categories).toEqual(["cs.AI", "cs.CL"]);
    expect(judges.authors).toEqual([
      "Pratik Jayarao",
      "Himanshu Gupta",
      "Neeraj Varshney",
      "Chaitanya Dwivedi",
    ]);
    expect(judges.abstract).toMatch(/^As Large Language Models \(LLMs\) are increasingly/);
    // The announcement day (midnight in New York) is the edition.
    expect(papers.every((p) => p.listed_on === "2025-09-18")).toBe(true);
    expect(papers[2]!.abstract).toContain("embedding space & their");
    expect(papers[3]!.authors.at(-1)).toBe("Abhinav Pandey");
  });

  it("reads the Atom listing: oai ids with versions, LaTeX kept, replace-cross", () => {
    const { papers } = parseArxivFeed(fixture("atom-cs.LG.xml"));
    expect(papers.map((p) => [p.id, p.announce_type, p.listed_on])).toEqual([
      ["2508.13435", "new", "2025-08-19"],
      ["2508.13512", "cross", "2025-08-19"],
      ["2203.01250", "replace-cross", "2025-08-19"],
    ]);
    expect(papers[1]!.title).toBe(
      "Quantized Low-Rank Adaptation with $\\mathcal{O}(1)$ Memory Overhead",
    );
    expect(papers[2]!.arxiv_categories).toEqual(["math.AP", "math.OC"]);
    expect(papers[0]!.authors).toEqual([
      "Jiayu Fang",
      "Zhiqi Shao",
      "S T Boris Choy",
      "Junbin Gao",
    ]);
  });

  it("rejects an entry without an id and keeps the others", () => {
    const broken = fixture("atom-cs.LG.xml").replace("oai:arXiv.org:2508.13435v1", "");
    const { papers, rejected } = parseArxivFeed(broken);
    expect(papers).toHaveLength(2);
    expect(rejected).toEqual([{ index: 0, reason: "id '' is not an arXiv id" }]);
  });

  it("refuses text that is not XML or not a feed", () => {
    expect(() => parseArxivFeed("[1, 2]")).toThrow(SourceError);
    expect(() => parseArxivFeed("<feed><entry></feed>")).toThrow(/not valid XML/);
    expect(() => parseArxivFeed("<html><body>hi</body></html>")).toThrow(/not an arXiv feed/);
  });
});
