import { createHash } from "node:crypto";
import { listTopics, unknownTopics } from "../papers/repository.ts";
import type { Subscriber } from "../platform/db/schema.ts";
import type { Deps } from "../platform/deps.ts";
import { describeChanges } from "./changes.ts";
import { mailboxKey, mailDomain } from "./email.ts";
import type { PreferencesView } from "./preferences.ts";
import {
  activateSubscriber,
  type ConfirmationBudget,
  claimConfirmationSlot,
  findSubscriber,
  getPreferences,
  recordEvents,
  recordSubscribeRequest,
  releaseConfirmationSlot,
  resubscribeSubscriber,
  revokeLinks,
  savePreferences,
  takeConfirmationBudget,
  unsubscribeSubscriber,
} from "./repository.ts";
import { type TokenPurpose, verifyToken } from "./tokens.ts";
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
  purpose: TokenPurpose,
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
  if (changed) deps.logger.info({ subscriberId, via }, "unsubscribed");
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
