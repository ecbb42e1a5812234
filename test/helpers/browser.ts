import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type { FastifyInstance } from "fastify";
import { type Browser, chromium, type Page } from "playwright-core";
import { freePort } from "../../scripts/services.mjs";
import { createTestContext, type TestContext } from "./context.ts";
import { buildServerWithMailWorker } from "./mail-worker.ts";

/**
 * The system Chromium for browser tests: `npm test` passes what scripts/chromium.mjs found as
 * CHROMIUM_PATH (empty when none); a bare `npx vitest` tries Debian's. Never downloaded:
 * without one, browser tests skip loudly.
 */
export const CHROMIUM_PATH =
  (
    process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : "")
  ).trim() || null;

export function warnNoChromium(what: string): void {
  if (CHROMIUM_PATH) return;
  console.warn(
    `\n*** SKIPPED ${what}: no Chromium (CHROMIUM_PATH is empty). Install Debian's chromium ` +
      "or set CHROMIUM_PATH to run it. ***\n",
  );
}

/** Headless Chromium, quiet: no sync, updates or background traffic. */
export function launchChromium(executablePath = CHROMIUM_PATH): Promise<Browser> {
  if (!executablePath) throw new Error("no Chromium: set CHROMIUM_PATH");
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The app listening on 127.0.0.1 with a free port, and links in mails pointing at it. */
export interface LiveApp {
  ctx: TestContext;
  app: FastifyInstance;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Start the real server on a free port. PUBLIC_URL must name the port before the app is built,
 * so a throwaway listener picks a free one first.
 */
export async function startLiveApp(
  options: { now?: string; env?: Record<string, string> } = {},
): Promise<LiveApp> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const ctx = await createTestContext({
    ...options,
    env: { PUBLIC_URL: baseUrl, ...options.env },
  });
  const app = await buildServerWithMailWorker(ctx.deps);
  await app.listen({ host: "127.0.0.1", port });
  return {
    ctx,
    app,
    baseUrl,
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/**
 * Run axe-core on the page as it is now (the browser context needs `bypassCSP: true`, since the
 * pages' CSP forbids injected scripts); return the serious and critical violations, each as
 * one readable line naming the rule and the first offending elements.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  return axeViolations(page, ["serious", "critical"]);
}

/**
 * Every axe violation of the given impacts (all impacts, minor included, by default), except
 * the rules in `skip` (e.g. page-landmark rules for a mail, which a client shows inside its
 * own page).
 */
export async function axeViolations(
  page: Page,
  impacts: string[] = ["minor", "moderate", "serious", "critical"],
  skip: string[] = [],
): Promise<string[]> {
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async (rules) => {
    type Run = (ctx: unknown, options: unknown) => Promise<{ violations: unknown[] }>;
    const axe = (globalThis as unknown as { axe: { run: Run } }).axe;
    const options = { rules: Object.fromEntries(rules.map((r) => [r, { enabled: false }])) };
    const doc = (globalThis as unknown as { document: unknown }).document;
    return (await axe.run(doc, options)).violations as AxeViolation[];
  }, skip);
  return violations
    .filter((v) => impacts.includes(v.impact ?? ""))
    .map(
      (v) =>
        `${v.impact} ${v.id} (${v.help}) at ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(" "))
          .join(", ")}`,
    );
}
