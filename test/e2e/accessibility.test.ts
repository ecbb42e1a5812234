import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDigestComposer } from "../../src/digests/compose.ts";
import { loadEditionPapers } from "../../src/digests/edition.ts";
import { ingest } from "../../src/papers/ingest.ts";
import { feedbackLinks } from "../../src/subscribers/tokens.ts";
import {
  axeViolations,
  CHROMIUM_PATH,
  type LiveApp,
  launchChromium,
  startLiveApp,
  warnNoChromium,
} from "../helpers/browser.ts";
import { REAL_DIR } from "../papers/real-days.ts";

/**
 * axe-core on every page a reader can reach, in light and dark colour schemes: no violations
 * of any impact (minor and moderate included). Pages are reached the way a reader reaches them (forms, mailed links).
 */
const EDITION = "2026-08-18";
const EMAIL = "axe.reader@example.org";
type Computed = (element: unknown) => { lineHeight: string };
/** The dev outbox's folder: the mails the SMTP server got are copied in as .eml files. */
const OUTBOX = mkdtempSync(path.join(tmpdir(), "paperboy-axe-outbox-"));

warnNoChromium("the accessibility (axe-core) test");

// axe runs twice per page (light, dark): on this shared 2-core machine a test can take 30 s.
describe.skipIf(!CHROMIUM_PATH)(
  "accessibility of every page (axe-core)",
  { timeout: 120_000 },
  () => {
    let live: LiveApp;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      [live, browser] = await Promise.all([
        startLiveApp({
          now: `${EDITION}T21:00:00Z`,
          env: { DEV_OUTBOX_ROUTE: "true", OUTBOX_DIR: OUTBOX },
        }),
        launchChromium(),
      ]);
      await ingest(
        live.ctx.deps,
        ["2026-08-17", EDITION].map((d) => `${REAL_DIR}hf-daily-papers-${d}.json`),
        { source: "hf" },
      );
      // The pages' CSP forbids injected scripts, and axe is one.
      const context = await browser.newContext({
        baseURL: live.baseUrl,
        bypassCSP: true,
        viewport: { width: 1280, height: 800 },
      });
      page = await context.newPage();
    });
    afterAll(async () => {
      await browser?.close();
      await live?.close();
      rmSync(OUTBOX, { recursive: true, force: true });
    });

    /** axe in both colour schemes, and no sideways scrolling on a 375 px phone. */
    async function expectAccessible(name: string): Promise<void> {
      for (const colorScheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme });
        expect(await axeViolations(page), `${name} (${colorScheme})`).toEqual([]);
      }
      await page.emulateMedia({ colorScheme: "light" });
      await page.setViewportSize({ width: 375, height: 800 });
      const width = await page.locator("html").evaluate((root) => root.scrollWidth);
      expect(width, `${name}: page width on a 375 px phone`).toBeLessThanOrEqual(375);
      await page.setViewportSize({ width: 1280, height: 800 });
    }

    /** Each paper's title sits above its summary (not squeezed into one row beside it). */
    async function expectStackedPapers(): Promise<void> {
      const papers = page.locator("ol.papers > li");
      expect(await papers.count()).toBeGreaterThan(0);
      const title = (await papers.first().locator("h3").boundingBox())!;
      const summary = (await papers.first().locator(".summary").boundingBox())!;
      expect(summary.y).toBeGreaterThanOrEqual(title.y + title.height - 1);
    }

    const linkFromMail = (count: number, path: string) => {
      const mail = live.ctx.smtp.to(EMAIL)[count - 1];
      const match = new RegExp(`${live.baseUrl}/${path}/[A-Za-z0-9._-]+`).exec(
        String(mail?.parsed.html ?? ""),
      );
      expect(match, `mail #${count} links to /${path}/`).not.toBeNull();
      return match![0];
    };

    it("the check itself catches an unlabelled field and an image without alt text", async () => {
      await page.goto("about:blank");
      await page.setContent(
        '<!doctype html><html lang="en"><title>t</title><main><img src="x.png"><input></main></html>',
      );
      const found = (await axeViolations(page)).join("\n");
      expect(found).toMatch(/image-alt/);
      expect(found).toMatch(/label/);
    });

    it("landing page, the form's error page and the check-your-inbox page", async () => {
      await page.goto("/");
      await expectStackedPapers();
      await expectAccessible("landing");

      await page.getByLabel("Email address").fill("not an address");
      await page.getByRole("button", { name: "Subscribe" }).click();
      await page.waitForLoadState();
      expect(await page.getByRole("alert").count()).toBe(1);
      await expectAccessible("subscribe form with an error");

      await page.getByLabel("Email address").fill(EMAIL);
      await page.getByText("Topics, daily or weekly, and your time zone").click();
      await expectAccessible("subscribe form, all choices open");
      await page.getByLabel("Agents & tool use").check();
      await page.getByRole("button", { name: "Subscribe" }).click();
      await page.waitForLoadState();
      expect(await page.locator("h1").textContent()).toBe("Check your inbox");
      await expectAccessible("check your inbox");
    });

    it("confirm and welcome pages", async () => {
      await live.ctx.smtp.waitFor(1);
      await page.goto(linkFromMail(1, "confirm"));
      await expectAccessible("confirm");
      await page.getByRole("button", { name: "Confirm subscription" }).click();
      await page.waitForLoadState();
      expect(await page.locator("h1").textContent()).toBe("You’re subscribed");
      await expectAccessible("welcome");
    });

    it("preferences page, before and after saving", async () => {
      await live.ctx.smtp.waitFor(2);
      await page.goto(linkFromMail(2, "preferences"));
      await expectAccessible("preferences");
      await page.getByLabel("Send hour").selectOption("6");
      await page.getByRole("button", { name: "Save preferences" }).click();
      await page.waitForLoadState();
      expect(await page.getByRole("status").textContent()).toContain("Saved.");
      await expectAccessible("preferences saved");
      await page.getByLabel("Papers per digest").fill("0");
      await page.getByRole("button", { name: "Save preferences" }).click();
      await page.waitForLoadState();
      expect(await page.getByRole("alert").count()).toBeGreaterThan(0);
      await expectAccessible("preferences with an error");
    });

    it("feedback page, its thanks, and the preferences page listing the vote", async () => {
      const { db } = live.ctx.deps;
      const reader = await db
        .selectFrom("subscribers")
        .select(["id", "token_version"])
        .where("email", "=", EMAIL)
        .executeTakeFirstOrThrow();
      const paper = await db
        .selectFrom("papers")
        .select("id")
        .orderBy("id")
        .executeTakeFirstOrThrow();
      const links = feedbackLinks(live.baseUrl, live.ctx.config.APP_SECRET, reader, paper.id)!;
      await page.goto(links.less);
      await expectAccessible("feedback");
      await page.getByRole("button", { name: "Less like this" }).click();
      await page.waitForLoadState();
      expect(await page.locator("h1").textContent()).toBe("Thanks, noted");
      await expectAccessible("feedback recorded");
      await page.getByRole("link", { name: "your preferences page" }).click();
      await page.waitForLoadState();
      expect(await page.getByRole("button", { name: /^Remove vote on / }).count()).toBe(1);
      await expectAccessible("preferences with a vote");
    });

    it("unsubscribe page before and after unsubscribing, and after resubscribing", async () => {
      await page.goto(linkFromMail(2, "unsubscribe"));
      await expectAccessible("unsubscribe");
      await page.getByRole("button", { name: "Unsubscribe" }).click();
      await page.waitForLoadState();
      expect(await page.locator("h1").textContent()).toBe("You’re unsubscribed");
      await expectAccessible("unsubscribed");
      await page.getByRole("button", { name: "Resubscribe" }).click();
      await page.waitForLoadState();
      expect(await page.locator("h1").textContent()).toBe("You’re subscribed again");
      await expectAccessible("resubscribed");
    });

    it("archive list and an archived edition", async () => {
      await page.goto("/digests");
      await expectAccessible("archive");
      await page.goto(`/digests/${EDITION}`);
      await expectStackedPapers();
      await expectAccessible("archived edition");
    });

    it("not-found, bad-link and bad-request pages, and the links pages", async () => {
      for (const [path, status] of [
        ["/links", 200],
        ["/no-such-page", 404],
        ["/preferences/forged.token", 404],
        ["/digests/not-a-date", 400],
      ] as const) {
        const response = await page.goto(path);
        expect(response?.status()).toBe(status);
        await expectAccessible(`${status} page at ${path}`);
      }
    });

    /** The digest the journey's reader (topic Agents) gets for EDITION, composed as delivery does. */
    async function readersDigest() {
      const composer = await createDigestComposer(live.ctx.deps);
      const subscriber = await live.ctx.deps.db
        .selectFrom("subscribers")
        .selectAll()
        .where("email", "=", EMAIL)
        .executeTakeFirstOrThrow();
      return composer.compose({
        subscriber,
        preferences: {
          topics: ["agents"],
          keywords: [],
          authors: [],
          maxPapers: 10,
          minUpvotes: 0,
          skipEmpty: false,
          frequency: "daily",
        },
        editionDate: EDITION,
        papers: await loadEditionPapers(live.ctx.deps.db, EDITION, "daily"),
        alreadySent: new Set(),
      })!;
    }

    it("a digest's mute link: the page before and after muting", async () => {
      const digest = await readersDigest();
      const mute = /href="https?:\/\/[^/"]+(\/mute\/[^"]+)"/.exec(digest.html);
      expect(mute, "a mute link on a reason chip").not.toBeNull();
      await page.goto(mute![1]!);
      await expectAccessible("mute");
      await page.getByRole("button", { name: "Mute" }).click();
      await page.waitForLoadState();
      expect(await page.locator("h1").textContent()).toBe("Muted");
      await expectAccessible("muted");
    });

    /** The latest mail to the reader with this subject, waiting for it to arrive. */
    async function mailTitled(subject: string): Promise<string> {
      for (let tries = 0; tries < 100; tries++) {
        const mail = live.ctx.smtp.to(EMAIL).findLast((m) => m.parsed.subject === subject);
        if (mail) return String(mail.parsed.html);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`no mail "${subject}" arrived`);
    }

    it("every mail kind as a browser shows it, no axe rule left out", async () => {
      await page.goto("/links");
      await page.getByLabel("Email address").fill(EMAIL);
      await page.getByRole("button", { name: "Email me my links" }).click();
      await page.waitForLoadState();
      const mails = [
        ["digest", (await readersDigest()).html],
        ["confirmation", await mailTitled("Confirm your Paperboy subscription")],
        ["welcome", await mailTitled("Welcome to Paperboy")],
        ["links", await mailTitled("Your Paperboy links")],
      ] as const;
      for (const [kind, html] of mails) {
        await page.goto("about:blank");
        await page.setContent(html);
        // A client that shows the mail as its own document sees it as a page: main landmark too.
        await expectAccessible(`${kind} mail`);
      }
    });

    it("the digest with images blocked: each thumbnail is a small box captioned by its alt text", async () => {
      const digest = await readersDigest();
      await page.route("https://**", (route) => route.abort());
      await page.setViewportSize({ width: 375, height: 800 });
      await page.goto("about:blank");
      await page.setContent(digest.html);
      const images = await page.locator("img").evaluateAll((all) =>
        all.map((img) => ({
          alt: img.getAttribute("alt"),
          height: img.getBoundingClientRect().height,
        })),
      );
      await page.unroute("https://**");
      await page.setViewportSize({ width: 1280, height: 800 });
      expect(images.length, "the top papers carry thumbnails").toBeGreaterThan(0);
      for (const { alt, height } of images) {
        expect(alt).toMatch(/^Preview of \S/);
        // A column-wide image left a ~300 px empty box here.
        expect(height).toBeLessThanOrEqual(120);
      }
    });

    it("the dev outbox: the list and one mail, its text part as the mail wrote it", async () => {
      live.ctx.smtp.to(EMAIL).forEach((mail, i) => {
        writeFileSync(path.join(OUTBOX, `${String(i + 1).padStart(2, "0")}.eml`), mail.raw);
      });
      await page.goto("/dev/outbox");
      await expectAccessible("dev outbox");
      await page.getByRole("link", { name: "Your Paperboy links" }).first().click();
      await page.waitForLoadState();
      expect(await page.getByRole("link", { name: "← All mail" }).count()).toBe(1);
      await expectAccessible("dev outbox mail");
      // On a phone each text line stays one line (the box scrolls), not re-broken mid-sentence.
      await page.setViewportSize({ width: 375, height: 800 });
      const text = page.getByRole("region", { name: "Text part" });
      const lines = (await text.textContent())!.split("\n").length;
      const { height, lineHeight } = await text.evaluate((pre) => ({
        height: pre.clientHeight,
        lineHeight: Number.parseFloat(
          (globalThis as unknown as { getComputedStyle: Computed }).getComputedStyle(pre)
            .lineHeight,
        ),
      }));
      await page.setViewportSize({ width: 1280, height: 800 });
      expect(Math.round(height / lineHeight)).toBeLessThanOrEqual(lines + 3);
    });
  },
);
