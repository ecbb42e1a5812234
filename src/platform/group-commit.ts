import { channel } from "node:diagnostics_channel";

/**
 * Every flush of a named group is published here as `{ name, items, waiting, ms }` (items
 * flushed, calls left queued behind it, flush time), for a profiler or the API bench's probe.
 * Nothing is built unless someone subscribed.
 */
export const groupFlushChannel = channel("paperboy:group-flush");

/**
 * Group commit for request paths: calls made while a flush is running are handled together by
 * the next flush, in one statement and one durable commit. Nothing waits for a timer or a
 * batch size: a call made while idle is flushed at once, so a lone request is as fast as
 * before; under load the commits per request fall to a fraction. Each call resolves with its
 * own item's result once the flush committed, and rejects with the flush's error.
 */
export function createGroup<T, R>(
  flush: (items: T[]) => Promise<R[]>,
  options: {
    /** Most items in one flush (a bound on statement size and on one transaction's locks). */
    maxItems?: number;
    /** Published with each flush on groupFlushChannel. */
    name?: string;
  } = {},
): (item: T) => Promise<R> {
  const { maxItems = 500, name = "group" } = options;
  let queue: { item: T; ok: (r: R) => void; fail: (err: unknown) => void }[] = [];
  let running = false;

  async function drain(): Promise<void> {
    running = true;
    while (queue.length > 0) {
      const group = queue.slice(0, maxItems);
      queue = queue.slice(group.length);
      const started = performance.now();
      try {
        const results = await flush(group.map((g) => g.item));
        if (groupFlushChannel.hasSubscribers) {
          const ms = performance.now() - started;
          groupFlushChannel.publish({ name, items: group.length, waiting: queue.length, ms });
        }
        group.forEach((g, i) => {
          g.ok(results[i]!);
        });
      } catch (err) {
        for (const g of group) g.fail(err);
      }
    }
    running = false;
  }

  return (item: T) =>
    new Promise<R>((ok, fail) => {
      queue.push({ item, ok, fail });
      if (!running) void drain();
    });
}

/** One group per owner object (a process's deps or web context), made on first use. */
export function groupPer<O extends object, T, R>(
  make: (owner: O) => (item: T) => Promise<R>,
): (owner: O) => (item: T) => Promise<R> {
  const groups = new WeakMap<O, (item: T) => Promise<R>>();
  return (owner) => {
    let group = groups.get(owner);
    if (!group) {
      group = make(owner);
      groups.set(owner, group);
    }
    return group;
  };
}

/** A group commit whose items need no result of their own (e.g. "sent" marks). */
export function createGroupCommit<T>(
  flush: (items: T[]) => Promise<void>,
  options: { maxItems?: number; name?: string } = {},
): (item: T) => Promise<void> {
  return createGroup<T, void>(async (items) => {
    await flush(items);
    return items.map(() => undefined);
  }, options);
}
