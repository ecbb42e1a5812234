import * as cheerio from "cheerio";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverEdition } from "../../src/delivery/deliver-edition.ts";
import { ingest } from "../../src/papers/ingest.ts";
import { samplePapers } from "../digests/sample.ts";
import {
  CHROMIUM_PATH,
  type LiveApp,
  launchChromium,
  startLiveApp,
  warnNoChromium,
} from "../helpers/browser.ts";
import type { ReceivedMail } from "../helpers/smtp.ts";
import { REAL_DIR } from "../papers/real-days.ts";

/**
 * One reader's whole relationship with Paperboy, in headless Chromium against the real server,
 * database, Redis and SMTP: every step asserts what the reader sees.
 */
const EDITION = "2026-08-18";
const EMAIL = "ada.reader@example.org";
const TOP = samplePapers(EDITION)[0]!;

warnNoChromium("the end-to-end journey test");

describe.skipIf(!CHROMIUM_PATH)("a reader in a real browser", () => {
  let live: LiveApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [live, browser] = await Promise.all([
      startLiveApp({ now: `${EDITION}T21:00:00Z` }),
      launchChromium(),
    ]);
    await ingest(live.ctx.deps, [`${REAL_DIR}hf-daily-papers-${EDITION}.json`], { source: "hf" });
    context = await browser.newContext({
      baseURL: live.baseUrl,
      timezoneId: "Europe/Berlin",
      viewport: { width: 1280, height: 900 },
    });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await live?.close();
  });

  /** Text as rendered on screen (hidden parts excluded): what the reader actually sees. */
  // biome-ignore lint/performance/useDomNodeTextContent: rendered text is the point here
  const seen = (locator: Locator) => locator.innerText();
  const heading = () => seen(page.locator("h1"));
  const status = async () =>
    (
      await live.ctx.deps.db
        .selectFrom("subscribers")
        .select("status")
        .where("email", "=", EMAIL)
        .executeTakeFirstOrThrow()
    ).status;
  const nextMail = async (count: number): Promise<ReceivedMail> =>
    (await live.ctx.smtp.waitForMailTo(EMAIL, count))[count - 1]!;
  /** A link as the reader sees it in the mail's HTML: the <a> whose text matches. */
  function linkIn(mail: ReceivedMail, label: RegExp): string {
    const $ = cheerio.load(String(mail.parsed.html));
    const href = $("a")
      .filter((_i, el) => label.test($(el).text()))
      .first()
      .attr("href");
    expect(href, `a link labelled ${label} in "${mail.parsed.subject}"`).toBeTruthy();
    return href!;
  }

  it("shows today's trending papers with titles and upvotes on the landing page", async () => {
    await page.goto("/");
    expect(await heading()).toMatch(/papers everyone is reading/i);
    const first = page.locator("ol.papers > li").first();
    await expect.poll(() => seen(first.locator("h3"))).toBe(TOP.title);
    expect(await seen(first)).toContain(`▲ ${TOP.upvotes}`);
    expect(await page.locator("ol.papers > li").count()).toBeGreaterThanOrEqual(10);
    expect(await page.getByRole("heading", { name: /Trending on .*August 18, 2026/ }).count()).toBe(
      1,
    );
  });

  it("puts the email field and the button in the first screen, on a phone and on a desktop", async () => {
    for (const viewport of [
      { width: 375, height: 667 },
      { width: 1280, height: 800 },
    ]) {
      await page.setViewportSize(viewport);
      for (const control of [
        page.getByLabel("Email address"),
        page.getByRole("button", { name: "Subscribe" }),
      ]) {
        const box = (await control.boundingBox())!;
        expect(box.y + box.height, `${viewport.width} px`).toBeLessThanOrEqual(viewport.height);
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("answers a bad address beside the field, keeping the papers", async () => {
    await page.getByLabel("Email address").fill("ada.reader@");
    await page.getByRole("button", { name: "Subscribe" }).click();
    await page.waitForLoadState();
    expect(await seen(page.locator("#email-error"))).toBe(
      "Enter an email address in the form name@example.org.",
    );
    expect(await page.getByLabel("Email address").getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator("ol.papers > li").count()).toBeGreaterThanOrEqual(10);
  });

  it("subscribes with the form (topics behind a disclosure) and says to check the inbox", async () => {
    await page.getByText("Topics, daily or weekly, and your time zone").click();
    // The browser's own time zone is prefilled by the page's script, its 8:00 written out.
    expect(await page.getByLabel("Your time zone").inputValue()).toBe("Europe/Berlin");
    expect(await seen(page.locator("[data-local-time]").first())).toBe("8:00 in Berlin");
    await page.getByLabel("Email address").fill(EMAIL);
    await page.getByLabel("Agents & tool use").check();
    await page.getByLabel("Reinforcement learning").check();
    await page.getByLabel("Daily").check();
    await page.getByRole("button", { name: "Subscribe" }).click();
    await page.waitForURL("**/subscribe");
    expect(await heading()).toBe("Check your inbox");
    expect(await seen(page.locator("main"))).toContain(EMAIL);
    expect(await status()).toBe("pending");
  });

  it("confirms through the mailed link: a page with a button, then the welcome page", async () => {
    const mail = await nextMail(1);
    expect(mail.parsed.subject).toBe("Confirm your Paperboy subscription");
    const confirmUrl = linkIn(mail, /Confirm subscription/i);
    expect(confirmUrl.startsWith(`${live.baseUrl}/confirm/`)).toBe(true);

    await page.goto(confirmUrl);
    expect(await heading()).toBe("One last step");
    expect(await seen(page.locator("main"))).toContain(EMAIL);
    expect(await status()).toBe("pending"); // opening the link alone confirms nothing
    await page.getByRole("button", { name: "Confirm subscription" }).click();
    await page.waitForLoadState();
    expect(await heading()).toBe("You’re subscribed");
    expect(await seen(page.locator("main"))).toContain(
      "at 8:00 in Berlin (Europe/Berlin) every day",
    );
    expect(await status()).toBe("active");
    expect((await nextMail(2)).parsed.subject).toBe("Welcome to Paperboy");
  });

  it("changes topics and send hour on the preferences page and shows what changed", async () => {
    await page.getByRole("link", { name: /Choose topics, keywords and send time/ }).click();
    await page.waitForURL("**/preferences/**");
    expect(await heading()).toBe("Your preferences");
    expect(await seen(page.locator("main"))).toContain(EMAIL);
    expect(await page.getByLabel("Agents & tool use").isChecked()).toBe(true);
    expect(await page.getByLabel("Reinforcement learning").isChecked()).toBe(true);
    expect(await page.getByLabel("Time zone").inputValue()).toBe("Europe/Berlin");

    await page.getByLabel("Reinforcement learning").uncheck();
    await page.getByLabel("Image generation").check();
    await page.getByLabel("Send hour").selectOption("7");
    await page.getByRole("button", { name: "Save preferences" }).click();
    await page.waitForLoadState();

    const saved = await seen(page.getByRole("status"));
    expect(saved).toContain("Saved.");
    expect(saved).toContain("Topics added: Image generation");
    expect(saved).toContain("Topics removed: Reinforcement learning");
    expect(saved).toContain("Send hour: 8:00 → 7:00");
    expect(await page.getByLabel("Image generation").isChecked()).toBe(true);
    expect(await page.getByLabel("Reinforcement learning").isChecked()).toBe(false);
    expect(await page.getByLabel("Send hour").inputValue()).toBe("7");
  });

  it("receives the digest, and its links open this reader's preferences, feedback and unsubscribe pages", async () => {
    const run = await deliverEdition(live.ctx.deps, EDITION);
    expect(run.sent).toBe(1);
    const digest = await nextMail(3);
    // The subject leads with the top paper and stays short.
    expect(digest.parsed.subject).toMatch(/ \+ \d+ more$/);
    expect(digest.parsed.subject!.length).toBeLessThanOrEqual(75);

    // Read it on a phone, on a blank page as a mail client shows it (not under the app's CSP).
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto("about:blank");
    await page.setContent(String(digest.parsed.html));
    const body = await seen(page.locator("body"));
    expect(body).toContain("Your papers for Aug 18");
    expect(body).toMatch(/topic: Agents & tool use|topic: Image generation/);
    const unsubscribe = page.getByRole("link", { name: "Unsubscribe", exact: true });
    expect(await unsubscribe.isVisible()).toBe(true);

    await page.getByRole("link", { name: "Manage preferences" }).click();
    await page.waitForURL("**/preferences/**");
    expect(await heading()).toBe("Your preferences");
    expect(await seen(page.locator("main"))).toContain(EMAIL);
    expect(await page.getByLabel("Send hour").inputValue()).toBe("7");

    // "More like this" under the first paper: the link's page records nothing, its button does.
    await page.goto("about:blank");
    await page.setContent(String(digest.parsed.html));
    await page.getByRole("link", { name: "More like this" }).first().click();
    await page.waitForURL("**/feedback/**");
    expect(await heading()).toBe("More like this?");
    await page.getByRole("button", { name: "More like this" }).click();
    await page.waitForLoadState();
    expect(await heading()).toBe("Thanks, noted");
    await page.getByRole("link", { name: "your preferences page" }).click();
    await page.waitForURL("**/preferences/**");
    const votes = await seen(page.locator("section", { hasText: "Your votes" }));
    expect(votes).toContain("More like this:");
    expect(await page.getByRole("button", { name: /^Remove vote on / }).count()).toBe(1);

    await page.goto("about:blank");
    await page.setContent(String(digest.parsed.html));
    await page.getByRole("link", { name: "Unsubscribe", exact: true }).click();
    await page.waitForURL("**/unsubscribe/**");
    expect(await heading()).toBe("Unsubscribe?");
    expect(await status()).toBe("active"); // a GET never unsubscribes
  });

  it("unsubscribes with the button, then resubscribes", async () => {
    await page.getByRole("button", { name: "Unsubscribe" }).click();
    await page.waitForLoadState();
    expect(await heading()).toBe("You’re unsubscribed");
    expect(await seen(page.getByRole("status"))).toMatch(/won’t get any more digests/);
    expect(await status()).toBe("unsubscribed");

    await page.getByRole("button", { name: "Resubscribe" }).click();
    await page.waitForLoadState();
    expect(await heading()).toBe("You’re subscribed again");
    expect(await seen(page.getByRole("status"))).toContain("start again with the next edition");
    expect(await status()).toBe("active");
  });

  it("gets their links back by mail after losing every mail", async () => {
    const before = live.ctx.smtp.to(EMAIL).length;
    await page.goto("/");
    await page.getByRole("link", { name: "Email me my links" }).click();
    await page.waitForURL("**/links");
    expect(await heading()).toBe("Email me my links");
    await page.getByLabel("Email address").fill(EMAIL);
    await page.getByRole("button", { name: "Email me my links" }).click();
    await page.waitForLoadState();
    expect(await heading()).toBe("Check your inbox");
    expect(await seen(page.locator("main"))).toContain(EMAIL);
    const mail = await nextMail(before + 1);
    // Its own short mail, saying what it is (not the welcome mail again).
    expect(mail.parsed.subject).toBe("Your Paperboy links");
    await page.goto("about:blank");
    await page.setContent(String(mail.parsed.html));
    expect(await heading()).toBe("Your Paperboy links");
    expect(await seen(page.locator("body"))).toContain(
      "You asked for the links to your subscription",
    );
    expect(linkIn(mail, /^unsubscribe$/i)).toContain(`${live.baseUrl}/unsubscribe/`);
    await page.goto(linkIn(mail, /manage preferences/i));
    expect(await heading()).toBe("Your preferences");
  });
});
