import { createHash } from "node:crypto";
import { listTopics, unknownTopics } from "../papers/repository.ts";
import type { Subscriber, SuppressionReason } from "../platform/db/schema.ts";
import type { Deps } from "../platform/deps.ts";
import type { Queues } from "../platform/queues.ts";
import { emitWebhook } from "../platform/webhooks.ts";
import { describeChanges } from "./changes.ts";
import { mailboxKey, mailDomain } from "./email.ts";
import type { PreferencesView } from "./preferences.ts";
import {
  activateSubscriber,
  addMute,
  type ConfirmationBudget,
  claimConfirmationSlot,
  claimLinksResend,
  findSubscriber,
  findSubscriberByEmail,
  getPreferences,
  recordEvents,
  recordSubscribeRequest,
  recordVote,
  releaseConfirmationSlot,
  removeVote,
  resubscribeSubscriber,
  revokeLinks,
  savePreferences,
  suppressAddress,
  takeConfirmationBudget,
  unsubscribeSubscriber,
} from "./repository.ts";
import {
  type FeedbackClaims,
  type LinkPurpose,
  type MuteClaims,
  verifyFeedbackToken,
  verifyMuteToken,
  verifyToken,
} from "./tokens.ts";
import type { TransactionalDispatch } from "./transactional.ts";
import type { PreferencesInput, SubscribeInput } from "./validation.ts";

/** The reader's journey: subscribe, confirm, change preferences, leave, come back. */

/** Bad input found after parsing (e.g. a topic that does not exist): a 400, nothing changed. */
export class InputError extends Error {}

export interface SubscriberContext {
  deps: Deps;
  /** Queue a transactional mail; a worker renders it from the row and sends it. */
  mail: TransactionalDispatch["dispatch"];
}

async function assertTopicsExist(deps: Deps, topics: string[]): Promise<void> {
  const unknown = await unknownTopics(deps.db, topics);
  if (unknown.length) throw new InputError(`unknown topic: ${unknown.join(", ")}`);
}

/**
 * What a subscribe request checks before it is answered: only what does not depend on the
 * address's state (its topics exist), so the answer takes the same time for every address.
 */
export async function checkSubscribeRequest(deps: Deps, input: SubscribeInput): Promise<void> {
  await assertTopicsExist(deps, input.topics);
}

/**
 * Subscribe an address; run after the answer was sent (see checkSubscribeRequest), so none of
 * this shows in its timing. Only pending or unsubscribed, unsuppressed addresses get a
 * confirmation mail, at most one per CONFIRMATION_INTERVAL_MS and within the mailbox and
 * domain budgets (confirmationBudgets).
 */
export async function subscribe(ctx: SubscriberContext, input: SubscribeInput): Promise<void> {
  const { deps } = ctx;
  const now = deps.clock.now();
  const outcome = await recordSubscribeRequest(deps.db, input.email, input, now);
  if (outcome.kind === "unknown-topics") {
    throw new InputError(`unknown topic: ${outcome.topics.join(", ")}`);
  }
  if (outcome.kind === "unchanged") return;
  // A new row holds its slot already; a returning reader claims it with one atomic UPDATE.
  if (
    outcome.kind === "choices-replaced" &&
    !(await claimConfirmationSlot(deps.db, outcome.subscriberId, now))
  ) {
    return;
  }
  await sendConfirmation(ctx, outcome.subscriberId, input.email, now);
}

/** Per mailbox (plus-tags and gmail dots folded) and per recipient domain. */
export function confirmationBudgets(email: string, perDomainPerHour: number): ConfirmationBudget[] {
  const hash = (s: string) => createHash("sha256").update(s).digest("base64url");
  const mailbox = hash(mailboxKey(email));
  return [
    { key: `mailbox:${mailbox}`, max: 1, windowMs: 5 * 60_000 },
    { key: `mailbox-day:${mailbox}`, max: 5, windowMs: 24 * 3600_000 },
    { key: `domain:${hash(mailDomain(email))}`, max: perDomainPerHour, windowMs: 3600_000 },
  ];
}

/**
 * Queue the confirmation mail of a reader whose slot is claimed, if the mailbox and its domain
 * have budget left; otherwise give the slot back (no mail, nothing else changes).
 */
async function sendConfirmation(
  ctx: SubscriberContext,
  subscriberId: number,
  email: string,
  now: Date,
): Promise<void> {
  const { deps } = ctx;
  for (const budget of confirmationBudgets(email, deps.config.CONFIRMATIONS_PER_DOMAIN_PER_HOUR)) {
    if (!(await takeConfirmationBudget(deps.db, budget, now))) {
      await releaseConfirmationSlot(deps.db, subscriberId, now);
      deps.logger.warn(
        { subscriberId, limit: budget.key.split(":")[0] },
        "confirmation mail over budget",
      );
      return;
    }
  }
  await ctx.mail({ kind: "confirmation", subscriberId, claimedAt: now.toISOString() });
}

/** How often one reader may ask for their links by mail. */
export const LINKS_INTERVAL_MS = 60 * 60 * 1000;

/**
 * "Email me my links" for a reader who lost their mails: an active reader gets a short mail
 * with their manage and unsubscribe links, at most once per LINKS_INTERVAL_MS; any
 * other address gets nothing. The caller answers the same whatever happened.
 */
export async function emailMyLinks(ctx: SubscriberContext, email: string): Promise<void> {
  const { deps } = ctx;
  const reader = await findSubscriberByEmail(deps.db, email);
  if (reader?.status !== "active") return;
  if (!(await claimLinksResend(deps.db, reader.id, deps.clock.now(), LINKS_INTERVAL_MS))) return;
  await ctx.mail({ kind: "links", subscriberId: reader.id });
}

/**
 * The subscriber a link belongs to, or null for anything not genuine and current: bad
 * signature, other purpose, expired, unknown subscriber, or revoked (older token version).
 * `olderVersions` takes revoked links of a reader who has left too: only for one-click
 * unsubscribe, so it stays idempotent (unsubscribing revokes the link, and a mail client's
 * retry, or a second click on an older digest, still gets its 200). For a reader who is active
 * again, or who revoked their links, an old link is dead like any other.
 */
export async function subscriberForToken(
  deps: Deps,
  token: string,
  purpose: LinkPurpose,
  options: { olderVersions?: boolean } = {},
): Promise<Subscriber | null> {
  const claims = verifyToken(deps.config.APP_SECRET, token, purpose, deps.clock.now());
  if (!claims) return null;
  const subscriber = await findSubscriber(deps.db, claims.subscriberId);
  if (!subscriber) return null;
  const current = subscriber.token_version === claims.version;
  const left = subscriber.status !== "active" && subscriber.status !== "pending";
  const older = options.olderVersions && left && claims.version < subscriber.token_version;
  if (!current && !older) return null;
  // A confirm link from before the reader left must not bring them back.
  if (
    purpose === "confirm" &&
    subscriber.unsubscribed_at &&
    claims.issuedAt < Math.floor(subscriber.unsubscribed_at.getTime() / 1000)
  ) {
    return null;
  }
  return subscriber;
}

export type ConfirmOutcome = "confirmed" | "already-active" | "unavailable";

export async function confirm(
  ctx: SubscriberContext,
  subscriber: Subscriber,
): Promise<ConfirmOutcome> {
  const { deps } = ctx;
  const now = deps.clock.now();
  const activated = await activateSubscriber(deps.db, subscriber.id, now);
  if (!activated) return subscriber.status === "active" ? "already-active" : "unavailable";
  await recordEvents(deps.db, [{ type: "subscriber.confirmed", subscriberId: subscriber.id }], now);
  await ctx.mail({ kind: "welcome", subscriberId: subscriber.id });
  await emitWebhook(deps, () => deps.requestSide().queues, "subscriber.confirmed", {
    subscriber_id: subscriber.id,
  });
  return "confirmed";
}

export interface PreferencesChange {
  before: PreferencesView;
  after: PreferencesView;
  changes: string[];
}

/** Apply a full or partial change; unknown topics reject the whole change. */
export async function updatePreferences(
  deps: Deps,
  subscriberId: number,
  patch: Partial<PreferencesInput>,
): Promise<PreferencesChange> {
  if (patch.topics) await assertTopicsExist(deps, patch.topics);
  if (patch.muted_topics?.length) {
    const unknown = await unknownTopics(deps.db, patch.muted_topics);
    if (unknown.length) throw new InputError(`muted_topics: unknown topic: ${unknown.join(", ")}`);
  }
  const before = await getPreferences(deps.db, subscriberId);
  if (!before) throw new InputError("unknown subscriber");
  const after: PreferencesView = { ...before, ...patch };
  const topics = await listTopics(deps.db);
  const names = new Map(topics.map((t) => [t.slug, t.name]));
  const changes = describeChanges(before, after, (s) => names.get(s) ?? s);
  if (changes.length) {
    const now = deps.clock.now();
    await savePreferences(deps.db, subscriberId, after, now);
    const fields = (Object.keys(after) as (keyof PreferencesView)[]).filter(
      (k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]),
    );
    await recordEvents(
      deps.db,
      [{ type: "preferences.updated", subscriberId, data: { fields } }],
      now,
    );
  }
  return { before, after, changes };
}

export async function unsubscribe(
  deps: Deps,
  subscriberId: number,
  via: "one-click" | "page",
): Promise<void> {
  const changed = await unsubscribeSubscriber(deps.db, subscriberId, deps.clock.now(), via);
  if (!changed) return;
  deps.logger.info({ subscriberId, via }, "unsubscribed");
  await emitWebhook(deps, () => deps.requestSide().queues, "subscriber.unsubscribed", {
    subscriber_id: subscriberId,
    via,
  });
}

const SUPPRESSION_EVENT = {
  hard_bounce: "subscriber.bounced",
  complaint: "subscriber.complained",
} as const;

/**
 * Suppress an address (a hard bounce or a complaint) and tell the webhooks when it belongs to
 * a reader. `queues`: the request side's in a request, the worker's in a job.
 */
export async function suppress(
  deps: Deps,
  queues: Queues | (() => Queues),
  email: string,
  reason: Exclude<SuppressionReason, "manual">,
  detail: string | null,
): Promise<number | null> {
  const subscriberId = await suppressAddress(deps.db, email, reason, detail, deps.clock.now());
  if (subscriberId !== null) {
    await emitWebhook(deps, queues, SUPPRESSION_EVENT[reason], {
      subscriber_id: subscriberId,
      reason,
    });
  }
  return subscriberId;
}

/** Every link the reader holds stops working; the row with its new link version. */
export async function revokeReaderLinks(deps: Deps, subscriberId: number): Promise<Subscriber> {
  const row = await revokeLinks(deps.db, subscriberId, deps.clock.now(), "reader");
  if (!row) throw new InputError("unknown subscriber");
  deps.logger.info({ subscriberId }, "links revoked");
  return row;
}

export async function resubscribe(deps: Deps, subscriberId: number): Promise<boolean> {
  const now = deps.clock.now();
  const ok = await resubscribeSubscriber(deps.db, subscriberId, now);
  if (ok) await recordEvents(deps.db, [{ type: "subscriber.resubscribed", subscriberId }], now);
  return ok;
}

export interface MuteLink {
  subscriber: Subscriber;
  mute: MuteClaims;
}

/** The reader and mute a digest's mute link stands for; null unless genuine and current. */
export async function muteForToken(deps: Deps, token: string): Promise<MuteLink | null> {
  const claims = verifyMuteToken(deps.config.APP_SECRET, token);
  if (!claims) return null;
  const subscriber = await findSubscriber(deps.db, claims.subscriberId);
  if (!subscriber || subscriber.token_version !== claims.version) return null;
  return { subscriber, mute: claims };
}

/** Record a mute from a link (idempotent); logged by subscriber id and kind only. */
export async function muteFromLink(deps: Deps, link: MuteLink): Promise<boolean> {
  const { subscriber, mute } = link;
  const added = await addMute(deps.db, subscriber.id, mute.kind, mute.value, deps.clock.now());
  if (added) deps.logger.info({ subscriberId: subscriber.id, kind: mute.kind }, "muted");
  return added;
}

/** A genuine, current feedback link's reader and claims, or null (then the link is a 404). */
export async function feedbackForToken(
  deps: Deps,
  token: string,
): Promise<{ subscriber: Subscriber; claims: FeedbackClaims } | null> {
  const claims = verifyFeedbackToken(deps.config.APP_SECRET, token);
  if (!claims) return null;
  const subscriber = await findSubscriber(deps.db, claims.subscriberId);
  if (!subscriber || subscriber.token_version !== claims.version) return null;
  return { subscriber, claims };
}

/** Record a vote (the latest wins); false when the paper no longer exists. */
export async function vote(deps: Deps, claims: FeedbackClaims): Promise<boolean> {
  const { subscriberId, paperId } = claims;
  const known = await recordVote(deps.db, subscriberId, paperId, claims.vote, deps.clock.now());
  if (known) deps.logger.info({ subscriberId, paperId, vote: claims.vote }, "vote recorded");
  return known;
}

/** Forget a vote (the preferences page's Remove button). */
export async function unvote(deps: Deps, subscriberId: number, paperId: string): Promise<void> {
  await removeVote(deps.db, subscriberId, paperId);
  deps.logger.info({ subscriberId, paperId }, "vote removed");
}
