import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDigestComposer } from "../../src/digests/compose.ts";
import type { ComposedDigest, ComposeInput } from "../../src/digests/types.ts";
import type { EditionPaper } from "../../src/papers/repository.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { createMailer } from "../../src/platform/mailer.ts";
import { verifyToken } from "../../src/subscribers/tokens.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import type { ReceivedMail } from "../helpers/smtp.ts";
import { samplePapers } from "./sample.ts";

let ctx: TestContext;
let composer: Awaited<ReturnType<typeof createDigestComposer>>;
beforeAll(async () => {
  ctx = await createTestContext();
  composer = await createDigestComposer(ctx.deps);
});
afterAll(() => ctx.close());

const day = samplePapers("2026-08-18", {
  "2608.16798": [
    ["agents", 0.8],
    ["reinforcement-learning", 0.7],
  ],
  "2608.15265": [["agents", 0.9]],
});

function input(over: Partial<ComposeInput> = {}, prefs: Partial<ComposeInput["preferences"]> = {}) {
  return {
    subscriber: { id: 42, email: "reader@example.com", token_version: 1 },
    preferences: {
      topics: ["agents", "reinforcement-learning"],
      keywords: ["diffusion", "harness"],
      authors: [],
      maxPapers: 10,
      minUpvotes: 0,
      skipEmpty: true,
      frequency: "daily" as const,
      ...prefs,
    },
    editionDate: "2026-08-18",
    papers: day,
    alreadySent: new Set<string>(),
    ...over,
  } satisfies ComposeInput;
}

async function deliver(digest: ComposedDigest, to = "reader@example.com"): Promise<ReceivedMail> {
  ctx.smtp.clear();
  await ctx.deps.mailer.send({ to, ...digest });
  const [mail] = await ctx.smtp.waitFor(1);
  return mail!;
}

/** A header's value as sent, unfolded (nodemailer folds long lines). */
function header(raw: string, name: string): string | undefined {
  const head = raw.slice(0, raw.search(/\r?\n\r?\n/)).replace(/\r?\n[ \t]+/g, " ");
  const line = head
    .split(/\r?\n/)
    .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

function paper(over: Partial<EditionPaper>): EditionPaper {
  return { ...day[0]!, topics: [{ slug: "agents", score: 1 }], ...over };
}

describe("composed digest", () => {
  it("arrives as multipart/alternative with both parts, reasons, links and list headers", async () => {
    const digest = composer.compose(input())!;
    const mail = await deliver(digest);
    const { parsed } = mail;

    // Short, and the top paper first.
    expect(parsed.subject).toBe("ClawGym II: Exploring Black-Box RL on Agent Harness + 1 more");
    expect(mail.raw).toMatch(/Content-Type: multipart\/alternative/i);
    expect(parsed.messageId).toBe("<digest.42.2026-08-18@paperboy.test>");

    const listUnsubscribe = header(mail.raw, "List-Unsubscribe")!;
    expect(listUnsubscribe).toMatch(/^<https:\/\/paperboy\.test\/unsubscribe\/[\w-]+\.[\w-]+>$/);
    const unsubscribe = { url: listUnsubscribe.slice(1, -1) };
    const token = unsubscribe.url.split("/").pop();
    expect(verifyToken(ctx.config.APP_SECRET, token, "unsubscribe", new Date())).toMatchObject({
      subscriberId: 42,
    });
    expect(header(mail.raw, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    expect(header(mail.raw, "List-Id")).toBe("Paperboy <paperboy.test>");

    const html = parsed.html as string;
    expect(html).toContain('href="https://huggingface.co/papers/2608.16798"');
    expect(html).toContain('href="https://arxiv.org/pdf/2608.16798"');
    expect(html).toContain('href="https://github.com/usail-hkust/VibeWorlding-Gym"');
    expect(html).toContain("topic: Agents &amp; tool use");
    expect(html).toContain("keyword: harness");
    expect(html).toContain("Also trending, Aug 18");
    expect(html).toContain("<h1");
    expect(html).toMatch(
      /<h2 class="t"[^>]*><a href="https:\/\/huggingface\.co\/papers\/2608\.16798">/,
    );
    // Labelled counts, organisation and the arXiv abstract; links named per paper.
    expect(html).toContain("▲ 30 upvotes · 1 comment · ★ 33 GitHub stars");
    expect(html).toContain("<b>Renmin University of China</b>");
    expect(html).toContain(
      'href="https://arxiv.org/abs/2608.16798" aria-label="Abstract: ClawGym II"',
    );
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain("prefers-color-scheme: dark");
    // Readable without images: every image (if any) has alt text, and all content is text.
    for (const img of html.match(/<img\b[^>]*>/gi) ?? []) expect(img).toMatch(/\balt="/);
    expect(html).toContain(`href="${unsubscribe.url}"`);
    expect(html).toMatch(/href="https:\/\/paperboy\.test\/preferences\/[\w.-]+"/);
    // Authors are shortened: VibeWorlding has eight.
    expect(html).toContain("Yansong Ning, Jingwen Ye, Zhongkai Wu et al.");

    // Wrapped at 76 columns: compare across line breaks.
    const text = parsed.text!.replace(/\s+/g, " ");
    expect(text).toContain("1. ClawGym II: Exploring Black-Box RL on Agent Harness");
    expect(text).toContain("https://huggingface.co/papers/2608.16798");
    expect(text).toContain("topic: Agents & tool use · topic: Reinforcement learning");
    expect(text).toContain(`Unsubscribe: ${unsubscribe.url}`);
    expect(text).toMatch(/Manage preferences: https:\/\/paperboy\.test\/preferences\//);
    expect(text).toContain("because reader@example.com subscribed");
    for (const line of parsed.text!.split(/\r?\n/)) {
      if (line.length > 76)
        expect(line.trim(), "only a lone URL may pass 76 columns").not.toContain(" ");
    }

    // Relevance blended with popularity (rank.ts): a topic with a keyword (▲30) before a topic
    // alone (▲39); the "diffusion" papers lie outside the ticked topics, too weak alone
    // (match.ts); also-trending papers follow.
    expect(digest.paperIds.slice(0, 2)).toEqual(["2608.16798", "2608.15265"]);
    expect(digest.paperIds).not.toContain("2608.16887");
  });

  it("uses the AI summary, or the abstract's start cut on a word boundary", () => {
    const noSummary = paper({ ai_summary: null, abstract: `${"word ".repeat(200)}end` });
    const digest = composer.compose(input({ papers: [noSummary] }))!;
    const blurb = /word (?:word )+word…/.exec(digest.text.replace(/\s+/g, " "))![0];
    expect(blurb.length).toBeLessThanOrEqual(301);
    expect(digest.html).toContain(day[0]!.title);
    const withSummary = composer.compose(input({ papers: [day[0]!] }))!;
    expect(withSummary.text.replace(/\s+/g, " ")).toContain(day[0]!.ai_summary!);
  });

  it("is the same message for the same reader and edition", () => {
    const a = composer.compose(input())!;
    const b = composer.compose(input())!;
    expect(b.messageId).toBe(a.messageId);
    expect(b.html).toBe(a.html);
    const other = composer.compose(input({ editionDate: "2026-08-19" }))!;
    expect(other.messageId).toBe("digest.42.2026-08-19@paperboy.test");
  });

  it("skips an empty day when the reader asked for that, else says nothing matched", async () => {
    const empty = input({}, { topics: ["robotics"], keywords: [] });
    expect(composer.compose(empty)).toBeNull();
    const everyDay = composer.compose(
      input({}, { topics: ["robotics"], keywords: [], skipEmpty: false }),
    )!;
    expect(everyDay.subject).toBe("Nothing new for you, Aug 18");
    expect(everyDay.text).toContain("Also trending, Aug 18");
    const mail = await deliver(everyDay);
    expect(mail.parsed.html).toContain("Nothing new matched your preferences on Aug 18.");
  });

  it("titles a weekly digest with its week", () => {
    const digest = composer.compose(input({}, { frequency: "weekly" }))!;
    expect(digest.subject).toMatch(/^ClawGym II: .* \+ 1 more$/);
    expect(digest.html).toContain("Your week in papers, Aug 12–18");
    expect(digest.html).toContain("Also trending, Aug 12–18");
    const acrossMonths = composer.compose(
      input({ editionDate: "2026-09-02" }, { frequency: "weekly" }),
    )!;
    expect(acrossMonths.html).toContain("Your week in papers, Aug 27–Sep 2");
  });

  it("adds a mailto unsubscribe and a configured List-Id", async () => {
    const config = loadConfig({
      ...ctx.env,
      LIST_UNSUBSCRIBE_MAILTO: "unsubscribe@paperboy.test",
      LIST_ID: "Paper digests <digests.paperboy.test>",
    });
    const custom = await createDigestComposer({ config, db: ctx.deps.db });
    const mail = await deliver(custom.compose(input())!);
    expect(header(mail.raw, "List-Unsubscribe")).toMatch(
      /^<https:\/\/paperboy\.test\/unsubscribe\/[\w.-]+>, <mailto:unsubscribe@paperboy\.test\?subject=unsubscribe>$/,
    );
    expect(header(mail.raw, "List-Id")).toBe("Paper digests <digests.paperboy.test>");
  });

  it("stays under Gmail's 102 KB clip with 50 papers, long titles and long author lists", async () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      paper({
        id: `2608.${String(20000 + i)}`,
        title: `${"A very long and winding paper title about everything ".repeat(8)}${i}`,
        abstract: "Abstract sentence that goes on. ".repeat(100),
        ai_summary: "A summary that is far too long for one line. ".repeat(20),
        authors: Array.from({ length: 80 }, (_, j) => `Author Number${j} Withalongsurname`),
        github_repo: `https://github.com/some-organisation/a-repository-with-a-long-name-${i}`,
        upvotes: 100 - i,
      }),
    );
    const digest = composer.compose(
      input(
        { papers: many },
        { maxPapers: 50, keywords: ["paper", "title", "winding", "everything", "summary", "long"] },
      ),
    )!;
    expect(digest.paperIds.length).toBeGreaterThanOrEqual(50);
    const mail = await deliver(digest);
    const html = mail.parsed.html as string;
    expect(Buffer.byteLength(html)).toBeLessThan(102 * 1024);
    expect(html.match(/class="p"><h2 class="t"[^>]*><a /g)).toHaveLength(50);
  });

  it("shows planted <script> and javascript: URLs only as harmless text", async () => {
    const evil = paper({
      id: "2608.66666",
      title: `<script>alert("title")</script> Evil <img src=x onerror=alert(1)>`,
      abstract: `<script>alert("abstract")</script> javascript:alert(2)`,
      ai_summary: null,
      authors: [`<script>alert("author")</script>`],
      github_repo: "javascript:alert(3)",
      project_page: "javascript:alert(4)",
    });
    const mail = await deliver(
      composer.compose(input({ papers: [evil] }, { keywords: ["evil"], topics: [] }))!,
    );
    const html = mail.parsed.html as string;
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img src=x/i);
    expect(html).not.toMatch(/href="\s*javascript:/i);
    expect(html).toContain("&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; Evil");
    expect(html).toContain("&lt;script&gt;alert(&quot;abstract&quot;)");
    expect(mail.parsed.text).toContain(`<script>alert("title")</script> Evil`);
    expect(mail.parsed.text).not.toContain("Code: javascript:");
  });
});

describe("DKIM", () => {
  it("signs both List-Unsubscribe headers when DKIM_* is set", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const config = loadConfig({
      ...ctx.env,
      DKIM_DOMAIN: "paperboy.test",
      DKIM_SELECTOR: "mail",
      DKIM_PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    });
    const mailer = createMailer(config, { poolSize: 1 });
    ctx.smtp.clear();
    await mailer.send({ to: "reader@example.com", ...composer.compose(input())! });
    await mailer.close();
    const [mail] = await ctx.smtp.waitFor(1);
    const signature = mail!.raw.match(/^DKIM-Signature:(?:.*(?:\r?\n[ \t].*)*)/m)![0];
    const signed = /\bh=([^;]+)/
      .exec(signature.replace(/\r?\n[ \t]+/g, ""))![1]!
      .toLowerCase()
      .split(":")
      .map((h) => h.trim());
    expect(signature).toContain("d=paperboy.test");
    expect(signed).toEqual(expect.arrayContaining(["list-unsubscribe", "list-unsubscribe-post"]));
  });
});
