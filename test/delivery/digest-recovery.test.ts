import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planEdition } from "../../src/delivery/plan.ts";
import { createDeliverySender, emptyOutcome } from "../../src/delivery/send.ts";
import { createProcessSession } from "../../src/platform/liveness.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { runPaperboy, spawnPaperboy } from "../helpers/processes.ts";
import { SmtpSink } from "../helpers/smtp.ts";
import { waitUntil } from "../helpers/wait.ts";
import { addReaders, lostAndDuplicated, seedEdition, statusCounts } from "./seed.ts";

const EDITION = "2026-08-17";
const READERS = 60;

let ctx: TestContext;
let sink: SmtpSink;
let env: Record<string, string>;

beforeAll(async () => {
  ctx = await createTestContext({ now: new Date().toISOString() });
  // A slow relay (250 after 20 ms, one connection): the kill lands mid-edition.
  sink = await new SmtpSink({ replyDelayMs: 20 }).start();
  env = { ...ctx.env, SMTP_URL: sink.url, SEND_CONCURRENCY: "1", LOG_LEVEL: "warn" };
  await seedEdition(ctx.deps.db, EDITION);
  await addReaders(
    ctx.deps.db,
    Array.from({ length: READERS }, (_, i) => ({ email: `rerun-${i}@r.test` })),
  );
});
afterAll(async () => {
  await sink.stop();
  await ctx.close();
});

describe("paperboy digest after a crash", () => {
  it("a rerun after SIGKILL takes the dead run's claims at once and ends with everyone sent", async () => {
    const child = spawnPaperboy(["digest", "--date", EDITION], env);
    const exited = new Promise((ok) => child.once("exit", ok));
    await waitUntil(() => sink.total >= READERS / 3, "a third of the edition", {
      timeoutMs: 60_000,
      everyMs: 5,
    });
    child.kill("SIGKILL");
    await exited;
    const stranded = (await statusCounts(ctx.deps.db)).sending ?? 0;
    expect(stranded).toBeGreaterThan(0); // the killed run held claims (its batches in flight)

    const started = Date.now();
    const rerun = await runPaperboy(["digest", "--date", EDITION], env);
    expect(rerun.stderr).toBe("");
    expect(rerun.status).toBe(0);
    expect(rerun.stdout).toMatch(new RegExp(`${stranded} recovered from a crash`));
    expect(await statusCounts(ctx.deps.db)).toEqual({ sent: READERS });
    const { lost, duplicated } = lostAndDuplicated(
      Array.from({ length: READERS }, (_, i) => sink.messageIdsTo(`rerun-${i}@r.test`).length),
    );
    console.log(
      `digest SIGKILL + rerun: ${READERS} readers, ${stranded} stranded claims, lost ${lost}, duplicated ${duplicated}, rerun ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(lost).toBe(0);
    expect(duplicated).toBeLessThanOrEqual(1); // SEND_CONCURRENCY=1: one message in flight
  }, 120_000);

  it("waits for a live process's claims, and when they stay open names them and exits 1", async () => {
    const [id] = await addReaders(ctx.deps.db, [{ email: "held@r.test" }]);
    await planEdition(ctx.deps, EDITION);
    const row = await ctx.deps.db
      .selectFrom("deliveries")
      .select("id")
      .where("subscriber_id", "=", id!)
      .executeTakeFirstOrThrow();
    const session = createProcessSession(ctx.config.DATABASE_URL, "holder", ctx.deps.logger);
    const holder = { ...ctx.deps, session };
    expect(await createDeliverySender(holder).claim([row.id], emptyOutcome())).toHaveLength(1);

    // 0.05 min = 3 s of waiting for a claim a live process holds: not taken, named, exit 1.
    const waited = await runPaperboy(["digest", "--date", EDITION, "--wait", "0.05"], env);
    expect(waited.status).toBe(1);
    expect(waited.stderr.trim().split("\n")).toHaveLength(1);
    expect(waited.stderr).toMatch(
      new RegExp(
        `^paperboy digest: 1 deliveries of ${EDITION} are not finished .*delivery ${row.id} \\(subscriber ${id}, sending by process session \\d+\\)`,
      ),
    );
    expect(waited.stderr).not.toContain("held@r.test");
    expect(sink.messageIdsTo("held@r.test")).toHaveLength(0);

    // The holder dies while a digest waits for it: the digest takes the claim over and ends 0.
    const run = runPaperboy(["digest", "--date", EDITION], env);
    await waitUntil(
      async () => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and application_name = 'paperboy-digest'`.execute(
          ctx.deps.db,
        );
        return rows[0]!.n > 0;
      },
      "the digest to connect",
      { timeoutMs: 60_000, everyMs: 50 },
    );
    await session.close();
    const done = await run;
    expect(done.stderr).toBe("");
    expect(done.status).toBe(0);
    expect(sink.messageIdsTo("held@r.test")).toHaveLength(1);
    expect(await statusCounts(ctx.deps.db)).toEqual({ sent: READERS + 1 });
  }, 120_000);
});
