// `npm run screenshots`: every page a reader meets, the admin home, the API docs and the dev
// outbox, and every mail (confirmation, welcome, links, digest), at 375 px and 1280 px, light
// and dark (mails also with <style> stripped, as some clients do, and with images blocked), as
// PNGs in artifacts/screenshots/. Runs the real app against its own throwaway database, Redis prefix
// and SMTP server, then removes them. `-- --only=admin,docs` writes only the shots whose names
// contain one of those words (the journey still runs, to reach them).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { deliverEdition } from "../../src/delivery/deliver-edition.ts";
import { ingest } from "../../src/papers/ingest.ts";
import { CHROMIUM_PATH, launchChromium, startLiveApp } from "../../test/helpers/browser.ts";
import { prepareTemplate } from "../../test/helpers/database.ts";

const OUT = fileURLToPath(new URL("../../artifacts/screenshots/", import.meta.url));
const DATA = fileURLToPath(new URL("../../../shared/data/hf-daily-papers/", import.meta.url));
const DAYS = ["2026-08-13", "2026-08-14", "2026-08-17", "2026-08-18"];
const EDITION = DAYS.at(-1)!;
const EMAIL = "ada.reader@example.org";
const WIDTHS = [375, 1280] as const;
const SCHEMES = ["light", "dark"] as const;
const ONLY = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",")
  .filter(Boolean);

if (!CHROMIUM_PATH) {
  console.error(
    "screenshots: no Chromium found. Install Debian's chromium or set CHROMIUM_PATH; browsers are never downloaded.",
  );
  process.exit(2);
}

await prepareTemplate();
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
// The dev outbox route reads .eml files from here; the mails the SMTP server got are copied in.
const OUTBOX = mkdtempSync(path.join(tmpdir(), "paperboy-shots-outbox-"));
const live = await startLiveApp({
  now: `${EDITION}T21:00:00Z`,
  env: { DEV_OUTBOX_ROUTE: "true", OUTBOX_DIR: OUTBOX },
});
const browser = await launchChromium();
let shots = 0;

/** The page as it is now, in every width and colour scheme. */
async function capture(page: Page, name: string): Promise<void> {
  if (ONLY && !ONLY.some((word) => name.includes(word))) return;
  for (const width of WIDTHS) {
    for (const colorScheme of SCHEMES) {
      await page.setViewportSize({ width, height: width < 600 ? 800 : 900 });
      await page.emulateMedia({ colorScheme });
      const file = path.join(OUT, `${name}-${width}-${colorScheme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      shots++;
    }
  }
  await page.emulateMedia({ colorScheme: "light" });
}

const mailTo = (n: number) => {
  const mail = live.ctx.smtp.to(EMAIL)[n - 1];
  if (!mail) throw new Error(`mail #${n} to the reader did not arrive`);
  return mail;
};
/** The latest mail to the reader with this subject, once it has arrived. */
async function mailTitled(subject: string) {
  for (let tries = 0; tries < 150; tries++) {
    const mail = live.ctx.smtp.to(EMAIL).findLast((m) => m.parsed.subject === subject);
    if (mail) return mail;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no mail "${subject}" to the reader`);
}
const linkIn = (html: string, route: string) => {
  const match = new RegExp(`${live.baseUrl}/${route}/[A-Za-z0-9._-]+`).exec(html);
  if (!match) throw new Error(`no /${route}/ link in the mail`);
  return match[0];
};

try {
  await ingest(
    live.ctx.deps,
    DAYS.map((d) => `${DATA}hf-daily-papers-${d}.json`),
    { source: "hf" },
  );
  const context = await browser.newContext({ baseURL: live.baseUrl, timezoneId: "Europe/Berlin" });
  const page = await context.newPage();
  const submit = async (button: string) => {
    await page.getByRole("button", { name: button, exact: true }).click();
    await page.waitForLoadState();
  };

  await page.goto("/");
  await capture(page, "01-landing");
  await page.getByLabel("Email address").fill("not an address");
  await submit("Subscribe");
  await capture(page, "02-subscribe-error");
  await page.getByLabel("Email address").fill(EMAIL);
  await page.getByText("Topics, daily or weekly, and your time zone").click();
  await capture(page, "02b-subscribe-more");
  await page.getByLabel("Agents & tool use").check();
  await page.getByLabel("Reinforcement learning").check();
  await submit("Subscribe");
  await capture(page, "03-check-inbox");

  await live.ctx.smtp.waitFor(1);
  const confirmation = String(mailTo(1).parsed.html);
  await page.goto(linkIn(confirmation, "confirm"));
  await capture(page, "04-confirm");
  await submit("Confirm subscription");
  await capture(page, "05-welcome");
  await page.goto(linkIn(confirmation, "confirm"));
  await capture(page, "05b-confirm-reused");

  await live.ctx.smtp.waitFor(2);
  const welcome = String(mailTo(2).parsed.html);
  await page.goto(linkIn(welcome, "preferences"));
  await capture(page, "06-preferences");
  await page.getByLabel("Image generation").check();
  await page.getByLabel("Send hour").selectOption("7");
  await page.getByLabel("Keywords to follow").fill("diffusion\nretrieval");
  await submit("Save preferences");
  await capture(page, "07-preferences-saved");

  await deliverEdition(live.ctx.deps, EDITION);
  await live.ctx.smtp.waitFor(3);
  const digest = String(mailTo(3).parsed.html);

  await page.goto(linkIn(digest, "mute"));
  await capture(page, "07b-mute");
  await submit("Mute");
  await capture(page, "07c-muted");
  await page.goto(linkIn(digest, "feedback"));
  await capture(page, "07d-feedback");
  await submit("More like this");
  await capture(page, "07e-feedback-thanks");

  await page.goto(linkIn(digest, "unsubscribe"));
  await capture(page, "08-unsubscribe");
  await submit("Unsubscribe");
  await capture(page, "09-unsubscribed");
  await submit("Resubscribe");
  await capture(page, "10-resubscribed");

  await page.goto("/digests");
  await capture(page, "11-archive");
  await page.goto("/digests?topic=agents");
  await capture(page, "11b-archive-topic");
  await page.goto(`/digests/${EDITION}`);
  await capture(page, "12-archive-edition");
  await page.goto("/no-such-page");
  await capture(page, "13-not-found");
  await page.goto("/digests/not-a-date");
  await capture(page, "14-bad-request");
  await page.goto("/preferences/forged.token");
  await capture(page, "14b-bad-link");
  await page.goto("/links");
  await capture(page, "15-links");
  await page.getByLabel("Email address").fill(EMAIL);
  await submit("Email me my links");
  await capture(page, "16-links-sent");
  const links = String((await mailTitled("Your Paperboy links")).parsed.html);
  // The per-IP limit of the form (SUBSCRIBE_RATE_LIMIT_PER_MINUTE) answers with the 429 page.
  for (let i = 0; i < 20 && (await page.title()) !== "Too many requests · Paperboy"; i++) {
    await page.goto("/links");
    await page.getByLabel("Email address").fill(`someone${i}@example.org`);
    await submit("Email me my links");
  }
  await capture(page, "17-too-many-requests");

  // The dev outbox, as a developer without SMTP_URL sees every mail the reader got.
  live.ctx.smtp.to(EMAIL).forEach((mail, i) => {
    writeFileSync(path.join(OUTBOX, `${String(i + 1).padStart(2, "0")}.eml`), mail.raw);
  });
  await page.goto("/dev/outbox");
  await capture(page, "18-dev-outbox");
  await page.getByRole("link", { name: "Confirm your Paperboy subscription" }).click();
  await page.waitForLoadState();
  await page.frameLocator("iframe.mail-frame").locator("h1").waitFor();
  await capture(page, "19-dev-outbox-mail");

  // The operator's pages, logged in as a browser does (any user name, the token as password).
  const operator = await browser.newContext({
    baseURL: live.baseUrl,
    httpCredentials: { username: "operator", password: live.ctx.config.ADMIN_TOKEN },
  });
  const adminPage = await operator.newPage();
  await adminPage.goto("/admin");
  await capture(adminPage, "30-admin");
  await adminPage.goto("/docs");
  await adminPage.locator(".swagger-ui .info .title").waitFor();
  await adminPage.locator(".opblock").first().waitFor();
  await capture(adminPage, "31-api-docs");
  await operator.close();

  for (const [name, html] of [
    ["20-mail-confirmation", confirmation],
    ["21-mail-welcome", welcome],
    ["22-mail-links", links],
    ["23-mail-digest", digest],
  ] as const) {
    // A blank page, as in a mail client: the app's CSP would block the mail's inline styles.
    await page.goto("about:blank");
    await page.setContent(html);
    await capture(page, name);
    // As a client that strips <style> shows it, and with images blocked.
    await page.route("https://**", (route) => route.abort());
    await page.setContent(html.replace(/<style[\s\S]*?<\/style>/gi, ""));
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      await page.screenshot({
        path: path.join(OUT, `${name}-${width}-nostyle.png`),
        fullPage: true,
      });
      shots++;
    }
    await page.unroute("https://**");
  }
  console.log(`screenshots: ${shots} PNGs in ${path.relative(process.cwd(), OUT)}/`);
} finally {
  await browser.close();
  await live.close();
  rmSync(OUTBOX, { recursive: true, force: true });
}
