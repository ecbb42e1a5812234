import { sql } from "kysely";
import type { Db } from "../platform/db/index.ts";
import type { Subscriber } from "../platform/db/schema.ts";
import type { Deps } from "../platform/deps.ts";
import { createGroup, groupPer } from "../platform/group-commit.ts";
import { insertEvents } from "./repository.ts";
import { distinctRounds, linkHolder, unsubscribed } from "./service.ts";
import { verifyToken } from "./tokens.ts";

/**
 * RFC 8058 one-click unsubscribe in one statement per group of requests: the link holder's
 * check and the change are one round trip and one durable commit (a lookup, then an update,
 * were two in a row), so a mail client's POST waits for a single group commit.
 */

export interface OneClickRequest {
  subscriberId: number;
  /** The link's token version: only the current link of a reader still here unsubscribes. */
  version: number;
  via: string;
}

/** The reader as the statement found them (before its change), and whether it changed them. */
export interface OneClickResult {
  before: Pick<Subscriber, "status" | "token_version" | "unsubscribed_at"> | null;
  changed: boolean;
}

/**
 * Unsubscribe by link: false when the link is not genuine or not the reader's (then nothing
 * changed: a 404); true once the reader has left, committed (also when they had left already:
 * one-click is idempotent, and a revoked link of a reader who left still answers).
 */
export async function unsubscribeByLink(deps: Deps, token: string, via: string): Promise<boolean> {
  const claims = verifyToken(deps.config.APP_SECRET, token, "unsubscribe", deps.clock.now());
  if (!claims) return false;
  const { subscriberId, version } = claims;
  const { before, changed } = await oneClickGroup(deps)({ subscriberId, version, via });
  if (!before || !linkHolder(before, claims, "unsubscribe", { olderVersions: true })) return false;
  if (changed) await unsubscribed(deps, subscriberId, via);
  return true;
}

const oneClickGroup = groupPer((deps: Deps) =>
  createGroup(
    async (requests: OneClickRequest[]) => {
      const results: OneClickResult[] = new Array(requests.length);
      // A reader twice in a group: in a later round (one statement updates a row once).
      for (const round of distinctRounds(requests.map((r) => String(r.subscriberId)))) {
        const found = await unsubscribeByLinks(
          deps.db,
          round.map((i) => requests[i]!),
          deps.clock.now(),
        );
        round.forEach((i, k) => {
          results[i] = found[k]!;
        });
      }
      return results;
    },
    { name: "one-click" },
  ),
);

/**
 * For distinct readers: unsubscribe each whose link version is current and who is pending or
 * active, with its event. Each reader's row as it was before (the statement's snapshot).
 */
export async function unsubscribeByLinks(
  db: Db,
  requests: OneClickRequest[],
  now: Date,
): Promise<OneClickResult[]> {
  const { rows } = await sql<{
    ord: number;
    status: Subscriber["status"] | null;
    token_version: number | null;
    unsubscribed_at: Date | null;
    changed: boolean;
  }>`
    with input as (
      select * from unnest(${requests.map((_, i) => i)}::int[],
                           ${requests.map((r) => r.subscriberId)}::int[],
                           ${requests.map((r) => r.version)}::int[],
                           ${requests.map((r) => r.via)}::text[]) as i(ord, id, version, via)),
    changed as (
      update subscribers s set status = 'unsubscribed', unsubscribed_at = ${now},
             updated_at = ${now}, token_version = s.token_version + 1
        from input i
       where s.id = i.id and s.token_version = i.version and s.status in ('pending', 'active')
      returning s.id, i.via),
    logged as (${insertEvents(
      sql`select id, 'subscriber.unsubscribed', jsonb_build_object('via', via) from changed`,
      now,
    )})
    select i.ord, s.status, s.token_version, s.unsubscribed_at, (c.id is not null) as changed
      from input i left join subscribers s on s.id = i.id left join changed c on c.id = i.id`.execute(
    db,
  );
  const results: OneClickResult[] = new Array(requests.length);
  for (const r of rows) {
    const before =
      r.status === null
        ? null
        : { status: r.status, token_version: r.token_version!, unsubscribed_at: r.unsubscribed_at };
    results[r.ord] = { before, changed: r.changed };
  }
  return results;
}
