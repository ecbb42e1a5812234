import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverEdition } from "../../src/delivery/deliver-edition.ts";
import { signToken } from "../../src/subscribers/tokens.ts";
import { addReaders } from "../delivery/seed.ts";
import {
  CHROMIUM_PATH,
  type LiveApp,
  launchChromium,
  startLiveApp,
  warnNoChromium,
} from "../helpers/browser.ts";
import { TEST_SECRET } from "../helpers/context.ts";

/**
 * Script planted in paper data (as a feed could carry it) and in form fields never runs: in
 * every page and in the digest mail, opened in Chromium with CSP bypassed (so escaping alone is
 * tested, not the CSP that backs it up). Each payload would set window.__xss or open a dialog.
 */
const EDITION = "2026-08-18";
const CORPUS = [
  "<script>window.__xss=1</script>",
  '<img src=x onerror="window.__xss=1">',
  '"><svg onload=window.__xss=1>',
  "'><body onload=window.__xss=1>",
  "</title><script>window.__xss=1</script>",
  "</textarea><script>window.__xss=1</script>",
  "{{constructor.constructor('window.__xss=1')()}}",
  '<a href="javascript:window.__xss=1">x</a>',
  "<iframe srcdoc='<script>parent.__xss=1</script>'>",
  "<details open ontoggle=window.__xss=1>",
];
const JS_URL = "javascript:window.__xss=1";

warnNoChromium("the XSS test");

describe.skipIf(!CHROMIUM_PATH)("XSS corpus in a real browser", () => {
  let live: LiveApp;
  let browser: Browser;
  let page: Page;
  let manage: string;
  const dialogs: string[] = [];

  beforeAll(async () => {
    [live, browser] = await Promise.all([
      startLiveApp({ now: `${EDITION}T21:00:00Z` }),
      launchChromium(),
    ]);
    const { db } = live.ctx.deps;
    await db
      .insertInto("papers")
      .values(
        CORPUS.map((payload, i) => ({
          id: `2608.${String(90000 + i)}`,
          title: `Paper ${i} ${payload}`,
          abstract: `Abstract ${payload}`,
          authors: [`Ada ${payload}`, "Bob"],
          listed_on: EDITION,
          upvotes: 100 - i,
          ai_summary: `Summary ${payload}`,
          ai_keywords: [payload],
          github_repo: i % 2 ? JS_URL : `https://github.com/x/y"onmouseover="window.__xss=1`,
          project_page: JS_URL,
          thumbnail: `x" onerror="window.__xss=1`,
          source: "hf" as const,
        })),
      )
      .execute();
    await db
      .insertInto("editions")
      .values({ edition_date: EDITION, paper_count: CORPUS.length })
      .execute();
    const [id] = await addReaders(db, [{ email: "xss-reader@example.com", sendHour: 0 }]);
    await db
      .updateTable("preferences")
      .set({ keywords: CORPUS, authors: CORPUS.slice(0, 3), skip_empty: false })
      .where("subscriber_id", "=", id!)
      .execute();
    manage = `/preferences/${signToken(TEST_SECRET, { purpose: "manage", subscriberId: id!, version: 1, issuedAt: 0 })}`;
    const context = await browser.newContext({ baseURL: live.baseUrl, bypassCSP: true });
    page = await context.newPage();
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });
  afterAll(async () => {
    await browser?.close();
    await live?.close();
  });

  async function assertInert(what: string): Promise<void> {
    // Give onload/onerror handlers and toggles their chance to run, hover everything.
    await page.waitForTimeout(150);
    for (const el of (await page.locator("a, img, svg, details").all()).slice(0, 40)) {
      await el.hover({ timeout: 200 }).catch(() => {});
    }
    const flag = await page.evaluate("window.__xss");
    expect(flag, `${what}: a payload ran`).toBeUndefined();
    expect(dialogs, what).toEqual([]);
    // Runs in the page (a string: this project's TypeScript has no DOM types).
    const injected = await page.evaluate(`({
      scripts: [...document.querySelectorAll("script")].filter((s) => /__xss/.test(s.textContent ?? "")).length,
      handlers: [...document.querySelectorAll("*")].filter((el) =>
        [...el.attributes].some((a) => a.name.startsWith("on") && /__xss/.test(a.value))).length,
      jsLinks: [...document.querySelectorAll("[href],[src]")].filter((el) =>
        /^\\s*javascript:/i.test(el.getAttribute("href") ?? el.getAttribute("src") ?? "")).length,
    })`);
    expect(injected, what).toEqual({ scripts: 0, handlers: 0, jsLinks: 0 });
  }

  it("pages showing planted paper data stay inert", async () => {
    for (const path of ["/", `/digests/${EDITION}`, "/digests"]) {
      await page.goto(path);
      await assertInert(path);
    }
    expect(await page.goto(`/digests/${EDITION}`).then(() => page.content())).toContain(
      "&lt;script&gt;",
    );
  });

  it("pages echoing form fields stay inert (subscribe error page, preferences)", async () => {
    // The ones that break out of an attribute or element; the rest are covered by the pages above.
    for (const payload of CORPUS.slice(1, 5)) {
      await page.goto("/");
      // Submit the real form with the payload as the address (the browser's own checks off).
      await page.evaluate(`(() => {
        const form = document.querySelector("form[action='/subscribe']");
        const email = form.querySelector("input[name=email]");
        email.type = "text";
        email.value = ${JSON.stringify(payload)};
        form.noValidate = true;
        form.submit();
      })()`);
      await page.waitForLoadState();
      await assertInert(`subscribe error page with ${payload}`);
    }
    await page.goto(manage);
    await assertInert("preferences page with planted keywords and authors");
  });

  it("the digest mail with planted data stays inert", async () => {
    await deliverEdition(live.ctx.deps, EDITION);
    const [mail] = await live.ctx.smtp.waitFor(1);
    await page.setContent(String(mail!.parsed.html));
    await assertInert("digest mail");
    expect(mail!.parsed.text).toContain("<script>window.__xss=1</script>"); // plain text keeps it, harmlessly
  });
});
