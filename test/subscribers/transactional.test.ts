import type { Job } from "bullmq";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { jobQueue } from "../../src/platform/queues.ts";
import { buildServer } from "../../src/processes/server.ts";
import { subscriberJobHandlers } from "../../src/subscribers/transactional.ts";
import { createTestContext, type TestContext } from "../helpers/context.ts";
import { waitUntil } from "../helpers/wait.ts";

// A confirmation can reach the send step twice for one claim: the server falls back to sending
// it itself when adding the job times out although Redis took it, and BullMQ re-runs a job
// whose worker died after the relay's 250. The reader must still get one mail.

let ctx: TestContext;
let app: FastifyInstance;
let send: ReturnType<typeof subscriberJobHandlers>["send-transactional"];
beforeAll(async () => {
  ctx = await createTestContext();
  app = await buildServer(ctx.deps); // no worker: the queued job stays queued
  send = subscriberJobHandlers(ctx.deps)["send-transactional"];
});
afterAll(async () => {
  await app.close();
  await ctx.close();
});
beforeEach(() => {
  ctx.smtp.clear();
  ctx.smtp.respond = () => null;
});

const firstTry = { attemptsMade: 0, opts: { attempts: 6 } } as unknown as Job;

/** Subscribe through the API; the confirmation job it queued, as the worker would get it. */
async function subscribe(email: string) {
  const res = await app.inject({
    method: "POST",
    url: "/api/subscriptions",
    payload: { email },
    remoteAddress: "10.9.9.9",
  });
  expect(res.statusCode).toBe(202);
  // The answer goes out before the group commit writes the reader and queues their mail.
  const queue = ctx.deps.queues[jobQueue["send-transactional"]];
  let job: { kind: "confirmation"; subscriberId: number; claimedAt: string } | undefined;
  await waitUntil(
    async () => {
      const row = await ctx.deps.db
        .selectFrom("subscribers")
        .select("id")
        .where("email", "=", email)
        .executeTakeFirst();
      const jobs = await queue.getJobs(["waiting", "delayed", "prioritized"]);
      job = row && jobs.map((j) => j.data).find((d) => d.subscriberId === row.id);
      return job !== undefined;
    },
    `the confirmation job of ${email}`,
    { timeoutMs: 10_000, everyMs: 50 },
  );
  expect(job).toMatchObject({ kind: "confirmation" });
  return job!;
}

describe("a confirmation claim is mailed once", () => {
  it("two senders of the same claim at once, then a third: one mail", async () => {
    const job = await subscribe("twice@example.com");
    const outcomes = await Promise.all([send(job, firstTry), send(job, firstTry)]);
    expect(outcomes.sort()).toEqual(["sent", "skipped"]);
    expect(await send(job, firstTry)).toBe("skipped");
    await new Promise((ok) => setTimeout(ok, 200));
    expect(ctx.smtp.to("twice@example.com")).toHaveLength(1);
  });

  it("a relay refusal leaves the claim unmailed, so the retry sends it", async () => {
    const job = await subscribe("retry@example.com");
    ctx.smtp.respond = () => ({ code: 451, message: "try later" });
    await expect(send(job, firstTry)).rejects.toThrow();
    expect(ctx.smtp.to("retry@example.com")).toHaveLength(0);
    ctx.smtp.respond = () => null;
    expect(await send(job, firstTry)).toBe("sent");
    expect(await send(job, firstTry)).toBe("skipped");
    expect(ctx.smtp.to("retry@example.com")).toHaveLength(1);
  });
});
