import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { runPaperboy } from "../helpers/processes.ts";
import { addReaders, mailsPerAddress, seedEdition, statusCounts } from "./seed.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
  await seedEdition(ctx.deps.db, "2026-08-17");
  await addReaders(ctx.deps.db, [
    ...Array.from({ length: 30 }, (_, i) => ({
      email: `cli-${i}@r.test`,
      timezone: ["UTC", "Asia/Kolkata", "America/New_York"][i % 3],
      sendHour: i % 24,
    })),
    { email: "cli-paused@r.test", pausedUntil: "2999-01-01" },
    { email: "cli-left@r.test", status: "unsubscribed" },
  ]);
});
afterAll(() => ctx.close());

const digest = (...args: string[]) => runPaperboy(["digest", ...args], ctx.env);

describe("paperboy digest", () => {
  it("sends the edition to every active reader now, whatever their hour, and says so", async () => {
    const run = await digest("--date", "2026-08-17");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Edition 2026-08-17: 30 sent, 0 skipped, 0 failed, 0 cancelled/);
    // Not a terminal: plain progress lines instead of a bar, each shown once.
    expect(run.stdout).toMatch(/2026-08-17: 30\/30 · sent 30/);
    const progress = run.stdout
      .split("\n")
      .filter((line) => line.startsWith("2026-08-17: "))
      .map((line) => line.replace(/ · [\d.]+\/s$/, ""));
    expect(progress.length).toBeGreaterThan(0);
    expect(new Set(progress).size).toBe(progress.length);
    await ctx.smtp.waitFor(30);
    expect(ctx.smtp.received).toHaveLength(30);
    expect(ctx.smtp.to("cli-paused@r.test")).toHaveLength(0);
    expect(ctx.smtp.to("cli-left@r.test")).toHaveLength(0);
  });

  it("sends nothing when run a second time", async () => {
    const run = await digest("--date=2026-08-17");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/0 sent, 0 skipped, 0 failed, 0 cancelled .*0 new deliveries/);
    expect(run.stdout).toContain("Edition total: 30 sent.");
    await new Promise((ok) => setTimeout(ok, 200));
    expect(ctx.smtp.received).toHaveLength(30);
    expect([...mailsPerAddress(ctx.smtp.received).values()].every((n) => n === 1)).toBe(true);
    expect(await statusCounts(ctx.deps.db)).toEqual({ sent: 30 });
  });

  it("refuses bad arguments and unknown editions with one line, changing nothing", async () => {
    const cases = [
      [["--date", "2026-02-30"], /'2026-02-30' is invalid. Expected a date like 2026-08-18/],
      [["--date"], /option '--date <YYYY-MM-DD>' argument missing/],
      [["--when", "now"], /unknown option '--when'/],
      [["--date", "2026-08-16"], /no papers were ingested for 2026-08-16/],
    ] as const;
    const runs = await Promise.all(cases.map(([args]) => digest(...args)));
    runs.forEach((run, i) => {
      expect(run.status).toBe(2);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(cases[i]![1]);
    });
    expect(await statusCounts(ctx.deps.db)).toEqual({ sent: 30 });
  });
});
