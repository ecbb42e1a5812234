import { XMLParser } from "fast-xml-parser";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../../../src/processes/server.ts";
import { SAMPLE_DATES, samplePapers, storePapers } from "../../digests/sample.ts";
import { createTestContext, TEST_ADMIN_TOKEN, type TestContext } from "../../helpers/context.ts";

let ctx: TestContext;
let app: FastifyInstance;
beforeAll(async () => {
  ctx = await createTestContext();
  const papers = SAMPLE_DATES.flatMap((d) =>
    samplePapers(d, { "2608.15265": [["agents", 0.9]], "2608.16798": [["agents", 0.8]] }),
  );
  const evil = {
    ...papers.find((p) => p.id === "2608.15037")!,
    id: "2608.99999",
    title: `<script>alert("x")</script> Planted paper`,
    github_repo: "javascript:alert(1)",
    upvotes: 0,
  };
  await storePapers(ctx.deps.db, [...papers, evil]);
  app = await buildServer(ctx.deps);
});
afterAll(async () => {
  await app?.close();
  await ctx.close();
});

const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

describe("web archive", () => {
  it("lists editions newest first", async () => {
    const res = await app.inject("/digests");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/html");
    const dates = [...res.body.matchAll(/href="\/digests\/(\d{4}-\d{2}-\d{2})"/g)].map((m) => m[1]);
    expect(dates).toEqual([...SAMPLE_DATES].reverse());
    // Each edition shows its top papers, not just a date.
    expect(res.body).toContain('<a href="https://huggingface.co/papers/2608.15265">VibeWorlding');
  });

  it("filters the archive index by topic", async () => {
    const all = await app.inject("/digests");
    const slug = /<option value="([a-z0-9-]+)">/.exec(all.body)![1]!;
    const res = await app.inject(`/digests?topic=${slug}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`<option value="${slug}" selected>`);
    const tops = [...res.body.matchAll(/<ol class="tops">([\s\S]*?)<\/ol>/g)];
    const papers = await ctx.deps.db
      .selectFrom("paper_topics")
      .select("paper_id")
      .where("topic_slug", "=", slug)
      .execute();
    const ids = new Set(papers.map((p) => p.paper_id));
    for (const [, list] of tops) {
      for (const [, id] of list!.matchAll(/papers\/([\d.]+)"/g)) expect(ids.has(id!)).toBe(true);
    }
  });

  it("shows an edition's papers in trending order with links and topics", async () => {
    const res = await app.inject("/digests/2026-08-18");
    expect(res.statusCode).toBe(200);
    const titles = [...res.body.matchAll(/<h3><a href="([^"]+)">([^<]+)<\/a><\/h3>/g)];
    expect(titles).toHaveLength(30);
    expect(titles[0]![1]).toBe("https://huggingface.co/papers/2608.15265");
    expect(titles[0]![2]).toContain("VibeWorlding");
    expect(res.body).toContain('<li class="tag">Agents &amp; tool use</li>');
    expect(res.body).toContain('href="https://arxiv.org/pdf/2608.16798"');
    expect(res.body).toContain('href="/digests/2026-08-17" rel="prev"');
  });

  it("escapes planted markup and drops javascript: links", async () => {
    const res = await app.inject("/digests/2026-08-18");
    expect(res.body).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Planted paper");
    expect(res.body).not.toContain('<script>alert("x")');
    expect(res.body).not.toMatch(/href="javascript:/i);
  });

  it("answers a bad date with 400 and an unknown one with 404", async () => {
    const bad = await app.inject("/digests/2026-02-30");
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("not a date");
    expect((await app.inject("/digests/nonsense")).statusCode).toBe(400);
    const unknown = await app.inject("/digests/2026-08-16");
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain("No edition for 2026-08-16");
  });
});

describe("feeds", () => {
  it("serves valid RSS 2.0 with one item per edition and absolute links", async () => {
    const res = await app.inject("/feed.xml");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/rss+xml; charset=utf-8");
    const doc = new XMLParser({ ignoreAttributes: false }).parse(res.body);
    expect(doc.rss["@_version"]).toBe("2.0");
    const channel = doc.rss.channel;
    expect(channel.title).toBeTruthy();
    expect(channel.link).toBe("https://paperboy.test/digests");
    expect(channel.description).toBeTruthy();
    expect(channel.lastBuildDate).toMatch(RFC822);
    expect(channel["atom:link"]["@_href"]).toBe("https://paperboy.test/feed.xml");
    const items = channel.item as Array<Record<string, unknown>>;
    expect(items).toHaveLength(SAMPLE_DATES.length);
    expect(items[0]!.link).toBe("https://paperboy.test/digests/2026-08-18");
    expect(items[0]!.title).toMatch(/^Aug 18, 2026: 30 papers, top: VibeWorlding/);
    for (const item of items) {
      expect(item.link).toMatch(/^https:\/\/paperboy\.test\/digests\/\d{4}-\d{2}-\d{2}$/);
      expect(item.pubDate).toMatch(RFC822);
      expect((item.guid as Record<string, string>)["#text"]).toBe(item.link);
    }
    // Each item is dated by its edition (not by when it was ingested), newest first.
    expect(items.map((i) => new Date(String(i.pubDate)).toISOString().slice(0, 10))).toEqual(
      [...SAMPLE_DATES].reverse(),
    );
    const content = items[0]!["content:encoded"] as string;
    expect(content).toContain('<a href="https://huggingface.co/papers/2608.15265">');
    expect(content).not.toContain("<script>");
  });

  it("serves JSON Feed 1.1 with its required fields", async () => {
    const res = await app.inject("/feed.json");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/feed+json; charset=utf-8");
    const feed = res.json();
    expect(feed.version).toBe("https://jsonfeed.org/version/1.1");
    expect(feed.title).toBeTruthy();
    expect(feed.home_page_url).toBe("https://paperboy.test/digests");
    expect(feed.feed_url).toBe("https://paperboy.test/feed.json");
    expect(feed.items).toHaveLength(SAMPLE_DATES.length);
    const ids = new Set<string>();
    for (const item of feed.items) {
      expect(typeof item.id).toBe("string");
      ids.add(item.id);
      expect(item.url).toMatch(/^https:\/\/paperboy\.test\/digests\//);
      expect(item.content_html).toContain("<ol>");
      expect(item.date_published).toMatch(RFC3339);
      expect(item.date_modified).toMatch(RFC3339);
    }
    expect(ids.size).toBe(feed.items.length);
  });
});

describe("admin preview", () => {
  let email: string;
  beforeAll(async () => {
    email = "Preview.Reader@example.com";
    const { id } = await ctx.deps.db
      .insertInto("subscribers")
      .values({ email, status: "active" })
      .returning("id")
      .executeTakeFirstOrThrow();
    await ctx.deps.db
      .insertInto("preferences")
      .values({ subscriber_id: id, keywords: ["RL"] })
      .execute();
  });

  const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

  it("needs the admin token", async () => {
    const res = await app.inject(`/admin/preview?email=${encodeURIComponent(email)}`);
    expect(res.statusCode).toBe(401);
  });

  it("shows the reader's digest for the newest edition, or the one asked for", async () => {
    const res = await app.inject({
      url: `/admin/preview?email=${encodeURIComponent("preview.reader@EXAMPLE.com")}`,
      headers: auth,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/html");
    expect(res.headers["content-security-policy"]).not.toContain("script-src");
    expect(res.body).toContain("Your papers for Aug 18</h1>");
    expect(res.body).toContain("keyword: RL");

    const older = await app.inject({
      url: `/admin/preview?email=${encodeURIComponent(email)}&date=2026-08-14`,
      headers: auth,
    });
    expect(older.body).toContain("Your papers for Aug 14</h1>");
  });

  it("answers unknown readers with 404 and bad input with 400", async () => {
    const unknown = await app.inject({
      url: "/admin/preview?email=nobody@example.com",
      headers: auth,
    });
    expect(unknown.statusCode).toBe(404);
    const noEmail = await app.inject({ url: "/admin/preview", headers: auth });
    expect(noEmail.statusCode).toBe(400);
    const badDate = await app.inject({
      url: `/admin/preview?email=${encodeURIComponent(email)}&date=yesterday`,
      headers: auth,
    });
    expect(badDate.statusCode).toBe(400);
  });
});
