import type { EditionProgress } from "../delivery/deliver-edition.ts";

export interface ProgressReporter {
  update(p: EditionProgress): void;
  stop(): void;
}

export const handled = (p: EditionProgress) => p.sent + p.skipped + p.failed + p.cancelled;

/**
 * Without a terminal (logs, CI): a plain line at most every `everyMs`, plus the last one, and
 * never the same counts twice (the edition's last batch and its end report the same numbers).
 */
export function plainProgress(
  edition: string,
  write: (line: string) => void,
  { now = Date.now, everyMs = 2_000 }: { now?: () => number; everyMs?: number } = {},
): ProgressReporter {
  const started = now();
  let lastAt = Number.NEGATIVE_INFINITY;
  let lastCounts = "";
  return {
    update(p) {
      const counts = `${handled(p)}/${p.total} · sent ${p.sent} · skipped ${p.skipped} · failed ${p.failed} · cancelled ${p.cancelled}`;
      const finished = handled(p) >= p.total;
      if (counts === lastCounts || (!finished && now() - lastAt < everyMs)) return;
      lastAt = now();
      lastCounts = counts;
      const rate = handled(p) / Math.max(0.001, (lastAt - started) / 1000);
      write(`${edition}: ${counts} · ${rate.toFixed(1)}/s`);
    },
    stop() {},
  };
}
