import { readFileSync } from "node:fs";
import { Worker } from "bullmq";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDigestComposer } from "../../../src/digests/compose.ts";
import { learnJobHandlers } from "../../../src/digests/learn.ts";
import { parseHfDailyPapers } from "../../../src/papers/hf.ts";
import { findPapersListedBetween, upsertPapers } from "../../../src/papers/repository.ts";
import { jobQueue } from "../../../src/platform/queues.ts";
import { revokeLinks } from "../../../src/subscribers/repository.ts";
import {
  feedbackLinks,
  signFeedbackToken,
  signToken,
  verifyFeedbackToken,
} from "../../../src/subscribers/tokens.ts";
import { createTestContext, TEST_SECRET, type TestContext } from "../../helpers/context.ts";
import { waitUntil } from "../../helpers/wait.ts";
import { activeSubscriber, FORM, form, startApp } from "../support.ts";

const DAY = "2026-08-18";
const DATA = new URL(
  `../../../../shared/data/hf-daily-papers/hf-daily-papers-${DAY}.json`,
  import.meta.url,
);

let ctx: TestContext;
let app: FastifyInstance;
let learner: Worker;
let paperIds: string[];

beforeAll(async () => {
  ctx = await createTestContext();
  const { papers } = parseHfDailyPapers(JSON.parse(readFileSync(DATA, "utf8")), { date: DAY });
  await upsertPapers(ctx.deps.db, papers, ctx.clock.now());
  paperIds = (await findPapersListedBetween(ctx.deps.db, DAY, DAY)).map((p) => p.id);
  app = await startApp(ctx);
  // The learn queue's worker, as `paperboy worker` runs it.
  const handler = learnJobHandlers(ctx.deps)["train-reader-model"];
  learner = new Worker(jobQueue["train-reader-model"], (job) => handler(job.data, job), {
    connection: ctx.deps.redis,
    prefix: ctx.deps.config.REDIS_PREFIX,
  });
  learner.on("error", () => {});
});
afterAll(async () => {
  await learner.close();
  await app.close();
  await ctx.close();
});

const votesOf = (subscriberId: number) =>
  ctx.deps.db
    .selectFrom("votes")
    .select(["paper_id", "vote"])
    .where("subscriber_id", "=", subscriberId)
    .orderBy("paper_id")
    .execute();

const linksFor = (row: { id: number; token_version: number }, paperId: string) =>
  feedbackLinks("", TEST_SECRET, row, paperId)!;

describe("feedback links in a composed digest", () => {
  it("follow each paper's title in HTML and appear in the text part, signed per reader, paper and vote", async () => {
    const composer = await createDigestComposer(ctx.deps);
    const papers = await findPapersListedBetween(ctx.deps.db, DAY, DAY);
    const digest = composer.compose({
      subscriber: { id: 7, email: "r@example.com", token_version: 3 },
      preferences: {
        topics: [],
        keywords: [],
        authors: [],
        maxPapers: 5,
        minUpvotes: 0,
        skipEmpty: true,
        frequency: "daily",
      },
      editionDate: DAY,
      papers,
      alreadySent: new Set(),
    })!;
    const sent = papers.slice(0, 5).map((p) => p.id);
    const html = [
      ...digest.html.matchAll(
        /<h2 class="t"[^>]*><a href="[^"]+">[^<]*<\/a><\/h2><p class="l"><a href="([^"]+)">More like this<\/a> · <a href="([^"]+)">Less like this<\/a>/g,
      ),
    ];
    expect(html).toHaveLength(5);
    html.forEach((m, i) => {
      const [more, less] = [m[1]!, m[2]!].map((url) => {
        expect(url).toMatch(/^https:\/\/paperboy\.test\/feedback\//);
        return verifyFeedbackToken(TEST_SECRET, url.split("/").pop());
      });
      expect(more).toEqual({ subscriberId: 7, version: 3, paperId: sent[i], vote: 1 });
      expect(less).toEqual({ subscriberId: 7, version: 3, paperId: sent[i], vote: -1 });
      const text = digest.text.replace(/\s+/g, " ");
      expect(text).toContain(`More like this: ${m[1]}`);
      expect(text).toContain(`Less like this: ${m[2]}`);
    });
  });
});

describe("POST /feedback/:token", () => {
  it.each([
    ["empty", {}, undefined],
    ["urlencoded", FORM, "x=1"],
    [
      "multipart",
      { "content-type": "multipart/form-data; boundary=XyZ" },
      '--XyZ\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--XyZ--\r\n',
    ],
    ["JSON", { "content-type": "application/json" }, '{"anything": true}'],
    ["text", { "content-type": "text/plain" }, "hello"],
  ])(
    "with a %s body records the vote, 200, idempotent; the latest vote wins",
    async (kind, headers, payload) => {
      const { row } = await activeSubscriber(app, ctx, `vote-${kind}@example.com`);
      const { more, less } = linksFor(row, paperIds[0]!);
      for (let i = 0; i < 2; i++) {
        const res = await app.inject({ method: "POST", url: more, headers, payload });
        expect(res.statusCode).toBe(200);
        expect(res.headers.location).toBeUndefined();
        expect(res.body).toContain("vote is recorded");
      }
      expect(await votesOf(row.id)).toEqual([{ paper_id: paperIds[0], vote: 1 }]);
      const flipped = await app.inject({ method: "POST", url: less, headers, payload });
      expect(flipped.statusCode).toBe(200);
      expect(await votesOf(row.id)).toEqual([{ paper_id: paperIds[0], vote: -1 }]);
      const events = await ctx.deps.db
        .selectFrom("events")
        .select("data")
        .where("subscriber_id", "=", row.id)
        .where("type", "=", "subscriber.voted")
        .orderBy("id")
        .execute();
      // One event per change, none for the repeated click; no address or token in them.
      expect(events.map((e) => e.data)).toEqual([
        { paper: paperIds[0], vote: 1 },
        { paper: paperIds[0], vote: -1 },
      ]);
    },
  );

  it("GET records nothing and shows a one-tap button that records the vote", async () => {
    const { row } = await activeSubscriber(app, ctx, "scanner@example.com");
    const { more } = linksFor(row, paperIds[1]!);
    for (let i = 0; i < 3; i++) {
      const page = await app.inject(more);
      expect(page.statusCode).toBe(200);
      expect(page.headers["content-type"]).toContain("text/html");
      expect(page.body).toContain(`<form method="post" action="${more}">`);
      expect(page.body).toContain(">More like this</button>");
    }
    expect(await votesOf(row.id)).toEqual([]);
    const tapped = await app.inject({
      method: "POST",
      url: more,
      headers: FORM,
      payload: form({ via: "page" }),
    });
    expect(tapped.statusCode).toBe(200);
    expect(tapped.body).toContain("Thanks, noted");
    expect(await votesOf(row.id)).toEqual([{ paper_id: paperIds[1], vote: 1 }]);
  });

  it("answers 404 to forged, other-purpose, revoked and unknown-paper links, and records nothing", async () => {
    const { row, manage } = await activeSubscriber(app, ctx, "forged@example.com");
    const good = linksFor(row, paperIds[2]!).more;
    const token = good.split("/").pop()!;
    const claims = { subscriberId: row.id, version: row.token_version, paperId: paperIds[2]! };
    const bad = [
      `/feedback/${token.slice(0, -2)}`,
      `/feedback/${token}x`,
      `/feedback/${signFeedbackToken("another-secret-0123456789abcdef0123", { ...claims, vote: 1 })}`,
      `/feedback/${signFeedbackToken(TEST_SECRET, { ...claims, subscriberId: 999_999, vote: 1 })}`,
      `/feedback/${signFeedbackToken(TEST_SECRET, { ...claims, paperId: "2699.00000", vote: 1 })}`,
      `/feedback/${manage.split("/").pop()}`,
      `/feedback/${signToken(TEST_SECRET, { purpose: "unsubscribe", subscriberId: row.id, version: row.token_version, issuedAt: 0 })}`,
    ];
    for (const url of bad) {
      for (const method of ["GET", "POST"] as const) {
        const res = await app.inject({ method, url });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.body).toContain("This link is not valid");
      }
    }
    // Nor is a feedback token any other link.
    for (const url of [`/preferences/${token}`, `/unsubscribe/${token}`]) {
      expect((await app.inject(url)).statusCode, url).toBe(404);
    }
    await revokeLinks(ctx.deps.db, row.id, ctx.deps.clock.now());
    expect((await app.inject({ method: "POST", url: good })).statusCode).toBe(404);
    expect((await app.inject(good)).statusCode).toBe(404);
    expect(await votesOf(row.id)).toEqual([]);
  });
});

describe("votes on the preferences page", () => {
  it("lists each vote with a Remove button, removes it, and the reader's model follows the votes", async () => {
    const { row, manage } = await activeSubscriber(app, ctx, "prefs-votes@example.com");
    const empty = await app.inject(manage);
    expect(empty.body).toContain("Your votes");
    expect(empty.body).toContain("None yet");

    await app.inject({ method: "POST", url: linksFor(row, paperIds[3]!).more });
    await app.inject({ method: "POST", url: linksFor(row, paperIds[4]!).less });
    const model = () =>
      ctx.deps.db
        .selectFrom("reader_models")
        .select(["votes"])
        .where("subscriber_id", "=", row.id)
        .executeTakeFirst();
    await waitUntil(async () => (await model())?.votes === 2, "the model trained on two votes");

    const page = await app.inject(manage);
    expect(page.body).toContain("More like this:</span>");
    expect(page.body).toContain("Less like this:</span>");
    expect(page.body).toContain(`name="paper_id" value="${paperIds[3]}"`);

    const removed = await app.inject({
      method: "POST",
      url: `${manage}/votes/remove`,
      headers: FORM,
      payload: form({ paper_id: paperIds[3]! }),
    });
    expect(removed.statusCode).toBe(200);
    expect(removed.body).toContain("Vote removed: More like this");
    expect(removed.body).not.toContain(`value="${paperIds[3]}"`);
    expect(await votesOf(row.id)).toEqual([{ paper_id: paperIds[4], vote: -1 }]);
    await waitUntil(async () => (await model())?.votes === 1, "the model retrained on one vote");
  });
});
