// Memory for the head's full (closed) chunks: bytes packed into shared 1 MiB slabs instead of one buffer per chunk
// (a small Uint8Array costs more in object headers than a chunk's ~150 data bytes). A slab is released when every
// chunk in it has been truncated away.

const SLAB_SIZE = 1 << 20;
/** Location = slab * 2^21 + offset: a plain number. */
const SLAB_SHIFT = 0x20_0000;

export class ChunkArena {
  private readonly slabs: (Uint8Array | undefined)[] = [];
  private readonly live: number[] = [];
  private cur = -1;
  private used = SLAB_SIZE;

  /** Copies `data` in and returns its location. */
  add(data: Uint8Array): number {
    const n = data.length;
    if (this.used + n > SLAB_SIZE) {
      this.cur = this.slabs.length;
      this.slabs.push(new Uint8Array(Math.max(SLAB_SIZE, n)));
      this.live.push(0);
      this.used = 0;
    }
    const at = this.used;
    this.slabs[this.cur]!.set(data, at);
    this.used += n;
    this.live[this.cur]! += n;
    return this.cur * SLAB_SHIFT + at;
  }

  /** A view of the bytes at `loc` (valid until released). */
  view(loc: number, length: number): Uint8Array {
    const slab = Math.floor(loc / SLAB_SHIFT);
    const at = loc - slab * SLAB_SHIFT;
    return this.slabs[slab]!.subarray(at, at + length);
  }

  /** Marks the chunk at `loc` as gone; frees its slab once nothing in it is live. */
  release(loc: number, length: number): void {
    const slab = Math.floor(loc / SLAB_SHIFT);
    this.live[slab]! -= length;
    if (this.live[slab] === 0 && slab !== this.cur) this.slabs[slab] = undefined;
  }

  /** Bytes held in slabs. */
  get allocatedBytes(): number {
    let n = 0;
    for (const s of this.slabs) if (s) n += s.length;
    return n;
  }
}
