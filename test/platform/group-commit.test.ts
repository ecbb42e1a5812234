import { describe, expect, it } from "vitest";
import { createGroupCommit } from "../../src/platform/group-commit.ts";

describe("group commit", () => {
  it("flushes a lone item at once and groups items that arrive during a flush", async () => {
    const flushes: number[][] = [];
    let release: () => void = () => {};
    const add = createGroupCommit<number>(async (items) => {
      flushes.push(items);
      await new Promise<void>((ok) => {
        release = ok;
      });
    });
    const first = add(1);
    expect(flushes).toEqual([[1]]);
    const rest = [add(2), add(3), add(4)];
    expect(flushes).toEqual([[1]]);
    release();
    await first;
    await new Promise((ok) => setImmediate(ok));
    expect(flushes).toEqual([[1], [2, 3, 4]]);
    release();
    await Promise.all(rest);
  });

  it("rejects every item of a failed flush, and the next flush runs", async () => {
    let fail = true;
    const add = createGroupCommit<number>(async () => {
      if (fail) throw new Error("database down");
    });
    await expect(add(1)).rejects.toThrow("database down");
    fail = false;
    await expect(add(2)).resolves.toBeUndefined();
  });
});
