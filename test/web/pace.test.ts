import pino from "pino";
import { describe, expect, it } from "vitest";
import { createBackground } from "../../src/web/background.ts";
import {
  createRateWindow,
  PACE_MAX_WAIT_MS,
  PACE_MIN_PER_SECOND,
  paceSlot,
} from "../../src/web/pace.ts";

describe("pacing answers to the write rate", () => {
  it("lets a request through at once below the threshold, without using a slot", () => {
    const state = { lastSlotMs: 0 };
    expect(paceSlot(state, 5_000, 999, 1_000, 0)).toBe(5_000);
    expect(state.lastSlotMs).toBe(0);
  });

  it("past the threshold, spaces requests at the write rate, one after another", () => {
    const state = { lastSlotMs: 0 };
    // 2,000 writes/s at the threshold: one request every 0.5 ms.
    expect(paceSlot(state, 1_000, 1_000, 1_000, 2_000)).toBe(1_000.5);
    expect(paceSlot(state, 1_000, 1_000, 1_000, 2_000)).toBe(1_001);
    expect(paceSlot(state, 1_000.2, 1_000, 1_000, 2_000)).toBe(1_001.5);
    // No credit saved up while idle: a later request starts from its own arrival.
    expect(paceSlot(state, 2_000, 1_000, 1_000, 2_000)).toBe(2_000.5);
  });

  it("slows down as the backlog deepens (twice the threshold, half the rate)", () => {
    const state = { lastSlotMs: 0 };
    expect(paceSlot(state, 0, 2_000, 1_000, 2_000)).toBe(1);
  });

  it("assumes a floor rate while nothing was written lately, and refuses waits too long", () => {
    const state = { lastSlotMs: 0 };
    expect(paceSlot(state, 0, 1_000, 1_000, 0)).toBe(1000 / PACE_MIN_PER_SECOND);
    const far = { lastSlotMs: PACE_MAX_WAIT_MS };
    expect(paceSlot(far, 0, 1_000, 1_000, 1_000)).toBeNull();
    // A refused request takes no slot.
    expect(far.lastSlotMs).toBe(PACE_MAX_WAIT_MS);
  });

  it("counts events over the last second", () => {
    let now = 0;
    const window = createRateWindow(() => now);
    window.add(5);
    now = 550;
    window.add(3);
    expect(window.perSecond()).toBe(8);
    now = 1_050;
    expect(window.perSecond()).toBe(3);
    now = 5_000;
    expect(window.perSecond()).toBe(0);
  });
});

describe("background work admits new requests at its pace", () => {
  it("at once below the threshold; past it after a slot; refused when the writes are stuck", async () => {
    const background = createBackground(pino({ level: "silent" }));
    expect(await background.admit(2)).toBe(true);
    let finish: () => void = () => {};
    const stuck = new Promise<void>((ok) => {
      finish = ok;
    });
    background.run("a", () => stuck);
    background.run("b", () => stuck);
    const started = performance.now();
    // Nothing finished lately: the floor rate, one slot after another.
    expect(await background.admit(2)).toBe(true);
    expect(await background.admit(2)).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(
      (2 * 1000) / PACE_MIN_PER_SECOND - 1,
    );
    // Ten thousand times the threshold: the turn is far more than PACE_MAX_WAIT_MS away.
    for (let i = 0; i < 20_000; i++) background.run("c", () => stuck);
    expect(await background.admit(2)).toBe(false);
    finish();
    await background.idle();
    expect(background.size()).toBe(0);
  });
});
