import * as cheerio from "cheerio";
import type { LiveApp } from "../../test/helpers/browser.ts";
import type { ReceivedMail } from "../../test/helpers/smtp.ts";
import type { Persona } from "./relevance-data.ts";

/**
 * A persona as a real reader of the live app, through the product's own paths only: subscribe
 * over the API, confirm through the mailed link, set preferences through the API, read each
 * digest's HTML and vote by POSTing its "More like this" / "Less like this" links.
 */
export interface BenchReader {
  persona: Persona;
  email: string;
  subscriberId: number;
}

/** A paper of a digest as the reader sees it: its id (from the title link) and feedback links. */
export interface DigestEntry {
  paperId: string;
  more: string;
  less: string;
}

function linkTo(mail: ReceivedMail, base: string, route: string): string {
  const text = mail.parsed.text ?? "";
  const match = new RegExp(`${base.replace(/[.:/]/g, "\\$&")}/${route}/[A-Za-z0-9._-]+`).exec(text);
  if (!match) throw new Error(`no ${route} link in "${mail.parsed.subject}"`);
  return match[0];
}

async function call(url: string, init: RequestInit, expected: number): Promise<Response> {
  const res = await fetch(url, init);
  if (res.status !== expected) {
    throw new Error(
      `${init.method ?? "GET"} ${new URL(url).pathname}: ${res.status}, expected ${expected}`,
    );
  }
  return res;
}

const JSON_HEADERS = { "content-type": "application/json" };

export async function subscribeReader(
  live: LiveApp,
  persona: Persona,
  email: string,
): Promise<BenchReader> {
  const base = live.baseUrl;
  const body = JSON.stringify({ email, topics: persona.topics, frequency: "daily" });
  await call(`${base}/api/subscriptions`, { method: "POST", headers: JSON_HEADERS, body }, 202);
  const [confirmMail] = await live.ctx.smtp.waitForMailTo(email, 1);
  await call(linkTo(confirmMail!, base, "confirm"), { method: "POST" }, 200);
  const welcome = (await live.ctx.smtp.waitForMailTo(email, 2))[1]!;
  const token = linkTo(welcome, base, "preferences").split("/").pop()!;
  const api = `${base}/api/preferences/${token}`;
  const current = (await (await call(api, {}, 200)).json()) as { preferences: object };
  const wanted = {
    topics: persona.topics,
    keywords: persona.keywords,
    authors: persona.authors,
    max_papers: persona.max_papers,
  };
  const update = JSON.stringify({ ...current, preferences: { ...current.preferences, ...wanted } });
  const put = await call(api, { method: "PUT", headers: JSON_HEADERS, body: update }, 200);
  const saved = ((await put.json()) as { preferences: Record<string, unknown> }).preferences;
  for (const [key, value] of Object.entries(wanted)) {
    if (JSON.stringify(saved[key]) !== JSON.stringify(value)) {
      throw new Error(`${persona.id}: preferences kept ${key} = ${JSON.stringify(saved[key])}`);
    }
  }
  const row = await live.ctx.deps.db
    .selectFrom("subscribers")
    .select("id")
    .where("email", "=", email)
    .executeTakeFirstOrThrow();
  return { persona, email, subscriberId: row.id };
}

const PAPER_LINK = /^https:\/\/(?:huggingface\.co\/papers|arxiv\.org\/abs)\/([^/?#]+)$/;

/** The reader's papers in a digest, in mail order: each title link followed by its two votes. */
export function digestEntries(mail: ReceivedMail): DigestEntry[] {
  const $ = cheerio.load(String(mail.parsed.html ?? ""));
  const entries: DigestEntry[] = [];
  let paperId: string | null = null;
  let more: string | null = null;
  $("a").each((_i, el) => {
    const href = $(el).attr("href") ?? "";
    const label = $(el).text().trim();
    const paper = PAPER_LINK.exec(href);
    if (paper) [paperId, more] = [decodeURIComponent(paper[1]!), null];
    else if (label === "More like this") more = href;
    else if (label === "Less like this" && paperId && more) {
      entries.push({ paperId, more, less: href });
      [paperId, more] = [null, null];
    }
  });
  return entries;
}

/** A reader's one tap on a feedback link (POST, no body), as the page's button sends it. */
export async function voteThrough(url: string): Promise<void> {
  await call(url, { method: "POST" }, 200);
}
