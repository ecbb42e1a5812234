import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseArxivFeed } from "../../src/papers/arxiv.ts";
import { parseHfDailyPapers } from "../../src/papers/hf.ts";
import { ingest, ingestHfDay } from "../../src/papers/ingest.ts";
import { cleanText } from "../../src/papers/paper.ts";
import { buildServer } from "../../src/processes/server.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";

/** Issue 19, finding 6: feed text with characters XML 1.0 forbids, and NUL. */

const DATE = "2026-08-17";
/** A raw character XML 1.0 forbids, or a character reference to one (also not well-formed). */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|&#(x0*([0-8bcef]|1[0-9a-f]|fffe|ffff)|0*([0-8]|1[1-9]|2[0-9]|3[01]|65534|65535));/i;

/** Every string in a value (nested arrays and objects), joined, to look for raw characters. */
const allText = (value: unknown): string =>
  typeof value === "string"
    ? value
    : value && typeof value === "object"
      ? Object.values(value).map(allText).join(" ")
      : "";

const HOSTILE = ["\u0001", "\u0008", "\u001B", "\uFFFE", "\uFFFF", "\u000B", "\u000C", "\uD800"];

const item = (id: string, title: string, extra: Record<string, unknown> = {}) => ({
  paper: {
    id,
    title,
    summary: `Abstract of ${title}`,
    authors: [{ name: "Ada Lovelace" }],
    publishedAt: `${DATE}T10:00:00.000Z`,
    submittedOnDailyAt: `${DATE}T12:00:00.000Z`,
    upvotes: 50,
    ai_keywords: ["agents"],
    ...extra,
  },
  numComments: 1,
});

/** Every hostile character in title, abstract, author and keyword; one item with NUL. */
const hostileDay = [
  item("2608.90001", `Escape ${HOSTILE.join("")} sequences`, {
    summary: `An abstract with ${HOSTILE.join(" ")} inside`,
    authors: [{ name: "Eve\u001B[31m Mallory" }],
    ai_keywords: ["bell\u0007", "\uFFFF"],
  }),
  item("2608.90002", "Null \u0000 terminated"),
  item("2608.90003", "A well-behaved title"),
  item("2608.90004", "Nul in the abstract", { summary: "before\u0000after" }),
];

let ctx: TestContext;
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const page = Number(new URL(req.url!, "http://x").searchParams.get("p") ?? 0);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(page === 0 ? hostileDay : []));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx = await createTestContext({ env: { HF_PAPERS_URL: `${base}/api/daily_papers` } });
});
afterAll(async () => {
  await ctx.close();
  await new Promise((ok) => server.close(ok));
});

describe("hostile feed text", () => {
  it("paperboy ingest rejects the NUL items with a reason and keeps the rest, stripped", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "paperboy-hostile-"));
    const file = path.join(dir, `hf-daily-papers-${DATE}.json`);
    writeFileSync(file, JSON.stringify(hostileDay));
    const [report] = await ingest(ctx.deps, [file], { source: "hf" });
    expect(report!.inserted).toBe(2);
    expect(report!.rejected).toEqual([
      { index: 1, reason: "paper.title: contains a NUL character (U+0000)" },
      { index: 3, reason: "paper.abstract: contains a NUL character (U+0000)" },
    ]);
    const stored = await ctx.deps.db
      .selectFrom("papers")
      .select(["id", "title", "abstract", "authors", "ai_keywords"])
      .where("id", "=", "2608.90001")
      .executeTakeFirstOrThrow();
    expect(stored.title).toBe("Escape sequences");
    expect(allText(stored)).not.toMatch(NOT_XML);
    expect(stored.authors).toEqual(["Eve[31m Mallory"]);
  });

  it("the scheduled Hugging Face ingest does the same instead of failing the day", async () => {
    const report = await ingestHfDay(ctx.deps, DATE);
    expect(report.rejected.map((r) => r.index)).toEqual([1, 3]);
    expect(report.inserted + report.updated + report.unchanged).toBe(2);
  });

  it("/feed.xml stays well-formed and JSON Feed valid", async () => {
    const app = await buildServer(ctx.deps);
    try {
      const rss = await app.inject("/feed.xml");
      expect(rss.statusCode).toBe(200);
      expect(rss.body).toContain("Escape sequences");
      expect(rss.body).not.toMatch(NOT_XML);
      expect(XMLValidator.validate(rss.body)).toBe(true);
      expect(new XMLParser().parse(rss.body).rss.channel.item).toBeDefined();
      const json = await app.inject("/feed.json");
      expect(json.statusCode).toBe(200);
      expect(json.body).not.toMatch(/\\u000[0-8bcef]|\\u001[0-9a-f]|\\uffff|\\ufffe/i);
      expect(json.json().items.length).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });

  it("arXiv feeds: control characters stripped, a NUL entry rejected, the rest kept", () => {
    const entry = (id: string, title: string) =>
      `<item><title>${title}</title><link>https://arxiv.org/abs/${id}</link><guid>oai:arXiv.org:${id}v1</guid><description>arXiv:${id}v1 Announce Type: new Abstract: text</description><category>cs.LG</category><creator>A B</creator><announce_type>new</announce_type></item>`;
    const xml = `<?xml version="1.0"?><rss version="2.0"><channel><pubDate>Mon, 17 Aug 2026 00:00:00 -0400</pubDate>${entry(
      "2608.80001",
      `Bell\u0007 and ${HOSTILE.join("")}`,
    )}${entry("2608.80002", "Null\u0000")}${entry("2608.80003", "ref &#1; &#0; text")}</channel></rss>`;
    const { papers, rejected } = parseArxivFeed(xml, { date: DATE });
    expect(papers.map((p) => p.title)).toEqual(["Bell and", "ref text"]);
    expect(rejected).toEqual([
      { index: 1, reason: "2608.80002: title: contains a NUL character (U+0000)" },
    ]);
  });

  it("cleanText never leaves a character XML 1.0 forbids (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const cleaned = cleanText(text.replaceAll("\u0000", ""));
        expect(cleaned).not.toMatch(NOT_XML);
        // Idempotent: cleaning stored text again changes nothing.
        expect(cleanText(cleaned)).toBe(cleaned);
      }),
      { numRuns: 2000 },
    );
  });

  it("any string in any HF field: the item is stored clean or rejected with a reason (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1 }), (text) => {
        const { papers, rejected } = parseHfDailyPapers([item("2608.70001", `T ${text}`)]);
        if (text.includes("\u0000")) {
          expect(rejected[0]?.reason).toMatch(/NUL/);
        } else {
          expect(papers).toHaveLength(1);
          expect(allText(papers[0])).not.toMatch(NOT_XML);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
