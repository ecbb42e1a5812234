import type { Frequency } from "../platform/db/schema.ts";

/**
 * When a reader is due, as pure functions of the time. Every rule about "which edition, at
 * which local hour" lives here; the planner only asks these functions and lets SQL match
 * subscribers against the answers.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface LocalTime {
  /** Local calendar date, YYYY-MM-DD. */
  date: string;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

// Building an Intl formatter costs ~50x formatting with it; they are immutable, so keep them.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock date and time of an instant in an IANA zone (DST-correct, via Intl). */
export function localTime(at: Date, timeZone: string): LocalTime {
  const parts = formatter(timeZone).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "0";
  const date = `${get("year").padStart(4, "0")}-${get("month")}-${get("day")}`;
  return {
    date,
    hour: Number(get("hour")),
    minute: Number(get("minute")),
    weekday: new Date(`${date}T00:00:00Z`).getUTCDay(),
  };
}

/** How far the zone's wall clock is ahead of UTC at an instant (ms, seconds dropped). */
function offsetMs(at: number, timeZone: string): number {
  const t = localTime(new Date(at), timeZone);
  const wall = Date.parse(`${t.date}T00:00:00Z`) + t.hour * HOUR_MS + t.minute * 60_000;
  return wall - (at - (at % 60_000));
}

/**
 * The instant a local wall-clock hour begins on a local date. When the clocks fall back and the
 * hour happens twice, the first one; when they spring forward over it, the moment of the jump
 * (the first instant whose local time is past it).
 */
export function zonedInstant(date: string, hour: number, timeZone: string): Date {
  const wall = Date.parse(`${date}T00:00:00Z`) + hour * HOUR_MS;
  const offsets = new Set([-DAY_MS, 0, DAY_MS].map((d) => offsetMs(wall + d, timeZone)));
  const candidates = [...offsets].map((o) => wall - o).sort((a, b) => a - b);
  const exact = candidates.find((t) => t + offsetMs(t, timeZone) === wall);
  if (exact !== undefined) return new Date(exact);
  const afterGap = candidates.find((t) => t + offsetMs(t, timeZone) > wall);
  return new Date(afterGap ?? candidates[candidates.length - 1]!);
}

/**
 * The edition that is complete at `at`: the latest UTC date D among `editions` (dates whose
 * papers were ingested) whose cut-off, D + cutoffHour UTC, has passed.
 */
export function completeEditionAt(
  at: Date,
  cutoffHourUtc: number,
  editions: readonly string[],
): string | null {
  let best: string | null = null;
  for (const edition of editions) {
    const completeAt = Date.parse(`${edition}T00:00:00Z`) + cutoffHourUtc * HOUR_MS;
    if (completeAt <= at.getTime() && (best === null || edition > best)) best = edition;
  }
  return best;
}

export interface SendSchedule {
  timezone: string;
  sendHour: number;
  frequency: Frequency;
  /** Only for weekly readers: 0 = Sunday … 6 = Saturday, in their zone. */
  weeklyDay: number;
}

export interface DueSlot {
  /** The edition this reader gets today. */
  edition: string;
  /** The reader's local date now (for the pause check). */
  localDate: string;
  /** When the reader's hour began today. */
  sendAt: Date;
}

/**
 * Whether a schedule's send hour has come today (in its zone) and, if so, which edition it
 * gets: the one complete when its hour began, so a reader whose hour comes before the cut-off
 * gets the previous complete edition, never a half one, and a later edition completing the
 * same day does not cause a second mail. Weekly readers are due only on their local weekday.
 * null when not due at `now`.
 */
export function dueSlot(
  schedule: SendSchedule,
  now: Date,
  cutoffHourUtc: number,
  editions: readonly string[],
): DueSlot | null {
  const local = localTime(now, schedule.timezone);
  if (schedule.frequency === "weekly" && local.weekday !== schedule.weeklyDay) return null;
  const sendAt = zonedInstant(local.date, schedule.sendHour, schedule.timezone);
  if (sendAt.getTime() > now.getTime()) return null;
  const edition = completeEditionAt(sendAt, cutoffHourUtc, editions);
  return edition ? { edition, localDate: local.date, sendAt } : null;
}

/**
 * On demand (`paperboy digest`), any hour will do: daily readers, weekly readers on their local
 * weekday, nobody who paused.
 */
export function dueToday(
  reader: Omit<SendSchedule, "sendHour"> & { pausedUntil: string | null },
  now: Date,
): boolean {
  const local = localTime(now, reader.timezone);
  if (reader.frequency === "weekly" && local.weekday !== reader.weeklyDay) return false;
  return !isPaused(reader.pausedUntil, local.date);
}

/** A pause holds through its last day, in the reader's own calendar. */
export function isPaused(pausedUntil: string | null, localDate: string): boolean {
  return pausedUntil !== null && pausedUntil >= localDate;
}
