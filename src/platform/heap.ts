import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets the old generation grow past what the last full collection kept, as a
 * percentage: at most 1.5 × the live heap before the next full collection.
 *
 * Why (issue 15, measured in the delivery benchmark): composing a digest leaves 10–15 KB per
 * message in the old generation that is garbage soon after (whatever the young generation's
 * size: 8, 16 or 64 MB semi-spaces promote as much), and V8's own factor (up to 4 × when the
 * collector is fast, as it is with a ~50 MB live heap) let a sending worker's old space reach
 * 150–195 MB between full collections: peak RSS 300–330 MB at 20,000 readers. At 1.5 × the
 * full collections come every few seconds (each ~10–30 ms, the live heap being small) and the
 * peak stays near 220 MB.
 */
const OLD_GENERATION_GROWTH_PERCENT = 50;

/** For a process that sends digests (`worker`, `digest`, `dev`): call once at start. */
export function boundOldGeneration(): void {
  setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);
}
