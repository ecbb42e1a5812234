import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { buildServerWithMailWorker } from "../helpers/mail-worker.ts";
import type { ReceivedMail } from "../helpers/smtp.ts";
import {
  GMAIL_CLIP_BYTES,
  imageProblems,
  linkProblems,
  plainTextProblems,
  unsupportedFeatures,
  visibleLink,
} from "./audit.ts";
import { mailLink, type ReaderMails, readerMails } from "./mails.ts";

let ctx: TestContext;
let app: FastifyInstance;
let mails: ReaderMails;

beforeAll(async () => {
  ctx = await createTestContext({ now: "2026-08-19T06:00:00Z" });
  app = await buildServerWithMailWorker(ctx.deps);
  mails = await readerMails(ctx, app);
});
afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

const kinds = ["confirmation", "welcome", "linksMail", "digest"] as const;
const htmlOf = (mail: ReceivedMail) => String(mail.parsed.html || "");

describe.each(kinds)("the %s mail", (kind) => {
  const mail = () => mails[kind];

  it("is multipart/alternative with an HTML and a plain-text part", () => {
    expect(mail().raw).toMatch(/Content-Type: multipart\/alternative/i);
    expect(htmlOf(mail())).toContain("</html>");
    expect(mail().parsed.text?.trim().length).toBeGreaterThan(50);
  });

  it("links only to absolute https URLs or the configured public URL", () => {
    const html = htmlOf(mail());
    expect(html.match(/<a\s/g)?.length ?? 0).toBeGreaterThan(0);
    expect(linkProblems(html, ctx.config.PUBLIC_URL)).toEqual([]);
  });

  it("gives every image alt text and a size", () => {
    expect(imageProblems(htmlOf(mail()))).toEqual([]);
  });

  it("stays under Gmail's 102 KB clipping limit", () => {
    expect(Buffer.byteLength(htmlOf(mail()))).toBeLessThan(GMAIL_CLIP_BYTES);
  });

  it("uses no HTML or CSS that major mail clients drop without a fallback (caniemail data)", () => {
    expect(unsupportedFeatures(htmlOf(mail()))).toEqual([]);
  });

  it("loads nothing from third parties when opened (no web fonts, no remote CSS)", () => {
    const html = htmlOf(mail());
    expect(html).not.toMatch(/<link\b|@import|@font-face/i);
  });
});

describe("the digest", () => {
  it("carries many real papers and still fits", () => {
    expect(mails.digestTitles.length).toBeGreaterThanOrEqual(20);
    expect(Buffer.byteLength(htmlOf(mails.digest))).toBeLessThan(GMAIL_CLIP_BYTES);
  });

  it("shows a visible unsubscribe link and a manage-preferences link in the body", () => {
    const html = htmlOf(mails.digest);
    expect(visibleLink(html, /^\s*Unsubscribe\s*$/i, mails.links.unsubscribe)).toEqual([]);
    expect(visibleLink(html, /manage preferences/i, mails.links.manage)).toEqual([]);
  });

  it("has a plain-text part readable on its own: titles, links, unsubscribe", () => {
    const text = mails.digest.parsed.text ?? "";
    expect(
      plainTextProblems(text, [
        ...mails.digestTitles,
        "https://huggingface.co/papers/",
        mails.links.manage,
        mails.links.unsubscribe,
      ]),
    ).toEqual([]);
  });

  it("advertises the same unsubscribe URL in its List-Unsubscribe header", () => {
    expect(mails.digest.raw.replace(/\r?\n[ \t]+/g, " ")).toContain(
      `List-Unsubscribe: <${mails.links.unsubscribe}>`,
    );
  });
});

describe("the confirmation, welcome and links mails", () => {
  it("confirmation: the button and the text part carry the same working confirm link", async () => {
    const url = mailLink(ctx, mails.confirmation, "confirm");
    expect(plainTextProblems(mails.confirmation.parsed.text ?? "", [url])).toEqual([]);
    expect(visibleLink(htmlOf(mails.confirmation), /confirm subscription/i, url)).toEqual([]);
    const page = await app.inject(new URL(url).pathname);
    expect(page.statusCode).toBe(200);
  });

  it("welcome: manage and unsubscribe links in both parts", () => {
    const { manage, unsubscribe } = mails.links;
    expect(plainTextProblems(mails.welcome.parsed.text ?? "", [manage, unsubscribe])).toEqual([]);
    expect(visibleLink(htmlOf(mails.welcome), /manage preferences/i, manage)).toEqual([]);
    expect(visibleLink(htmlOf(mails.welcome), /unsubscribe/i, unsubscribe)).toEqual([]);
  });

  it("links: its own short mail saying what it is, with both links in both parts", () => {
    const { manage, unsubscribe } = mails.links;
    const mail = mails.linksMail;
    expect(mail.parsed.subject).toBe("Your Paperboy links");
    expect(mail.parsed.text).toContain("You asked for the links to your Paperboy subscription");
    expect(mail.parsed.text).not.toContain("You're subscribed");
    expect(plainTextProblems(mail.parsed.text ?? "", [manage, unsubscribe])).toEqual([]);
    expect(visibleLink(htmlOf(mail), /manage preferences/i, manage)).toEqual([]);
    expect(visibleLink(htmlOf(mail), /unsubscribe/i, unsubscribe)).toEqual([]);
  });
});
