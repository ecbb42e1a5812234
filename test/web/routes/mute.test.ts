import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDigestComposer } from "../../../src/digests/compose.ts";
import { digestInputs } from "../../../src/digests/reader-digest.ts";
import type { DigestComposer } from "../../../src/digests/types.ts";
import { getPreferences, revokeLinks } from "../../../src/subscribers/repository.ts";
import { signMuteToken, signToken, verifyMuteToken } from "../../../src/subscribers/tokens.ts";
import { samplePapers } from "../../digests/sample.ts";
import { createTestContext, TEST_SECRET, type TestContext } from "../../helpers/context.ts";
import { activeSubscriber, startApp } from "../support.ts";

let ctx: TestContext;
let app: FastifyInstance;
let composer: DigestComposer;
beforeAll(async () => {
  ctx = await createTestContext();
  app = await startApp(ctx);
  composer = await createDigestComposer(ctx.deps);
});
afterAll(async () => {
  await app.close();
  await ctx.close();
});

const EDITION = "2026-08-18";
const day = samplePapers(EDITION, {
  "2608.15265": [["agents", 0.9]], // VibeWorlding: agents, says RL
  "2608.16798": [["agents", 0.8]], // ClawGym II: agents, says RL
  "2608.16887": [["image-generation", 0.9]],
});

/** The reader's digest for the sample day, composed as delivery does (their row, their mutes). */
async function digestFor(subscriberId: number) {
  const [input] = await digestInputs(
    ctx.deps.db,
    [{ subscriberId, editionDate: EDITION }],
    async () => day,
  );
  return composer.compose(input!);
}

/** Every mute link in the HTML part with the chip it sits on. */
function muteLinks(html: string): { path: string; label: string }[] {
  const found = html.matchAll(
    /<a class="r" href="https:\/\/paperboy\.test(\/mute\/[^"]+)"[^>]*>([^<]+)<\/a>/g,
  );
  return [...found].map((m) => ({ path: m[1]!, label: m[2]! }));
}

describe("mute links on reason chips", () => {
  it("are signed per reader, kind and value; GET changes nothing, POST mutes, idempotently", async () => {
    const { row, manage } = await activeSubscriber(app, ctx, "mute@example.com");
    await app.inject({ method: "PUT", url: `/api${manage}`, payload: { keywords: ["RL"] } });
    const digest = (await digestFor(row.id))!;
    expect(digest.paperIds).toContain("2608.15265");
    const links = muteLinks(digest.html);
    expect(links.map((l) => l.label)).toContain("keyword: RL");
    expect(links.map((l) => l.label)).toContain("topic: Agents &amp; tool use");
    const rl = links.find((l) => l.label === "keyword: RL")!;
    expect(verifyMuteToken(TEST_SECRET, rl.path.split("/").pop())).toEqual({
      subscriberId: row.id,
      version: row.token_version,
      kind: "keyword",
      value: "RL",
    });
    expect(digest.text.replace(/\s+/g, " ")).toContain(
      `Mute keyword: RL: https://paperboy.test${rl.path}`,
    );

    // A link scanner's GET: a page with one button, nothing recorded.
    const scanned = await app.inject(rl.path);
    expect(scanned.statusCode).toBe(200);
    expect(scanned.body).toContain(`<form method="post" action="${rl.path}">`);
    expect(scanned.body).toContain("<strong>RL</strong>");
    expect((await getPreferences(ctx.deps.db, row.id))!.muted_keywords).toEqual([]);

    const posted = await app.inject({ method: "POST", url: rl.path });
    expect(posted.statusCode).toBe(200);
    expect(posted.body).toContain("Muted");
    // Twice, or from a client posting some other body: still one mute.
    const again = await app.inject({
      method: "POST",
      url: rl.path,
      headers: { "content-type": "text/plain" },
      payload: "whatever",
    });
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain("Already muted");
    expect((await getPreferences(ctx.deps.db, row.id))!.muted_keywords).toEqual(["RL"]);
    const events = await ctx.deps.db
      .selectFrom("events")
      .select("data")
      .where("subscriber_id", "=", row.id)
      .where("type", "=", "preferences.muted")
      .execute();
    expect(events.map((e) => e.data)).toEqual([{ kind: "keyword" }]);

    // The next digest leaves out every paper saying RL, though they match the reader's topic.
    const next = await digestFor(row.id);
    expect(next?.paperIds ?? []).not.toContain("2608.15265");
    expect(next?.paperIds ?? []).not.toContain("2608.16798");
  });

  it("a topic mute from its chip drops the topic's papers, also from the trending list", async () => {
    const { row } = await activeSubscriber(app, ctx, "mute-topic@example.com");
    const digest = (await digestFor(row.id))!;
    const agents = muteLinks(digest.html).find((l) => l.label.startsWith("topic: Agents"))!;
    expect((await app.inject({ method: "POST", url: agents.path })).statusCode).toBe(200);
    expect((await getPreferences(ctx.deps.db, row.id))!.muted_topics).toEqual(["agents"]);
    const next = await digestFor(row.id);
    expect(next?.paperIds ?? []).not.toContain("2608.15265");
    expect(next?.paperIds ?? []).not.toContain("2608.16798");
  });

  it("answers 404 for forged, altered, other-purpose and revoked tokens, and records nothing", async () => {
    const { row, manage } = await activeSubscriber(app, ctx, "mute-bad@example.com");
    const claims = { subscriberId: row.id, version: row.token_version, kind: "author" as const };
    const good = signMuteToken(TEST_SECRET, { ...claims, value: "Jane Doe" });
    const [payload, mac] = good.split(".");
    const altered = `${Buffer.from(`x.${row.id}.${row.token_version}.a.John Doe`).toString("base64url")}.${mac}`;
    const bad = [
      `${good.slice(0, -1)}A`,
      altered,
      signMuteToken("another-secret-0123456789abcdef0123", { ...claims, value: "Jane Doe" }),
      signToken(TEST_SECRET, { purpose: "manage", subscriberId: row.id, version: 1, issuedAt: 0 }),
      manage.split("/").pop()!,
      signMuteToken(TEST_SECRET, { ...claims, subscriberId: 999_999, value: "Jane Doe" }),
      payload!,
      "A".repeat(900),
      "%00%27",
    ];
    for (const token of bad) {
      for (const method of ["GET", "POST"] as const) {
        const res = await app.inject({ method, url: `/mute/${token}` });
        expect(res.statusCode, `${method} ${token.slice(0, 40)}`).toBe(404);
      }
    }
    // The longest value a reader can have (100 characters, 4 bytes each) still makes a working link.
    const long = signMuteToken(TEST_SECRET, { ...claims, value: "𠀋".repeat(100) });
    expect((await app.inject(`/mute/${long}`)).statusCode).toBe(200);
    await revokeLinks(ctx.deps.db, row.id, ctx.deps.clock.now());
    expect((await app.inject({ method: "POST", url: `/mute/${good}` })).statusCode).toBe(404);
    expect((await getPreferences(ctx.deps.db, row.id))!.muted_authors).toEqual([]);
  });
});
