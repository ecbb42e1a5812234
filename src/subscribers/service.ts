import { createHash } from "node:crypto";
import { listTopics, unknownTopics } from "../papers/repository.ts";
import type { Subscriber, SuppressionReason } from "../platform/db/schema.ts";
import type { Deps } from "../platform/deps.ts";
import { createGroup, groupPer } from "../platform/group-commit.ts";
import type { Queues } from "../platform/queues.ts";
import { emitWebhook } from "../platform/webhooks.ts";
import {
  claimConfirmationSlots,
  findSubscribers,
  recordSubscribeRequests,
  releaseConfirmationSlots,
  takeConfirmationBudgets,
  type UnsubscribeRequest,
  unsubscribeSubscribers,
} from "./batch-repository.ts";
import { describeChanges } from "./changes.ts";
import { mailboxKey, mailDomain } from "./email.ts";
import type { PreferencesView } from "./preferences.ts";
import {
  activateSubscriber,
  addMute,
  type ConfirmationBudget,
  claimLinksResend,
  findSubscriber,
  findSubscriberByEmail,
  getPreferences,
  recordEvents,
  recordVote,
  removeVote,
  resubscribeSubscriber,
  revokeLinks,
  type SubscribeOutcome,
  savePreferences,
  suppressAddress,
} from "./repository.ts";
import {
  type FeedbackClaims,
  type LinkPurpose,
  type MuteClaims,
  verifyFeedbackToken,
  verifyMuteToken,
  verifyToken,
} from "./tokens.ts";
import type { TransactionalDispatch, TransactionalJob } from "./transactional.ts";
import type { PreferencesInput, SubscribeInput } from "./validation.ts";

/** The reader's journey: subscribe, confirm, change preferences, leave, come back. */

/** Bad input found after parsing (e.g. a topic that does not exist): a 400, nothing changed. */
export class InputError extends Error {}

export interface SubscriberContext {
  deps: Deps;
  /** Queue a transactional mail; a worker renders it from the row and sends it. */
  mail: TransactionalDispatch["dispatch"];
  /** Queue several in one call (one Redis round trip); `mail` one by one when absent. */
  mailMany?: TransactionalDispatch["dispatchMany"];
}

async function assertTopicsExist(deps: Deps, topics: string[]): Promise<void> {
  const unknown = await unknownTopics(deps.db, topics);
  if (unknown.length) throw new InputError(`unknown topic: ${unknown.join(", ")}`);
}

/**
 * What a subscribe request checks before it is answered: only what does not depend on the
 * address's state (its topics exist), so the answer takes the same time for every address.
 * The topic slugs are kept for TOPICS_FRESH_MS (no query per request); a slug not among them
 * reloads them at once, so a topic just added is taken. The write re-checks (subscribe).
 */
export async function checkSubscribeRequest(deps: Deps, input: SubscribeInput): Promise<void> {
  if (input.topics.length === 0) return;
  let known = topicSlugs.get(deps);
  const fresh = known && Date.now() - known.at < TOPICS_FRESH_MS;
  if (fresh && input.topics.every((t) => known!.slugs.has(t))) return;
  known = { at: Date.now(), slugs: new Set((await listTopics(deps.db)).map((t) => t.slug)) };
  topicSlugs.set(deps, known);
  const unknown = input.topics.filter((t) => !known!.slugs.has(t));
  if (unknown.length) throw new InputError(`unknown topic: ${unknown.join(", ")}`);
}

const TOPICS_FRESH_MS = 10_000;
const topicSlugs = new WeakMap<Deps, { at: number; slugs: Set<string> }>();

/**
 * Subscribe an address; run after the answer was sent (see checkSubscribeRequest), so none of
 * this shows in its timing. Only pending or unsubscribed, unsuppressed addresses get a
 * confirmation mail, at most one per CONFIRMATION_INTERVAL_MS and within the mailbox and
 * domain budgets (confirmationBudgets). Concurrent calls are written together (group commit).
 */
export async function subscribe(ctx: SubscriberContext, input: SubscribeInput): Promise<void> {
  const outcome = await subscribeGroup(ctx)(input);
  if (outcome.kind === "unknown-topics") {
    throw new InputError(`unknown topic: ${outcome.topics.join(", ")}`);
  }
}

const subscribeGroup = groupPer((ctx: SubscriberContext) =>
  createGroup((inputs: SubscribeInput[]) => subscribeMany(ctx, inputs), { name: "subscribe" }),
);

/** Subscribe requests in rounds of distinct addresses (one statement upserts a row once). */
async function subscribeMany(
  ctx: SubscriberContext,
  inputs: SubscribeInput[],
): Promise<SubscribeOutcome[]> {
  const outcomes: SubscribeOutcome[] = new Array(inputs.length);
  for (const round of distinctRounds(inputs.map((i) => i.email.trim().toLowerCase()))) {
    const results = await subscribeRound(
      ctx,
      round.map((i) => inputs[i]!),
    );
    round.forEach((i, k) => {
      outcomes[i] = results[k]!;
    });
  }
  return outcomes;
}

/**
 * One round: record every request (one statement), claim the slots of returning readers (one
 * UPDATE; a new row holds its slot already), count the mails against their budgets (one
 * transaction), give refused slots back, and queue the confirmations in one call.
 */
async function subscribeRound(
  ctx: SubscriberContext,
  inputs: SubscribeInput[],
): Promise<SubscribeOutcome[]> {
  const { deps } = ctx;
  const now = deps.clock.now();
  const outcomes = await recordSubscribeRequests(deps.db, inputs, now);
  const returning = outcomes.flatMap((o) =>
    o.kind === "choices-replaced" ? [o.subscriberId] : [],
  );
  const claimed = await claimConfirmationSlots(deps.db, returning, now);
  const mailable = outcomes.flatMap((o, i) =>
    o.kind === "created" || (o.kind === "choices-replaced" && claimed.has(o.subscriberId))
      ? [{ subscriberId: o.subscriberId, email: inputs[i]!.email }]
      : [],
  );
  const perDomain = deps.config.CONFIRMATIONS_PER_DOMAIN_PER_HOUR;
  const budgets = mailable.map((m) => confirmationBudgets(m.email, perDomain));
  const refusedBy = await takeConfirmationBudgets(deps.db, budgets, now);
  const refused = mailable.filter((_, i) => refusedBy[i]);
  await releaseConfirmationSlots(
    deps.db,
    refused.map((m) => m.subscriberId),
    now,
  );
  refused.forEach((m) => {
    const limit = refusedBy[mailable.indexOf(m)]!.key.split(":")[0];
    deps.logger.warn({ subscriberId: m.subscriberId, limit }, "confirmation mail over budget");
  });
  const jobs = mailable
    .filter((_, i) => !refusedBy[i])
    .map((m) => ({
      kind: "confirmation" as const,
      subscriberId: m.subscriberId,
      claimedAt: now.toISOString(),
    }));
  await mailAll(ctx, jobs);
  return outcomes;
}

/** Queue several transactional mails: in one call when the context can, else one by one. */
async function mailAll(ctx: SubscriberContext, jobs: TransactionalJob[]): Promise<void> {
  if (jobs.length === 0) return;
  if (ctx.mailMany) return ctx.mailMany(jobs);
  for (const job of jobs) await ctx.mail(job);
}

/**
 * Split items into rounds in which no key repeats, each round in the items' order (a key's
 * later items go to later rounds, so they are applied in the order they came). Indexes.
 */
export function distinctRounds(keys: string[]): number[][] {
  const rounds: number[][] = [];
  const seen: Set<string>[] = [];
  keys.forEach((key, i) => {
    let r = 0;
    // After the last round that has this key, so a key's items keep their order.
    for (let k = seen.length - 1; k >= 0; k--) {
      if (seen[k]!.has(key)) {
        r = k + 1;
        break;
      }
    }
    if (!rounds[r]) {
      rounds[r] = [];
      seen[r] = new Set();
    }
    rounds[r]!.push(i);
    seen[r]!.add(key);
  });
  return rounds;
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
  const subscriber = await subscriberLookup(deps)(claims.subscriberId);
  if (!subscriber) return null;
  return linkHolder(subscriber, claims, purpose, options) ? subscriber : null;
}

/**
 * Whether a token's claims (already verified) are a genuine, current link of this subscriber
 * for `purpose` (see subscriberForToken); pure, for a caller that has the row already.
 */
export function linkHolder(
  subscriber: Pick<Subscriber, "status" | "token_version" | "unsubscribed_at">,
  claims: { version: number; issuedAt: number },
  purpose: LinkPurpose,
  options: { olderVersions?: boolean } = {},
): boolean {
  const current = subscriber.token_version === claims.version;
  const left = subscriber.status !== "active" && subscriber.status !== "pending";
  const older = options.olderVersions && left && claims.version < subscriber.token_version;
  if (!current && !older) return false;
  // A confirm link from before the reader left must not bring them back.
  if (
    purpose === "confirm" &&
    subscriber.unsubscribed_at &&
    claims.issuedAt < Math.floor(subscriber.unsubscribed_at.getTime() / 1000)
  ) {
    return false;
  }
  return true;
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
  // Resolves once committed: a one-click answer promises the reader has left.
  const changed = await unsubscribeGroup(deps)({ subscriberId, via });
  if (changed) await unsubscribed(deps, subscriberId, via);
}

/** What follows a reader's leaving, once committed: the log line and the webhook. */
export async function unsubscribed(deps: Deps, subscriberId: number, via: string): Promise<void> {
  deps.logger.info({ subscriberId, via }, "unsubscribed");
  await emitWebhook(deps, () => deps.requestSide().queues, "subscriber.unsubscribed", {
    subscriber_id: subscriberId,
    via,
  });
}

/** Concurrent unsubscribes in one statement (a reader twice in a group: in a later round). */
const unsubscribeGroup = groupPer((deps: Deps) =>
  createGroup(
    async (requests: UnsubscribeRequest[]) => {
      const changed: boolean[] = new Array(requests.length);
      for (const round of distinctRounds(requests.map((r) => String(r.subscriberId)))) {
        const now = deps.clock.now();
        const results = await unsubscribeSubscribers(
          deps.db,
          round.map((i) => requests[i]!),
          now,
        );
        round.forEach((i, k) => {
          changed[i] = results[k]!;
        });
      }
      return changed;
    },
    { name: "unsubscribe" },
  ),
);

/** Concurrent lookups of link holders in one query. */
const subscriberLookup = groupPer((deps: Deps) =>
  createGroup(
    async (ids: number[]) => {
      const found = await findSubscribers(deps.db, [...new Set(ids)]);
      return ids.map((id) => found.get(id));
    },
    { name: "link-lookup" },
  ),
);

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
