import type { Subscriber } from "../platform/db/schema.ts";
import type { Deps } from "../platform/deps.ts";
import { recordEvent } from "../platform/events.ts";
import { describeChanges } from "./changes.ts";
import { type SubscriberMails, sendTransactional } from "./mails.ts";
import {
  activateSubscriber,
  claimConfirmationSlot,
  findOrCreateSubscriber,
  findSubscriber,
  getPreferences,
  isSuppressed,
  listTopics,
  type PreferencesView,
  releaseConfirmationSlot,
  replaceChoicesIfInactive,
  resubscribeSubscriber,
  savePreferences,
  unknownTopics,
  unsubscribeSubscriber,
} from "./repository.ts";
import { confirmLink, subscriberLinks, type TokenPurpose, verifyToken } from "./tokens.ts";
import type { PreferencesInput, SubscribeInput } from "./validation.ts";

/** The reader's journey: subscribe, confirm, change preferences, leave, come back. */

/** Bad input found after parsing (e.g. a topic that does not exist): a 400, nothing changed. */
export class InputError extends Error {}

/** Runs a mail send after the answer went out (so timing reveals nothing) and tracks it. */
export type Defer = (task: () => Promise<void>) => void;

export interface SubscriberContext {
  deps: Deps;
  mails: SubscriberMails;
  defer: Defer;
}

async function assertTopicsExist(deps: Deps, topics: string[]): Promise<void> {
  const unknown = await unknownTopics(deps.db, topics);
  if (unknown.length) throw new InputError(`unknown topic: ${unknown.join(", ")}`);
}

/**
 * Subscribe an address. Always ends the same way for the caller, whatever the address's
 * state; only pending or unsubscribed, unsuppressed addresses get a confirmation mail, and
 * at most one per CONFIRMATION_INTERVAL_MS.
 */
export async function subscribe(ctx: SubscriberContext, input: SubscribeInput): Promise<void> {
  const { deps } = ctx;
  await assertTopicsExist(deps, input.topics);
  if (await isSuppressed(deps.db, input.email)) return;
  const now = deps.clock.now();
  const { subscriber, created } = await findOrCreateSubscriber(deps.db, input.email, input, now);
  if (created) {
    await recordEvent(deps.db, "subscriber.created", subscriber.id, { source: "web" });
  } else if (await replaceChoicesIfInactive(deps.db, subscriber.id, input, now)) {
    await recordEvent(deps.db, "subscriber.choices_replaced", subscriber.id);
  }
  if (!(await claimConfirmationSlot(deps.db, subscriber.id, now))) return;
  const link = confirmLink(deps.config.PUBLIC_URL, deps.config.APP_SECRET, subscriber, now);
  const mail = ctx.mails.confirmation(subscriber.email, link);
  ctx.defer(async () => {
    try {
      await sendTransactional(deps, "confirmation", subscriber.id, mail);
    } catch (error) {
      await releaseConfirmationSlot(deps.db, subscriber.id, now);
      deps.logger.error(
        { subscriberId: subscriber.id, err: (error as Error).message },
        "confirmation mail failed",
      );
    }
  });
}

/**
 * The subscriber a link belongs to, or null for anything not genuine and current: bad
 * signature, other purpose, expired, unknown subscriber, or revoked (older token version).
 */
export async function subscriberForToken(
  deps: Deps,
  token: string,
  purpose: TokenPurpose,
): Promise<Subscriber | null> {
  const claims = verifyToken(deps.config.APP_SECRET, token, purpose, deps.clock.now());
  if (!claims) return null;
  const subscriber = await findSubscriber(deps.db, claims.subscriberId);
  if (!subscriber || subscriber.token_version !== claims.version) return null;
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
  const activated = await activateSubscriber(deps.db, subscriber.id, deps.clock.now());
  if (!activated) return subscriber.status === "active" ? "already-active" : "unavailable";
  await recordEvent(deps.db, "subscriber.confirmed", subscriber.id);
  const [prefs, topics] = await Promise.all([
    getPreferences(deps.db, subscriber.id),
    listTopics(deps.db),
  ]);
  const names = new Map(topics.map((t) => [t.slug, t.name]));
  const links = subscriberLinks(deps.config.PUBLIC_URL, deps.config.APP_SECRET, activated);
  const mail = ctx.mails.welcome(
    activated.email,
    links,
    prefs!,
    prefs!.topics.map((t) => names.get(t) ?? t),
  );
  ctx.defer(async () => {
    try {
      await sendTransactional(deps, "welcome", subscriber.id, mail);
    } catch (error) {
      deps.logger.error(
        { subscriberId: subscriber.id, err: (error as Error).message },
        "welcome mail failed",
      );
    }
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
  const before = await getPreferences(deps.db, subscriberId);
  if (!before) throw new InputError("unknown subscriber");
  const after: PreferencesView = { ...before, ...patch };
  const topics = await listTopics(deps.db);
  const names = new Map(topics.map((t) => [t.slug, t.name]));
  const changes = describeChanges(before, after, (s) => names.get(s) ?? s);
  if (changes.length) {
    await savePreferences(deps.db, subscriberId, after, deps.clock.now());
    const fields = (Object.keys(after) as (keyof PreferencesView)[]).filter(
      (k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]),
    );
    await recordEvent(deps.db, "preferences.updated", subscriberId, { fields });
  }
  return { before, after, changes };
}

export async function unsubscribe(
  deps: Deps,
  subscriberId: number,
  via: "one-click" | "page",
): Promise<void> {
  const result = await unsubscribeSubscriber(deps.db, subscriberId, deps.clock.now());
  if (result.changed) {
    await recordEvent(deps.db, "subscriber.unsubscribed", subscriberId, {
      via,
      cancelledDeliveries: result.cancelledDeliveries,
    });
    deps.logger.info({ subscriberId, via }, "unsubscribed");
  }
}

export async function resubscribe(deps: Deps, subscriberId: number): Promise<boolean> {
  const ok = await resubscribeSubscriber(deps.db, subscriberId, deps.clock.now());
  if (ok) await recordEvent(deps.db, "subscriber.resubscribed", subscriberId);
  return ok;
}
