import { describe, expect, it } from "vitest";
import { bench } from "./smoke-run.ts";

describe("benchmarks (smoke): API and commands", () => {
  it("api: subscriptions and one-click unsubscribe without errors", async () => {
    const result = await bench("api", "--duration", "1", "--connections", "4", "--readers", "300");
    for (const part of ["subscribe", "unsubscribe"] as const) {
      const r = result[part] as { total: number; errors: number; timeouts: number; non2xx: number };
      expect(r.total).toBeGreaterThan(0);
      expect(r.errors + r.timeouts + r.non2xx).toBe(0);
    }
  }, 120_000);

  it("enumeration: subscribe answer times for every address state", async () => {
    const result = await bench("enumeration", "--requests", "5", "--warmup", "1", "--gap-ms", "1");
    const medians = result.medianMs as Record<string, number>;
    expect(Object.keys(medians).sort()).toEqual(
      ["active", "bounced", "control", "new", "pending", "suppressed", "unsubscribed"].sort(),
    );
    for (const ms of Object.values(medians)) expect(ms).toBeGreaterThan(0);
    expect(result.medianSpreadMs).toBeGreaterThanOrEqual(0);
    expect(result.noiseFloorMs).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it("cli: help and a bad argument answer with their exit codes", async () => {
    const result = await bench("cli", "--runs", "1");
    const figure = (key: string) =>
      result[key] as { wallMedianS: number; cpuMedianS: number; exitCodes: number[] };
    expect(figure("help").exitCodes).toEqual([0]);
    expect(figure("commandHelp").exitCodes).toEqual([0]);
    expect(figure("badArgument").exitCodes).toEqual([2]);
    expect(figure("help").wallMedianS).toBeGreaterThan(figure("nodeFloor").wallMedianS);
  }, 60_000);

  it("startup: a command is timed from launch until it is done", async () => {
    const result = await bench("startup", "--runs", "1", "--commands", "help", "--modes", "src");
    expect((result["help.src"] as { readyMs: number }).readyMs).toBeGreaterThan(0);
  }, 60_000);
});
