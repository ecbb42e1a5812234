// `npm run screenshots`: every page a reader meets, the admin home and the API docs, and the
// confirmation, welcome and digest mails, at 375 px and 1280 px, light and dark (mails also with
// <style> stripped, as some clients do, and with images blocked), as PNGs in
// artifacts/screenshots/. Runs the real app against its own throwaway database, Redis prefix
// and SMTP server, then removes them. `-- --only=admin,docs` writes only the shots whose names
// contain one of those words (the journey still runs, to reach them).
import { mkdirSync, rmSync } from "node:fs";
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
const live = await startLiveApp({ now: `${EDITION}T21:00:00Z` });
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

  await page.goto(linkIn(digest, "unsubscribe"));
  await capture(page, "08-unsubscribe");
  await submit("Unsubscribe");
  await capture(page, "09-unsubscribed");
  await submit("Resubscribe");
  await capture(page, "10-resubscribed");

  await page.goto("/digests");
  await capture(page, "11-archive");
  await page.goto(`/digests/${EDITION}`);
  await capture(page, "12-archive-edition");
  await page.goto("/no-such-page");
  await capture(page, "13-not-found");
  await page.goto("/digests/not-a-date");
  await capture(page, "14-bad-request");
  await page.goto("/links");
  await capture(page, "15-links");
  await page.getByLabel("Email address").fill(EMAIL);
  await submit("Email me my links");
  await capture(page, "16-links-sent");

  // The operator's pages, logged in as a browser does (any user name, the token as password).
  const operator = await browser.newContext({
    baseURL: live.baseUrl,
    httpCredentials: { username: "operator", password: live.ctx.config.ADMIN_TOKEN },
  });
  const adminPage = await operator.newPage();
  await adminPage.goto("/admin");
  await capture(adminPage, "15-admin");
  await adminPage.goto("/docs");
  await adminPage.locator(".swagger-ui .info .title").waitFor();
  await adminPage.locator(".opblock").first().waitFor();
  await capture(adminPage, "16-api-docs");
  await operator.close();

  for (const [name, html] of [
    ["20-mail-confirmation", confirmation],
    ["21-mail-welcome", welcome],
    ["22-mail-digest", digest],
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
}
