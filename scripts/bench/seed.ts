import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { ingest } from "../../src/papers/ingest.ts";
import { TOPICS } from "../../src/papers/taxonomy.ts";
import type { Deps } from "../../src/platform/deps.ts";
import { DATA_DIR } from "./common.ts";

export const DEFAULT_DAY = "2026-08-18";

/** Real zones, whole- and half-hour offsets, both hemispheres (DST on both sides). */
export const ZONES = [
  "UTC",
  "Europe/Berlin",
  "Europe/London",
  "America/New_York",
  "America/Los_Angeles",
  "America/Sao_Paulo",
  "Asia/Tokyo",
  "Asia/Kolkata",
  "Asia/Shanghai",
  "Asia/Kathmandu",
  "Australia/Sydney",
  "Australia/Adelaide",
  "Pacific/Auckland",
  "Africa/Lagos",
  "America/St_Johns",
  "Asia/Dubai",
];

const KEYWORDS = [
  "diffusion",
  "reinforcement learning",
  "RLHF",
  "benchmark",
  "agents",
  "video",
  "tokenizer",
  "quantization",
  "retrieval",
  "speech",
  "robot",
  "mixture of experts",
];

/** A small deterministic generator, so two runs seed the same readers. */
export function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Ingest one real day with the product's own ingestion (parse, classify, upsert), then file it
 * under `edition` so that it is the complete edition readers are due for now.
 */
export async function seedEdition(deps: Deps, day: string, edition: string): Promise<number> {
  const file = fileURLToPath(new URL(`hf-daily-papers-${day}.json`, DATA_DIR));
  await ingest(deps, [file], { source: "hf" });
  await sql`update papers set listed_on = ${edition}::date`.execute(deps.db);
  await sql`delete from editions`.execute(deps.db);
  const { rows } = await sql<{ n: number }>`
    insert into editions (edition_date, paper_count, first_ingested_at, last_ingested_at)
    select ${edition}::date, count(*), now(), now() from papers
    returning paper_count as n`.execute(deps.db);
  return rows[0]!.n;
}

function localClock(zone: string, at: Date): { hour: number; weekday: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hour: "numeric",
    hourCycle: "h23",
    weekday: "short",
  }).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === "hour")!.value);
  const day = parts.find((p) => p.type === "weekday")!.value;
  return { hour, weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(day) };
}

/**
 * `count` confirmed readers, all due at `now`: varied zones, a send hour that has already come
 * in their zone today, one in ten weekly on today's local weekday; topics, keywords and limits
 * vary; nobody skips empty days, so every reader gets exactly one mail. Returns their count.
 */
export async function seedReaders(db: Deps["db"], count: number, now: Date): Promise<number> {
  const random = rng(42);
  const slugs = TOPICS.map((t) => t.slug);
  const clocks = new Map(ZONES.map((z) => [z, localClock(z, now)]));
  const CHUNK = 5000;
  for (let start = 0; start < count; start += CHUNK) {
    const n = Math.min(CHUNK, count - start);
    const emails: string[] = [];
    const zones: string[] = [];
    const hours: number[] = [];
    const frequencies: string[] = [];
    const weekdays: number[] = [];
    const maxPapers: number[] = [];
    const keywords: string[] = [];
    const topics: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = start + i;
      const zone = ZONES[Math.floor(random() * ZONES.length)]!;
      const local = clocks.get(zone)!;
      emails.push(`reader${id}@mail${id % 97}.example.test`);
      zones.push(zone);
      hours.push(Math.floor(random() * (local.hour + 1)));
      const weekly = random() < 0.1;
      frequencies.push(weekly ? "weekly" : "daily");
      weekdays.push(weekly ? local.weekday : 1);
      maxPapers.push(5 + Math.floor(random() * 16));
      const kw = KEYWORDS.filter(() => random() < 0.12);
      keywords.push(JSON.stringify(kw));
      const picked = random() < 0.2 ? [] : slugs.filter(() => random() < 0.15);
      topics.push(JSON.stringify(picked));
    }
    await sql`
      with input as (
        select * from unnest(${emails}::text[], ${zones}::text[], ${hours}::int[],
                             ${frequencies}::text[], ${weekdays}::int[], ${maxPapers}::int[],
                             ${keywords}::text[], ${topics}::text[])
          as t(email, zone, hour, frequency, weekday, max_papers, keywords, topics)
      ), readers as (
        insert into subscribers (email, status, timezone, confirmed_at, created_at, updated_at)
        select email, 'active', zone, now(), now(), now() from input
        returning id, email
      ), prefs as (
        insert into preferences (subscriber_id, frequency, weekly_day, send_hour, max_papers,
                                 min_upvotes, skip_empty, keywords, updated_at)
        select r.id, i.frequency, i.weekday, i.hour, i.max_papers, 0, false,
               array(select json_array_elements_text(i.keywords::json)), now()
        from readers r join input i using (email)
      )
      insert into subscriber_topics (subscriber_id, topic_slug)
      select r.id, json_array_elements_text(i.topics::json)
      from readers r join input i using (email)`.execute(db);
  }
  await sql`analyze`.execute(db);
  return count;
}
