import { describe, expect, it } from "vitest";
import { describeChanges } from "../../src/subscribers/changes.ts";
import { normalizeEmail } from "../../src/subscribers/email.ts";
import { parseImportRecord } from "../../src/subscribers/import.ts";
import type { PreferencesView } from "../../src/subscribers/preferences.ts";
import { canonicalTimeZone, timeZoneOrUtc } from "../../src/subscribers/timezone.ts";

describe("subscriber pure helpers", () => {
  it("normalises addresses: trims and lower-cases the domain only", () => {
    expect(normalizeEmail("  Ada.L@Example.ORG\n")).toBe("Ada.L@example.org");
    expect(normalizeEmail("a@b@C.com")).toBe("a@b@c.com");
  });

  it("accepts IANA zones in any case, refuses offsets and nonsense", () => {
    expect(canonicalTimeZone("europe/berlin")).toBe("Europe/Berlin");
    expect(canonicalTimeZone("UTC")).toBe("UTC");
    for (const bad of ["", "+05:00", "Mars/Base", "UTC; drop", "x".repeat(80)]) {
      expect(canonicalTimeZone(bad)).toBeNull();
    }
  });

  it("runs a schedule in the canonical zone, or in UTC for a zone Intl does not know", () => {
    expect(timeZoneOrUtc("europe/berlin")).toBe("Europe/Berlin");
    expect(timeZoneOrUtc("Mars/Olympus")).toBe("UTC");
  });

  it("says what changed in words", () => {
    const before: PreferencesView = {
      topics: ["agents", "code"],
      keywords: [],
      authors: [],
      muted_topics: [],
      muted_keywords: [],
      muted_authors: [],
      frequency: "daily",
      weekly_day: 1,
      send_hour: 8,
      timezone: "UTC",
      max_papers: 10,
      min_upvotes: 0,
      skip_empty: true,
      paused_until: null,
    };
    const names: Record<string, string> = { agents: "Agents", code: "Code", llms: "LLMs" };
    expect(describeChanges(before, before)).toEqual([]);
    expect(
      describeChanges(
        before,
        {
          ...before,
          topics: ["code", "llms"],
          send_hour: 7,
          frequency: "weekly",
          weekly_day: 5,
          muted_topics: ["agents"],
          muted_keywords: ["survey"],
        },
        (s) => names[s] ?? s,
      ),
    ).toEqual([
      "Topics added: LLMs",
      "Topics removed: Agents",
      "Muted topics: none → Agents",
      "Muted keywords: none → survey",
      "Frequency: daily → weekly",
      "Weekly digest day: Monday → Friday",
      "Send hour: 8:00 → 7:00",
    ]);
  });

  it("checks import rows and honours only a status that left", () => {
    const topics = new Set(["agents"]);
    expect(parseImportRecord({ email: "A@X.ORG", topics: " agents ; " }, topics, true)).toEqual({
      email: "A@x.org",
      preferences: { topics: ["agents"] },
      status: "active",
      createdAt: null,
      confirmedAt: null,
    });
    // Every preference column, lists with escaped separators; pending stays pending.
    expect(
      parseImportRecord(
        {
          email: "b@x.org",
          status: "pending",
          keywords: "SWE-bench;a\\;b;c\\\\d",
          muted_topics: "agents",
          timezone: "",
          weekly_day: "3",
          skip_empty: "false",
          paused_until: "",
          created_at: "2026-08-01T10:00:00.000Z",
        },
        topics,
        true,
      ),
    ).toEqual({
      email: "b@x.org",
      preferences: {
        keywords: ["SWE-bench", "a;b", "c\\d"],
        muted_topics: ["agents"],
        timezone: "UTC",
        weekly_day: 3,
        skip_empty: false,
        paused_until: null,
      },
      status: "pending",
      createdAt: new Date("2026-08-01T10:00:00.000Z"),
      confirmedAt: null,
    });
    expect(parseImportRecord({ email: "a@x.org", muted_topics: "astro" }, topics, true)).toBe(
      "muted_topics: unknown topic: astro",
    );
    expect(parseImportRecord({ email: "a@x.org", send_hour: "25" }, topics, true)).toBe(
      "send_hour must be between 0 and 23",
    );
    expect(parseImportRecord({ email: "a@x.org", created_at: "soon" }, topics, true)).toBe(
      "created_at must be a date and time (ISO 8601)",
    );
    expect(parseImportRecord({ email: "a@x.org", status: "active" }, topics, false)).toMatchObject({
      status: "pending",
    });
    expect(
      parseImportRecord({ email: "a@x.org", status: "unsubscribed" }, topics, true),
    ).toMatchObject({ status: "unsubscribed" });
    expect(parseImportRecord({ email: "a@x.org", status: "vip" }, topics, true)).toBe(
      "unknown status: vip",
    );
    expect(
      parseImportRecord({ email: "a@x.org", frequency: "Weekly" }, topics, true),
    ).toMatchObject({ preferences: { frequency: "weekly" } });
  });
});
