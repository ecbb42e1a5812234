/**
 * The memory of built messages, reused. A message's Buffer lives off the V8 heap, and V8 frees
 * dead ones only at its next garbage collection; composing makes little heap garbage now, so
 * collections are rare and tens of MB of sent messages waited for one (worker RSS +30–50 MB).
 * A message whose server answered 250 has been written out completely, so its memory can take
 * the next message: released slabs go to a short free list.
 */
const SLAB = 64 * 1024;
const KEEP = 64;

export class MessageBuffers {
  /** Slabs made here (their ArrayBuffers), so nothing else is ever taken in. */
  private readonly mine = new WeakSet<ArrayBufferLike>();
  private readonly free: Buffer[] = [];
  /** The free slabs' ArrayBuffers: one released twice is kept once. */
  private readonly freeSet = new Set<ArrayBufferLike>();

  /** src[0, length) copied into a slab of its own (a reused one when one is free). */
  copy(src: Buffer, length: number): Buffer {
    let slab = this.free.pop();
    if (slab) this.freeSet.delete(slab.buffer);
    if (!slab || slab.length < length) {
      slab = Buffer.allocUnsafeSlow(Math.max(SLAB, length));
      this.mine.add(slab.buffer);
    }
    src.copy(slab, 0, 0, length);
    return slab.subarray(0, length);
  }

  /**
   * The message is not needed any more (its server accepted it): its slab may take another.
   * Anything not made by `copy` is left alone.
   */
  release(message: Buffer): void {
    const memory = message.buffer;
    if (!this.mine.has(memory) || this.freeSet.has(memory) || this.free.length >= KEEP) return;
    this.freeSet.add(memory);
    this.free.push(Buffer.from(memory, 0, memory.byteLength));
  }
}
