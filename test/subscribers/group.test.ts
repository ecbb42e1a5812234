import { describe, expect, it } from "vitest";
import { createGroup } from "../../src/platform/group-commit.ts";
import { grantBudgets } from "../../src/subscribers/budgets.ts";
import { distinctRounds } from "../../src/subscribers/service.ts";

const T0 = new Date("2026-03-01T08:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const budget = (key: string, max: number, windowMs = 60_000) => ({ key, max, windowMs });

describe("grouped subscribe and unsubscribe writes (pure parts)", () => {
  it("grants budgets reader by reader, as one upsert after another would", () => {
    // Domain allows 2; three readers of it, each with their own mailbox budget of 1.
    const readers = ["a", "b", "c"].map((m) => [budget(`mailbox:${m}`, 1), budget("domain:d", 2)]);
    const { refusedBy, changed } = grantBudgets(readers, new Map(), T0);
    expect(refusedBy.map((b) => b?.key ?? null)).toEqual([null, null, "domain:d"]);
    expect(changed.get("domain:d")).toEqual({ windowStartedAt: T0, sent: 2 });
    // The refused reader's mailbox budget, taken before the domain refused, stays counted.
    expect(changed.get("mailbox:c")).toEqual({ windowStartedAt: T0, sent: 1 });
  });

  it("refuses a second mail to one mailbox in its window and restarts a window that passed", () => {
    const counters = new Map([["mailbox:a", { windowStartedAt: at(-30_000), sent: 1 }]]);
    expect(grantBudgets([[budget("mailbox:a", 1)]], counters, T0).refusedBy[0]?.key).toBe(
      "mailbox:a",
    );
    const later = grantBudgets([[budget("mailbox:a", 1)]], counters, at(30_000));
    expect(later.refusedBy).toEqual([null]);
    expect(later.changed.get("mailbox:a")).toEqual({ windowStartedAt: at(30_000), sent: 1 });
    // Two requests for one mailbox in one group: the first is granted, the second refused.
    const twice = grantBudgets([[budget("mailbox:z", 1)], [budget("mailbox:z", 1)]], new Map(), T0);
    expect(twice.refusedBy.map((b) => b === null)).toEqual([true, false]);
  });

  it("splits a group into rounds in which no address repeats, keeping each one's order", () => {
    expect(distinctRounds(["a", "b", "a", "c", "a", "b"])).toEqual([[0, 1, 3], [2, 5], [4]]);
    expect(distinctRounds([])).toEqual([]);
    expect(distinctRounds(["x", "y"])).toEqual([[0, 1]]);
  });

  it("writes calls made during a flush together in the next one, each getting its own result", async () => {
    const flushes: number[][] = [];
    let release: () => void = () => {};
    const add = createGroup(async (items: number[]) => {
      flushes.push(items);
      if (flushes.length === 1) await new Promise<void>((ok) => (release = ok));
      return items.map((n) => n * 10);
    });
    const first = add(1);
    const rest = [add(2), add(3), add(4)];
    release();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
    expect(flushes).toEqual([[1], [2, 3, 4]]);
  });

  it("rejects every call of a failed flush and carries on with the next", async () => {
    let fail = true;
    const add = createGroup(async (items: string[]) => {
      if (fail) {
        fail = false;
        throw new Error("database away");
      }
      return items;
    });
    await expect(add("a")).rejects.toThrow("database away");
    expect(await add("b")).toBe("b");
  });
});
