import type { FastifyInstance } from "fastify";
import { createDigestMimeBuilder } from "../../src/delivery/mime.ts";
import { mimeOf } from "../../src/delivery/transmit.ts";
import { createDigestComposer } from "../../src/digests/compose.ts";
import { loadEditionPapers } from "../../src/digests/edition.ts";
import { ingest } from "../../src/papers/ingest.ts";
import type { Subscriber } from "../../src/platform/db/schema.ts";
import { subscriberLinks } from "../../src/subscribers/tokens.ts";
import type { TestContext } from "../helpers/context.ts";
import type { ReceivedMail } from "../helpers/smtp.ts";
import { REAL_DIR } from "../papers/real-days.ts";

/** The edition the email checks use, and the seven real days a weekly digest of it covers. */
export const EDITION = "2026-08-18";
export const WEEK = ["2026-08-12", "2026-08-13", "2026-08-14", "2026-08-17", "2026-08-18"];

export interface ReaderMails {
  subscriber: Subscriber;
  links: { manage: string; unsubscribe: string };
  confirmation: ReceivedMail;
  welcome: ReceivedMail;
  /** The answer to "email me my links" (/links). */
  linksMail: ReceivedMail;
  digest: ReceivedMail;
  /** The same digest as the bulk sender builds it (src/delivery/mime.ts), as sent. */
  digestRaw: string;
  /** Titles of the papers the digest presents. */
  digestTitles: string[];
}

/** A mail's first link to PUBLIC_URL/<path>/…, as the reader's client would show it. */
export function mailLink(ctx: TestContext, mail: ReceivedMail, path: string): string {
  const base = ctx.config.PUBLIC_URL.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${base}/${path}/[A-Za-z0-9._-]+`).exec(String(mail.parsed.html));
  if (!match) throw new Error(`no ${path} link in mail "${mail.parsed.subject}"`);
  return match[0];
}

/**
 * The mails a real reader gets, through the real app and a real SMTP server: subscribe by form,
 * confirm by the mailed link (→ welcome), ask for their links at /links, then a weekly digest
 * of up to 50 real papers.
 */
export async function readerMails(
  ctx: TestContext,
  app: FastifyInstance,
  email = "reader@example.org",
): Promise<ReaderMails> {
  await ingest(
    ctx.deps,
    WEEK.map((d) => `${REAL_DIR}hf-daily-papers-${d}.json`),
    { source: "hf" },
  );
  ctx.smtp.clear();
  const subscribed = await app.inject({
    method: "POST",
    url: "/subscribe",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams([
      ["email", email],
      ["topics", "agents"],
      ["topics", "reinforcement-learning"],
      ["frequency", "weekly"],
      ["timezone", "Europe/Berlin"],
    ]).toString(),
  });
  if (subscribed.statusCode !== 200) throw new Error(`subscribe answered ${subscribed.statusCode}`);
  const [confirmation] = await ctx.smtp.waitFor(1);
  const confirmUrl = new URL(mailLink(ctx, confirmation!, "confirm"));
  const confirmed = await app.inject({ method: "POST", url: confirmUrl.pathname });
  if (confirmed.statusCode !== 200) throw new Error(`confirm answered ${confirmed.statusCode}`);
  const [, welcome] = await ctx.smtp.waitFor(2);
  const asked = await app.inject({
    method: "POST",
    url: "/links",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ email }).toString(),
  });
  if (asked.statusCode !== 200) throw new Error(`/links answered ${asked.statusCode}`);
  const [, , linksMail] = await ctx.smtp.waitFor(3);

  const subscriber = await ctx.deps.db
    .selectFrom("subscribers")
    .selectAll()
    .where("email", "=", email)
    .executeTakeFirstOrThrow();
  const composer = await createDigestComposer(ctx.deps);
  const digest = composer.compose({
    subscriber,
    preferences: {
      topics: ["agents", "reinforcement-learning"],
      keywords: ["diffusion", "benchmark"],
      authors: [],
      maxPapers: 50,
      minUpvotes: 0,
      skipEmpty: true,
      frequency: "weekly",
    },
    editionDate: EDITION,
    papers: await loadEditionPapers(ctx.deps.db, EDITION, "weekly"),
    alreadySent: new Set(),
  });
  if (!digest) throw new Error("the weekly digest selected nothing");
  await ctx.deps.mailer.send({ to: email, ...digest });
  const [, , , received] = await ctx.smtp.waitFor(4);
  const titles = await ctx.deps.db
    .selectFrom("papers")
    .select(["id", "title"])
    .where("id", "in", digest.paperIds)
    .execute();
  return {
    subscriber,
    links: subscriberLinks(ctx.config.PUBLIC_URL, ctx.config.APP_SECRET, subscriber),
    confirmation: confirmation!,
    welcome: welcome!,
    linksMail: linksMail!,
    digest: received!,
    digestRaw: createDigestMimeBuilder(ctx.config.MAIL_FROM)(
      mimeOf(email, digest, ctx.deps.clock.now()),
    ).toString("latin1"),
    digestTitles: titles.map((t) => t.title),
  };
}
