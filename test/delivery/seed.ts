import { readFileSync } from "node:fs";
import { sql } from "kysely";
import type { Db } from "../../src/platform/db/index.ts";
import type { Frequency, SubscriberStatus } from "../../src/platform/db/schema.ts";
import type { ReceivedMail } from "../helpers/smtp.ts";

const DATA = new URL("../../../shared/data/hf-daily-papers/", import.meta.url);

interface HfItem {
  paper: {
    id: string;
    title: string;
    summary: string;
    authors: { name: string }[];
    upvotes: number;
    ai_summary?: string;
    ai_keywords?: string[];
  };
}

/**
 * Load one real day of Hugging Face Daily Papers as that day's edition (papers + editions row),
 * straight into the tables: delivery tests should not depend on the ingestion code.
 */
export async function seedEdition(db: Db, date: string): Promise<number> {
  const items = JSON.parse(
    readFileSync(new URL(`hf-daily-papers-${date}.json`, DATA), "utf8"),
  ) as HfItem[];
  await db
    .insertInto("papers")
    .values(
      items.map(({ paper }) => ({
        id: paper.id,
        title: paper.title,
        abstract: paper.summary,
        authors: paper.authors.map((a) => a.name),
        listed_on: date,
        upvotes: paper.upvotes,
        ai_summary: paper.ai_summary ?? null,
        ai_keywords: paper.ai_keywords ?? [],
        source: "hf" as const,
      })),
    )
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  await db
    .insertInto("editions")
    .values({ edition_date: date, paper_count: items.length })
    .onConflict((oc) => oc.column("edition_date").doNothing())
    .execute();
  return items.length;
}

export interface ReaderSpec {
  email: string;
  timezone?: string;
  sendHour?: number;
  frequency?: Frequency;
  weeklyDay?: number;
  pausedUntil?: string | null;
  status?: SubscriberStatus;
  topics?: string[];
}

/** Confirmed readers (status active unless told), with preferences; returns their ids. */
export async function addReaders(db: Db, readers: ReaderSpec[]): Promise<number[]> {
  const ids: number[] = [];
  for (const r of readers) {
    const { id } = await db
      .insertInto("subscribers")
      .values({
        email: r.email,
        status: r.status ?? "active",
        timezone: r.timezone ?? "UTC",
        confirmed_at: new Date("2026-08-01T00:00:00Z"),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("preferences")
      .values({
        subscriber_id: id,
        frequency: r.frequency ?? "daily",
        weekly_day: r.weeklyDay ?? 1,
        send_hour: r.sendHour ?? 8,
        paused_until: r.pausedUntil ?? null,
      })
      .execute();
    if (r.topics?.length) {
      await db
        .insertInto("subscriber_topics")
        .values(r.topics.map((topic_slug) => ({ subscriber_id: id, topic_slug })))
        .execute();
    }
    ids.push(id);
  }
  return ids;
}

/** The ids of these readers' deliveries, in id order. */
export async function deliveryIdsOf(db: Db, readers: number[]): Promise<number[]> {
  const rows = await db
    .selectFrom("deliveries")
    .select("id")
    .where("subscriber_id", "in", readers)
    .orderBy("id")
    .execute();
  return rows.map((r) => r.id);
}

/** Deliveries by status. */
export async function statusCounts(db: Db): Promise<Record<string, number>> {
  const { rows } = await sql<{ status: string; n: number }>`
    select status, count(*)::int as n from deliveries group by status`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Wait until no delivery is pending or being sent (the queue has drained). */
export async function settled(db: Db, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await statusCounts(db);
    if (!counts.pending && !counts.sending) return;
    if (Date.now() > deadline) throw new Error(`deliveries not settled: ${JSON.stringify(counts)}`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
}

/** The edition a received digest belongs to, from its deterministic Message-ID. */
export function editionOf(mail: ReceivedMail): string | undefined {
  return /digest\.\d+\.(\d{4}-\d{2}-\d{2})@/.exec(mail.parsed.messageId ?? "")?.[1];
}

/** How many mails each address received. */
export function mailsPerAddress(mails: ReceivedMail[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of mails) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}

/** From the number of digests each due reader got: readers who got none, and extra copies. */
export function lostAndDuplicated(perReader: number[]): { lost: number; duplicated: number } {
  return {
    lost: perReader.filter((n) => n === 0).length,
    duplicated: perReader.reduce((sum, n) => sum + Math.max(0, n - 1), 0),
  };
}
