import { afterEach, describe, expect, it, vi } from "vitest";
import { createFailureBreaker, type Pausable } from "../../src/delivery/breaker.ts";

/** A switch that records what the breaker did to it. */
function recorder(): Pausable & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    pause: async () => void log.push("pause"),
    resume: async () => void log.push("resume"),
  };
}

afterEach(() => vi.useRealTimers());

describe("send failure breaker", () => {
  it("pauses on the threshold-th failure in a row and resumes after the cool-down", async () => {
    vi.useFakeTimers();
    const target = recorder();
    const breaker = createFailureBreaker(target, 3, 60_000);
    await breaker.failed();
    await breaker.failed();
    expect(target.log).toEqual([]);
    await breaker.failed();
    expect(target.log).toEqual(["pause"]);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(target.log).toEqual(["pause"]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(target.log).toEqual(["pause", "resume"]);
  });

  it("starts counting again after a success or a pause", async () => {
    vi.useFakeTimers();
    const target = recorder();
    const breaker = createFailureBreaker(target, 2, 1_000);
    await breaker.failed();
    breaker.succeeded();
    await breaker.failed();
    expect(target.log).toEqual([]);
    await breaker.failed();
    await breaker.failed();
    expect(target.log).toEqual(["pause"]);
    await vi.advanceTimersByTimeAsync(1_000);
    await breaker.failed();
    await breaker.failed();
    expect(target.log).toEqual(["pause", "resume", "pause"]);
  });
});
