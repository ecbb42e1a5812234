import { describe, expect, it } from "vitest";
import { bench } from "./smoke-run.ts";

describe("benchmarks (smoke): selection, rendering, ingest, relevance", () => {
  it("render: template fill against mjml2html", async () => {
    const result = await bench("render", "--runs", "300");
    expect(result.fillMedianUs).toBeGreaterThan(0);
    expect(result.mjmlUs).toBeGreaterThan(result.fillMedianUs as number);
  }, 60_000);

  it("plan: selectPapers over many readers", async () => {
    const result = await bench("plan", "--subscribers", "2000");
    expect(result.subscribers).toBe(2000);
    expect(result.subscribersPerSecond).toBeGreaterThan(0);
  }, 60_000);

  it("relevance: personas read, vote through their digests' links and are scored", async () => {
    const result = await bench(
      "relevance",
      ...["--data", "test/fixtures/relevance-tiny", "--days", "3", "--learn", "2"],
    );
    type Figures = { precision: number; recall: number; sent: number; mustReads: number };
    const group = (name: string) => result[name] as Record<string, Figures>;
    expect(result.personas).toBe(2);
    expect(result.unjudgedDays).toEqual([]);
    // The reader who chose nothing gets the edition's top 3 (max_papers) on the scoring day.
    expect(group("tuning").before!.sent).toBe(3);
    expect(group("tuning").trending!.sent).toBe(3);
    // Votes were cast over HTTP on the learning days and the model was trained from them.
    expect(result.votes).toBeGreaterThan(0);
    expect(result.trainings).toBeGreaterThan(0);
    for (const arm of ["trending", "rules", "before", "after"]) {
      const f = group("all")[arm]!;
      expect(f.precision, arm).toBeGreaterThanOrEqual(0);
      expect(f.precision, arm).toBeLessThanOrEqual(1);
      expect(f.mustReads, arm).toBe(group("all").trending!.mustReads);
    }
  }, 150_000);

  it("ingest: replicated real days are all stored", async () => {
    const result = await bench("ingest", "--papers", "400");
    expect(result.papers).toBe(400);
    expect(result.rejected).toBe(0);
  }, 120_000);
});
