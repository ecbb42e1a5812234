import { describe, expect, it } from "vitest";
import { plainProgress } from "../../src/cli/progress.ts";
import type { EditionProgress } from "../../src/delivery/deliver-edition.ts";

const at = (sent: number, total = 10): EditionProgress => ({
  total,
  sent,
  skipped: 0,
  failed: 0,
  cancelled: 0,
  retrying: 0,
});

/** A reporter on a hand-moved clock, writing into an array. */
function reporter() {
  let now = 0;
  const lines: string[] = [];
  const r = plainProgress("2026-08-17", (l) => lines.push(l), { now: () => now, everyMs: 2_000 });
  return { lines, update: r.update, tick: (ms: number) => (now += ms) };
}

describe("digest progress without a terminal", () => {
  it("prints the start, then at most one line per interval, then the end once", () => {
    const r = reporter();
    r.update(at(0));
    for (let sent = 1; sent <= 9; sent++) {
      r.tick(500);
      r.update(at(sent));
    }
    r.tick(100);
    r.update(at(10));
    r.update(at(10)); // the run's final report repeats the last batch's counts
    expect(r.lines.map((l) => l.split(" · sent")[0])).toEqual([
      "2026-08-17: 0/10",
      "2026-08-17: 4/10",
      "2026-08-17: 8/10",
      "2026-08-17: 10/10",
    ]);
  });

  it("never prints the same counts twice, however long they stand still", () => {
    const r = reporter();
    r.update(at(3));
    for (let i = 0; i < 5; i++) {
      r.tick(10_000);
      r.update(at(3));
    }
    expect(r.lines).toHaveLength(1);
  });

  it("says the rate, sent, skipped, failed and cancelled counts", () => {
    const r = reporter();
    r.tick(2_000);
    r.update({ ...at(4), skipped: 1, failed: 2, cancelled: 1 });
    expect(r.lines).toEqual([
      "2026-08-17: 8/10 · sent 4 · skipped 1 · failed 2 · cancelled 1 · 4.0/s",
    ]);
  });

  it("prints an edition with nothing to send once", () => {
    const r = reporter();
    r.update(at(0, 0));
    r.update(at(0, 0));
    expect(r.lines).toHaveLength(1);
  });
});
