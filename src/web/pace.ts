/**
 * Pacing of requests that are answered before they are written (subscribes, link requests).
 * Without it a burst is answered as fast as the server can reply while the writes fall behind:
 * the unwritten backlog grows until SUBSCRIBE_BACKLOG_LIMIT turns answers into 503s, and the
 * garbage collector copies that backlog on every scavenge (long pauses for every request).
 * Past PACE_ABOVE unwritten requests, each new one is answered in its turn at the rate the
 * writes have kept up over the last second (slower still when the backlog is deeper), so the
 * answers slow down smoothly to what Postgres absorbs, instead of stalling until a group of
 * writes lands. The wait depends only on the backlog, never on the address (no enumeration).
 */

/** Below this many unwritten requests a request goes ahead at once. */
export const PACE_ABOVE = 1_000;
/** A request that would wait longer than this is refused (503) instead: the writes are stuck. */
export const PACE_MAX_WAIT_MS = 5_000;
/** The rate assumed while no write has finished in the last second (a cold start, an outage). */
export const PACE_MIN_PER_SECOND = 200;

export interface PaceState {
  /** When the last paced request was let through (ms); the next one comes 1/rate after it. */
  lastSlotMs: number;
}

/**
 * When a request arriving at `nowMs` may go ahead (pure; updates `state`): at once below
 * `paceAbove`; otherwise one slot after the last paced one, at the recent write rate scaled
 * down by how far the backlog is past `paceAbove` (twice as deep, half the rate). Null when
 * that is more than PACE_MAX_WAIT_MS away (refuse it).
 */
export function paceSlot(
  state: PaceState,
  nowMs: number,
  backlog: number,
  paceAbove: number,
  writtenPerSecond: number,
): number | null {
  if (backlog < paceAbove) return nowMs;
  const rate = (Math.max(PACE_MIN_PER_SECOND, writtenPerSecond) * paceAbove) / Math.max(1, backlog);
  const slot = Math.max(nowMs, state.lastSlotMs) + 1000 / rate;
  if (slot - nowMs > PACE_MAX_WAIT_MS) return null;
  state.lastSlotMs = slot;
  return slot;
}

/** Events per second over the last second, counted in tenths of a second. */
export function createRateWindow(clock: () => number = () => performance.now()) {
  const buckets = new Array<number>(10).fill(0);
  let current = Math.floor(clock() / 100);
  const advance = () => {
    const now = Math.floor(clock() / 100);
    for (let t = current + 1; t <= Math.min(now, current + 10); t++) buckets[t % 10] = 0;
    current = Math.max(current, now);
  };
  return {
    add(n = 1): void {
      advance();
      buckets[current % 10]! += n;
    },
    perSecond(): number {
      advance();
      return buckets.reduce((a, b) => a + b, 0);
    },
  };
}
