import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planEdition } from "../../src/delivery/plan.ts";
import { createDeliverySender } from "../../src/delivery/send.ts";
import { createDigestComposer } from "../../src/digests/compose.ts";
import type { DigestComposer } from "../../src/digests/types.ts";
import { createDeps, type Deps } from "../../src/platform/deps.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { addReaders, seedEdition } from "./seed.ts";

let ctx: TestContext;
let deps: Deps;
const lines: string[] = [];
const EDITION = "2026-08-17";

beforeAll(async () => {
  ctx = await createTestContext({ now: "2026-08-18T09:00:00Z" });
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  deps = createDeps(ctx.config, { clock: ctx.clock, logger: pino({ level: "info" }, sink) });
  await seedEdition(deps.db, EDITION);
});
afterAll(async () => {
  await deps.close();
  await ctx.close();
});

describe("a digest that cannot be composed for one reader", () => {
  it("is logged with the reason and subscriber id, counted, and the rest of the batch goes out", async () => {
    const readers = await addReaders(deps.db, [
      { email: "first@r.test" },
      { email: "broken@r.test" },
      { email: "third@r.test" },
      { email: "gone@r.test" },
    ]);
    const [, broken, , gone] = readers;
    await planEdition(deps, EDITION);
    const deliveries = await deps.db
      .selectFrom("deliveries")
      .select(["id", "subscriber_id"])
      .where("edition_date", "=", EDITION)
      .orderBy("id")
      .execute();
    // The real composer, failing for one reader as a bug in their data would make it.
    const real = await createDigestComposer(deps);
    const composer: DigestComposer = {
      compose(input) {
        if (input.subscriber.id === broken) throw new SyntaxError("Invalid regular expression");
        return real.compose(input);
      },
    };
    // And one reader removed between planning and composing.
    await deps.db.deleteFrom("preferences").where("subscriber_id", "=", gone!).execute();

    const sender = createDeliverySender(deps, { loadComposer: async () => composer });
    const outcome = await sender.sendBatch(deliveries.map((d) => d.id));
    expect(outcome).toMatchObject({ sent: 2, failed: 2 });
    await ctx.smtp.waitFor(2);
    expect(ctx.smtp.to("first@r.test")).toHaveLength(1);
    expect(ctx.smtp.to("third@r.test")).toHaveLength(1);

    const failures = lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === "composing a digest failed");
    expect(failures).toHaveLength(2);
    expect(failures.map((f) => [f.subscriberId, f.reason])).toEqual([
      [broken, "Invalid regular expression"],
      [gone, "reader not found"],
    ]);
    expect(lines.join("\n")).not.toContain("@r.test");

    const metrics = await deps.metrics.registry.getSingleMetricAsString(
      "paperboy_compose_failures_total",
    );
    expect(metrics).toMatch(/^paperboy_compose_failures_total 2$/m);
    const failed = await deps.db
      .selectFrom("deliveries")
      .select(["subscriber_id", "status", "error"])
      .where("status", "=", "failed")
      .orderBy("subscriber_id")
      .execute();
    expect(failed).toEqual([
      {
        subscriber_id: broken,
        status: "failed",
        error: "could not compose the digest: Invalid regular expression",
      },
      {
        subscriber_id: gone,
        status: "failed",
        error: "could not compose the digest: reader not found",
      },
    ]);
  });
});
