import type { FastifyInstance } from "fastify";
import { expect } from "vitest";
import { subscriberLinks } from "../../src/subscribers/tokens.ts";
import type { TestContext } from "../helpers/context.ts";
import { buildServerWithMailWorker } from "../helpers/mail-worker.ts";
import { waitUntil } from "../helpers/wait.ts";

/** Shared steps of the subscriber tests: the real server and mail worker, real mail and database. */

export function startApp(ctx: TestContext): Promise<FastifyInstance> {
  return buildServerWithMailWorker(ctx.deps);
}

export const form = (fields: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, item);
  }
  return params.toString();
};

export const FORM = { "content-type": "application/x-www-form-urlencoded" };

let ip = 0;
/** A fresh client address, so tests don't share the per-IP rate limit. */
export const nextIp = () => `10.0.${Math.floor(++ip / 250)}.${ip % 250}`;

/** The first link to `path` in a mail's text part. */
export function linkIn(text: string, path: string): string {
  const match = new RegExp(`https://paperboy\\.test(/${path}/[A-Za-z0-9._-]+)`).exec(text);
  expect(match, `a ${path} link in the mail`).not.toBeNull();
  return match![1]!;
}

export async function subscriberRow(ctx: TestContext, email: string) {
  return ctx.deps.db
    .selectFrom("subscribers")
    .selectAll()
    .where("email", "=", email)
    .executeTakeFirst();
}

/** Subscribe, confirm through the mailed link, and return the subscriber's page paths. */
export async function activeSubscriber(app: FastifyInstance, ctx: TestContext, email: string) {
  const before = ctx.smtp.received.length;
  const res = await app.inject({
    method: "POST",
    url: "/api/subscriptions",
    payload: { email, topics: ["agents"] },
    remoteAddress: nextIp(),
  });
  expect(res.statusCode).toBe(202);
  const mails = await ctx.smtp.waitFor(before + 1);
  const confirm = linkIn(mails[before]!.parsed.text ?? "", "confirm");
  expect((await app.inject({ method: "POST", url: confirm })).statusCode).toBe(200);
  const row = (await subscriberRow(ctx, email))!;
  expect(row.status).toBe("active");
  const links = subscriberLinks("", ctx.config.APP_SECRET, row);
  await ctx.smtp.waitFor(before + 2); // the welcome mail
  // Its event is written after the relay's reply: wait for it, or a later snapshot races it.
  await waitUntil(
    async () =>
      (await ctx.deps.db
        .selectFrom("events")
        .select("id")
        .where("subscriber_id", "=", row.id)
        .where("type", "=", "mail.welcome_sent")
        .executeTakeFirst()) !== undefined,
    "the welcome mail's event",
  );
  return { row, manage: links.manage, unsubscribe: links.unsubscribe };
}

export async function count(
  ctx: TestContext,
  table: "subscribers" | "events" | "subscriber_topics",
) {
  const row = await ctx.deps.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
