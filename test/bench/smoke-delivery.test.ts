import { describe, expect, it } from "vitest";
import { bench, havePostfix } from "./smoke-run.ts";

describe("benchmarks (smoke): delivery and SMTP", () => {
  it.skipIf(!havePostfix)(
    "delivery: every due reader's message reaches smtp-sink exactly once, and smtp-source ran",
    async () => {
      const result = await bench("delivery", "--subscribers", "30", "--workers", "1");
      expect(result.sinkCount).toBe(30);
      expect(result.statuses).toEqual({ sent: 30 });
      expect(result.ceilingSinkCount).toBe(30);
      expect(result.messagesPerSecond).toBeGreaterThan(0);
      expect(result.ratio).toBeGreaterThan(0);
      expect((result.workerPeakRssMb as number[]).length).toBe(1);
    },
    150_000,
  );

  it.skipIf(!havePostfix)(
    "delivery --mode digest: `paperboy digest` puts every due reader's message into smtp-sink once",
    async () => {
      const result = await bench("delivery", "--subscribers", "30", "--mode", "digest");
      expect(result.mode).toBe("digest");
      expect(result.sinkCount).toBe(30);
      expect(result.statuses).toEqual({ sent: 30 });
      expect(result.ratio).toBeGreaterThan(0);
      expect((result.workerCpuMsPerMessage as number[])[0]).toBeGreaterThan(0);
    },
    150_000,
  );

  it.skipIf(!havePostfix)(
    "smtp: every layer puts exactly N messages into smtp-sink, beside smtp-source",
    async () => {
      const result = await bench("smtp", "--messages", "200", "--rounds", "1");
      const runs = result.runs as Array<{ layer: string; sinkCount: number; ratio: number }>;
      expect(runs.map((r) => r.layer[0])).toEqual(expect.arrayContaining(["a", "b", "d", "e"]));
      for (const run of runs) {
        expect(run.sinkCount, run.layer).toBe(200);
        expect(run.ratio, run.layer).toBeGreaterThan(0);
      }
      expect(result.prepareScanUs).toBeGreaterThan(0);
    },
    150_000,
  );
});
