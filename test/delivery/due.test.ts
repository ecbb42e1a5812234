import { describe, expect, it } from "vitest";
import {
  completeEditionAt,
  dueSlot,
  dueToday,
  isPaused,
  localTime,
  type SendSchedule,
  zonedInstant,
} from "../../src/delivery/due.ts";

const EDITIONS = ["2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"];
const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
const daily = (timezone: string, sendHour: number): SendSchedule => ({
  timezone,
  sendHour,
  frequency: "daily",
  weeklyDay: 1,
});

describe("localTime", () => {
  it.each([
    ["2026-03-08T06:59:00Z", "America/New_York", "2026-03-08", 1, 59], // EST, just before DST
    ["2026-03-08T07:00:00Z", "America/New_York", "2026-03-08", 3, 0], // EDT: 2:00 skipped
    ["2026-01-10T18:29:00Z", "Asia/Kolkata", "2026-01-10", 23, 59],
    ["2026-01-10T18:30:00Z", "Asia/Kolkata", "2026-01-11", 0, 0],
    ["2026-01-10T10:00:00Z", "Pacific/Kiritimati", "2026-01-11", 0, 0], // UTC+14
    ["2026-04-04T13:59:00Z", "Pacific/Auckland", "2026-04-05", 2, 59], // NZDT, before fall-back
  ])("%s in %s is %s %d:%d", (at, tz, date, hour, minute) => {
    expect(localTime(new Date(at), tz)).toMatchObject({ date, hour, minute });
  });

  it("gives the local weekday (0 = Sunday)", () => {
    expect(localTime(new Date("2026-08-16T12:00:00Z"), "UTC").weekday).toBe(0);
    // Still Saturday in New York late evening, already Sunday in UTC.
    expect(localTime(new Date("2026-08-16T02:00:00Z"), "America/New_York").weekday).toBe(6);
  });
});

describe("zonedInstant", () => {
  it.each([
    ["2026-07-01", 8, "America/New_York", "2026-07-01T12:00:00.000Z"],
    ["2026-01-01", 8, "America/New_York", "2026-01-01T13:00:00.000Z"],
    // Spring forward: 2:00 does not exist in New York, the hour begins at the jump (3:00 EDT).
    ["2026-03-08", 2, "America/New_York", "2026-03-08T07:00:00.000Z"],
    // Fall back: 1:00 happens twice; the first one (EDT) counts.
    ["2026-11-01", 1, "America/New_York", "2026-11-01T05:00:00.000Z"],
    ["2026-03-29", 2, "Europe/Berlin", "2026-03-29T01:00:00.000Z"],
    ["2026-10-25", 2, "Europe/Berlin", "2026-10-25T00:00:00.000Z"],
    ["2026-10-25", 3, "Europe/Berlin", "2026-10-25T02:00:00.000Z"],
    ["2026-08-18", 8, "Asia/Kolkata", "2026-08-18T02:30:00.000Z"],
    ["2026-09-27", 2, "Pacific/Auckland", "2026-09-26T14:00:00.000Z"], // NZ spring forward
    ["2026-04-05", 2, "Pacific/Auckland", "2026-04-04T13:00:00.000Z"], // NZ fall back, first 2:00
    ["2026-08-18", 8, "Pacific/Kiritimati", "2026-08-17T18:00:00.000Z"],
  ])("%s %d:00 in %s begins at %s", (date, hour, tz, expected) => {
    expect(zonedInstant(date, hour, tz).toISOString()).toBe(expected);
  });
});

describe("completeEditionAt", () => {
  it("is the latest ingested date whose cut-off has passed", () => {
    expect(completeEditionAt(new Date("2026-03-09T19:59:00Z"), 20, EDITIONS)).toBe("2026-03-08");
    expect(completeEditionAt(new Date("2026-03-09T20:00:00Z"), 20, EDITIONS)).toBe("2026-03-09");
    expect(completeEditionAt(new Date("2026-03-09T00:00:00Z"), 0, EDITIONS)).toBe("2026-03-09");
  });

  it("skips days that were never ingested and answers null before the first", () => {
    const gappy = ["2026-03-06", "2026-03-09"];
    expect(completeEditionAt(new Date("2026-03-09T12:00:00Z"), 20, gappy)).toBe("2026-03-06");
    expect(completeEditionAt(new Date("2026-03-06T12:00:00Z"), 20, gappy)).toBeNull();
  });
});

describe("dueSlot", () => {
  it("is null before the reader's hour and gives the complete edition from it on", () => {
    const ny = daily("America/New_York", 8);
    // 7:45 EST on Mar 9 (EDT since Mar 8): 11:45Z is 7:45 local.
    expect(dueSlot(ny, new Date("2026-03-09T11:45:00Z"), 20, EDITIONS)).toBeNull();
    const slot = dueSlot(ny, new Date("2026-03-09T12:00:00Z"), 20, EDITIONS);
    expect(slot).toMatchObject({ edition: "2026-03-08", localDate: "2026-03-09" });
  });

  it("gives an hour that comes before the cut-off the previous complete edition", () => {
    // Berlin 8:00 on Mar 10 is 07:00Z: Mar 10 is not complete until 20:00Z, Mar 9 is.
    const slot = dueSlot(daily("Europe/Berlin", 8), new Date("2026-03-10T07:00:00Z"), 20, EDITIONS);
    expect(slot?.edition).toBe("2026-03-09");
  });

  it("keeps the edition chosen at the reader's hour when a newer one completes later that day", () => {
    const ny = daily("America/New_York", 8);
    // 16:30 EDT on Mar 10 = 20:30Z: Mar 10 is complete now but was not at 8:00 local.
    expect(dueSlot(ny, new Date("2026-03-10T20:30:00Z"), 20, EDITIONS)?.edition).toBe("2026-03-09");
  });

  it("handles a reader whose hour falls into the spring-forward gap", () => {
    const ny = daily("America/New_York", 2);
    expect(dueSlot(ny, new Date("2026-03-08T06:59:00Z"), 20, EDITIONS)).toBeNull();
    expect(iso(dueSlot(ny, new Date("2026-03-08T07:00:00Z"), 20, EDITIONS)?.sendAt)).toBe(
      "2026-03-08T07:00:00.000Z",
    );
  });

  it("handles the far east: Kiritimati (+14) and Auckland get yesterday-UTC's edition", () => {
    const kiri = daily("Pacific/Kiritimati", 8); // 8:00 on Mar 10 local = 18:00Z Mar 9
    expect(dueSlot(kiri, new Date("2026-03-09T18:00:00Z"), 20, EDITIONS)).toMatchObject({
      edition: "2026-03-08",
      localDate: "2026-03-10",
    });
    const akl = daily("Pacific/Auckland", 7); // NZDT +13: 7:00 Mar 10 = 18:00Z Mar 9
    expect(dueSlot(akl, new Date("2026-03-09T17:59:00Z"), 20, EDITIONS)).toBeNull();
    expect(dueSlot(akl, new Date("2026-03-09T18:00:00Z"), 20, EDITIONS)?.edition).toBe(
      "2026-03-08",
    );
  });

  it("handles half-hour zones (Kolkata +5:30)", () => {
    const kol = daily("Asia/Kolkata", 9); // 03:30Z
    expect(dueSlot(kol, new Date("2026-03-10T03:29:00Z"), 20, EDITIONS)).toBeNull();
    expect(dueSlot(kol, new Date("2026-03-10T03:30:00Z"), 20, EDITIONS)?.edition).toBe(
      "2026-03-09",
    );
  });

  it("makes weekly readers due only on their local weekday", () => {
    // 2026-03-09 is a Monday.
    const weekly: SendSchedule = { ...daily("Asia/Kolkata", 8), frequency: "weekly", weeklyDay: 1 };
    expect(dueSlot(weekly, new Date("2026-03-09T03:00:00Z"), 20, EDITIONS)?.edition).toBe(
      "2026-03-08",
    );
    expect(dueSlot(weekly, new Date("2026-03-10T03:00:00Z"), 20, EDITIONS)).toBeNull();
    // Monday 0:30 in Kolkata is still Sunday in UTC: the local weekday decides.
    const midnight = { ...weekly, sendHour: 0 };
    expect(dueSlot(midnight, new Date("2026-03-08T19:00:00Z"), 20, EDITIONS)).not.toBeNull();
  });

  it("is null while no edition is complete", () => {
    expect(dueSlot(daily("UTC", 0), new Date("2026-03-06T12:00:00Z"), 20, EDITIONS)).toBeNull();
  });

  it("delivers at most one edition per local day, through DST changes, in every zone", () => {
    const zones = [
      "America/New_York",
      "Europe/Berlin",
      "Asia/Kolkata",
      "Pacific/Auckland",
      "Pacific/Kiritimati",
      "UTC",
    ];
    const editions = Array.from({ length: 40 }, (_, i) =>
      new Date(Date.UTC(2026, 2, 1 + i)).toISOString().slice(0, 10),
    );
    for (const tz of zones) {
      for (const hour of [0, 2, 8, 23]) {
        const delivered = new Map<string, string>(); // edition → local date it went out
        for (let t = Date.UTC(2026, 2, 5); t < Date.UTC(2026, 3, 8); t += 15 * 60_000) {
          const slot = dueSlot(daily(tz, hour), new Date(t), 20, editions);
          if (slot && !delivered.has(slot.edition)) delivered.set(slot.edition, slot.localDate);
        }
        const days = [...delivered.values()];
        expect(new Set(days).size, `${tz} ${hour}:00`).toBe(days.length);
        // Every day gets one, except where a DST change moves the reader's hour across the
        // cut-off (one edition skipped, or one day without a new edition).
        expect(days.length, `${tz} ${hour}:00`).toBeGreaterThanOrEqual(33 - 2);
      }
    }
  });
});

describe("dueToday (paperboy digest)", () => {
  const monday = new Date("2026-03-09T12:00:00Z");
  const reader = { timezone: "UTC", frequency: "daily" as const, weeklyDay: 1, pausedUntil: null };
  it("takes daily readers at any hour, weekly ones on their local weekday, nobody paused", () => {
    expect(dueToday(reader, monday)).toBe(true);
    expect(dueToday({ ...reader, frequency: "weekly" }, monday)).toBe(true);
    expect(dueToday({ ...reader, frequency: "weekly", weeklyDay: 2 }, monday)).toBe(false);
    // Already Tuesday in Auckland.
    const akl = { ...reader, timezone: "Pacific/Auckland", frequency: "weekly" as const };
    expect(dueToday({ ...akl, weeklyDay: 2 }, monday)).toBe(true);
    expect(dueToday({ ...reader, pausedUntil: "2026-03-09" }, monday)).toBe(false);
  });
});

describe("isPaused", () => {
  it("holds a pause through its last local day", () => {
    expect(isPaused(null, "2026-03-10")).toBe(false);
    expect(isPaused("2026-03-10", "2026-03-10")).toBe(true);
    expect(isPaused("2026-03-09", "2026-03-10")).toBe(false);
  });
});
