/**
 * Group commit: items added while a flush is running are written together by the next flush,
 * one statement for all of them. Nothing waits for a timer or a batch size: an item added
 * while idle is flushed at once, so a lone message commits as fast as before; under load the
 * durable commits per message fall from one to a fraction. `add` resolves once the item's
 * flush succeeded and rejects with the flush's error.
 */
export function createGroupCommit<T>(flush: (items: T[]) => Promise<void>) {
  let queue: { item: T; ok: () => void; fail: (err: unknown) => void }[] = [];
  let running = false;

  async function drain(): Promise<void> {
    running = true;
    while (queue.length > 0) {
      const group = queue;
      queue = [];
      try {
        await flush(group.map((g) => g.item));
        for (const g of group) g.ok();
      } catch (err) {
        for (const g of group) g.fail(err);
      }
    }
    running = false;
  }

  return function add(item: T): Promise<void> {
    return new Promise<void>((ok, fail) => {
      queue.push({ item, ok, fail });
      if (!running) void drain();
    });
  };
}
