import { deleteDeliveriesOf, deliveriesOf } from "../delivery/repository.ts";
import { deleteSentPapersOf, sentPapersOf } from "../digests/repository.ts";
import type { Db } from "../platform/db/index.ts";
import type { Deps } from "../platform/deps.ts";
import { eraseSubscriber, subscriberDataOf } from "../subscribers/repository.ts";

/**
 * A reader's own data (GDPR arts. 15 and 17), gathered from and erased by each table owner.
 * A new owner of per-reader rows (e.g. votes) adds one entry here: its section of the download
 * and its delete, run before the subscriber row goes.
 */
interface OwnerPart {
  section: string;
  collect(db: Db, subscriberId: number): Promise<unknown>;
  erase(db: Db, subscriberId: number): Promise<void>;
}

const OWNERS: OwnerPart[] = [
  { section: "deliveries", collect: deliveriesOf, erase: deleteDeliveriesOf },
  { section: "sent_papers", collect: sentPapersOf, erase: deleteSentPapersOf },
];

/** Everything held about the reader, or null when there is no such reader. */
export async function collectReaderData(deps: Pick<Deps, "db" | "clock">, subscriberId: number) {
  const own = await subscriberDataOf(deps.db, subscriberId);
  if (!own) return null;
  const parts = await Promise.all(OWNERS.map((o) => o.collect(deps.db, subscriberId)));
  return {
    exported_at: deps.clock.now().toISOString(),
    ...own,
    ...Object.fromEntries(OWNERS.map((o, i) => [o.section, parts[i]])),
  };
}

/** Erase the reader in one transaction: every owner's rows, then the reader (see eraseSubscriber). */
export function eraseReader(deps: Pick<Deps, "db" | "clock">, subscriberId: number) {
  return deps.db.transaction().execute(async (tx) => {
    for (const owner of OWNERS) await owner.erase(tx, subscriberId);
    return eraseSubscriber(tx, subscriberId, deps.clock.now());
  });
}
