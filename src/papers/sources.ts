import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { describeSystemError } from "../platform/system-errors.ts";
import { SourceError } from "./paper.ts";

/** One raw input: its text and, when it tells, the edition date it was requested for. */
export interface RawSource {
  origin: string;
  body: string;
  date?: string;
}

const HF_PAGE_SIZE = 100;
/** A server that ignores `p` would otherwise be paged forever. */
export const HF_MAX_PAGES = 20;
const FETCH_TIMEOUT_MS = 30_000;

/** A file, or every .json/.xml file of a directory (sorted, so days load in order). */
export async function readLocal(input: string): Promise<RawSource[]> {
  const info = await stat(input).catch((error) => {
    throw new SourceError(`cannot read ${input}: ${describeSystemError(error)}`);
  });
  const files = info.isDirectory()
    ? (await readdir(input))
        .filter((f) => /\.(json|xml|rss|atom)$/i.test(f))
        .sort()
        .map((f) => path.join(input, f))
    : [input];
  if (files.length === 0) throw new SourceError(`no .json or .xml files in ${input}`);
  return Promise.all(
    files.map(async (file) => {
      const body = await readFile(file, "utf8").catch((error) => {
        throw new SourceError(`cannot read ${file}: ${describeSystemError(error)}`);
      });
      return { origin: file, body, date: dateInName(path.basename(file)) };
    }),
  );
}

/** Our own exports and the shared samples are named by day: hf-daily-papers-2026-08-18.json. */
function dateInName(name: string): string | undefined {
  const matches = name.match(/\d{4}-\d{2}-\d{2}/g);
  return matches?.length === 1 ? matches[0] : undefined;
}

export async function fetchText(
  url: string,
  headers: Record<string, string> = {},
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: {
        accept: "application/json, application/atom+xml, application/xml;q=0.9",
        ...headers,
      },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    throw new SourceError(`cannot fetch ${url}: ${describeSystemError(error)}`);
  }
  if (!response.ok) throw new SourceError(`GET ${url} answered HTTP ${response.status}`);
  return response.text();
}

/** True for the Daily Papers API (the configured one, or any …/api/daily_papers mirror). */
export function isHfListUrl(url: string, configured: string): boolean {
  const u = new URL(url);
  const c = new URL(configured);
  return (
    (u.origin === c.origin && u.pathname === c.pathname) || u.pathname.endsWith("/daily_papers")
  );
}

/**
 * Every page of one day's Daily Papers list, as one JSON array text:
 * `${base}?date=D&limit=100&p=0`, `p=1`, … until a page comes back empty.
 */
export async function fetchHfDay(base: string, date: string): Promise<RawSource> {
  const items: unknown[] = [];
  let previousFirst: string | undefined;
  for (let page = 0; page < HF_MAX_PAGES; page++) {
    const url = new URL(base);
    url.searchParams.set("date", date);
    url.searchParams.set("limit", String(HF_PAGE_SIZE));
    url.searchParams.set("p", String(page));
    const body = await fetchText(url.toString());
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new SourceError(`${url} did not answer JSON`);
    }
    if (!Array.isArray(parsed)) throw new SourceError(`${url} did not answer a JSON array`);
    if (parsed.length === 0) break;
    // The same page again means the server ignores `p`: stop instead of duplicating.
    const first = JSON.stringify(parsed[0]);
    if (first === previousFirst) break;
    previousFirst = first;
    items.push(...parsed);
  }
  const origin = new URL(base);
  origin.searchParams.set("date", date);
  return { origin: origin.toString(), body: JSON.stringify(items), date };
}
