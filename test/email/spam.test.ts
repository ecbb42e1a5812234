import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { buildServerWithMailWorker } from "../helpers/mail-worker.ts";
import { type ReaderMails, readerMails } from "./mails.ts";

/**
 * SpamAssassin's offline rules (no network tests) on every mail kind a reader gets, as sent
 * over SMTP: no rule may hit with a positive score. `npm test` installs SpamAssassin when it
 * can (scripts/spamassassin.mjs); without it this file skips and says so.
 */
const SPAMASSASSIN =
  process.env.SPAMASSASSIN_PATH ??
  (existsSync("/usr/bin/spamassassin") ? "/usr/bin/spamassassin" : "");
if (!SPAMASSASSIN) {
  console.warn(
    "\n*** SKIPPED the SpamAssassin test: spamassassin is not installed (apt-get install spamassassin). ***\n",
  );
}

/** Rules that hit with a score above zero, e.g. "HTML_FONT_LOW_CONTRAST=0.7". */
export function spamHits(raw: string): { score: number; hits: string[] } {
  const run = spawnSync(SPAMASSASSIN, ["-L", "-t", "-x"], { input: raw, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`spamassassin failed: ${run.stderr}`);
  const details = /Content analysis details:\s+\((-?[\d.]+) points/.exec(run.stdout);
  if (!details) throw new Error(`no report in spamassassin's answer:\n${run.stdout}`);
  const hits = [...run.stdout.slice(details.index).matchAll(/^\s*(-?\d+\.\d)\s+([A-Z0-9_]+)\s/gm)]
    .filter(([, score]) => Number(score) > 0)
    .map(([, score, rule]) => `${rule}=${score}`);
  return { score: Number(details[1]), hits };
}

let ctx: TestContext;
let app: FastifyInstance;
let mails: ReaderMails;

describe.skipIf(!SPAMASSASSIN)("SpamAssassin (offline rules)", () => {
  beforeAll(async () => {
    ctx = await createTestContext({ now: "2026-08-19T06:00:00Z" });
    app = await buildServerWithMailWorker(ctx.deps);
    mails = await readerMails(ctx, app);
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
  });

  it.each(["confirmation", "welcome", "linksMail", "digest"] as const)(
    "scores the %s mail 0.0",
    (kind) => {
      const { score, hits } = spamHits(mails[kind].raw);
      expect(hits, `${kind}: rules with a positive score`).toEqual([]);
      expect(score).toBeLessThanOrEqual(0);
    },
  );

  it("scores the digest 0.0 as the bulk sender builds it (quoted-printable, src/delivery/mime.ts)", () => {
    const { score, hits } = spamHits(mails.digestRaw);
    expect(mails.digestRaw).toMatch(/Content-Transfer-Encoding: quoted-printable/);
    expect(hits).toEqual([]);
    expect(score).toBeLessThanOrEqual(0);
  });

  it("still catches the hidden white-on-white preheader MJML used to write", () => {
    const preheader =
      '<div style="display:none;font-size:1px;color:#ffffff;line-height:1px;max-height:0px;max-width:0px;opacity:0;overflow:hidden;">Hidden preview</div>';
    const html = String(mails.confirmation.parsed.html);
    const withPreheader = html.replace(/<body([^>]*)>/, `<body$1>${preheader}`);
    expect(withPreheader).not.toBe(html);
    const mail = `Subject: test\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n${withPreheader}`;
    expect(spamHits(mail).hits.join(" ")).toMatch(/HTML_FONT_LOW_CONTRAST/);
  });
});
