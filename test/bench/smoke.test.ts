import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { postfixAvailable } from "../../scripts/bench/postfix.ts";

/**
 * Every benchmark at a tiny size, so none of them rots. Figures are not checked here (they are
 * measured by `npm run bench`, see BENCHMARKS.md); what each run claims is.
 */
const run = promisify(execFile);
const root = new URL("../../", import.meta.url);

async function bench(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run("npx", ["tsx", "scripts/bench/main.ts", ...args], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production" },
    timeout: 150_000,
    maxBuffer: 16 * 2 ** 20,
  });
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!);
}

const havePostfix = postfixAvailable();
if (!havePostfix) {
  console.warn(
    "\n*** test/bench/smoke: postfix (smtp-sink/smtp-source) is not installed: the delivery benchmark smoke run is SKIPPED. Install it: apt-get install -y postfix ***\n",
  );
}

describe("benchmarks (smoke)", () => {
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
