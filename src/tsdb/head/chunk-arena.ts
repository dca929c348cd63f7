// Memory for the head's full (closed) chunks: bytes packed into shared 1 MiB slabs instead of one buffer per chunk
// (a small Uint8Array costs more in object headers than a chunk's ~150 data bytes). A slab is released when every
// chunk in it has been truncated away.

const SLAB_SIZE = 1 << 20;
/** Location = slab * 2^21 + offset: a plain number. */
const SLAB_SHIFT = 0x20_0000;

/**
 * Open chunks a replay worker built (replay-chunks.ts): bytes and XorAppender states, left as they are until their
 * series is appended to, so a replay makes no appender objects for series that are read or never written again.
 */
export interface FrozenOpenChunks {
  readonly rows: Float64Array;
  readonly open: Uint8Array;
}

export class ChunkArena {
  /** Open chunks from a replay, referenced by MemSeries.frozen (a row index). */
  frozen: FrozenOpenChunks | undefined;
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

  /** The slabs and their live byte counts, handed to another arena with adopt() (this arena is done with them). */
  export(): { slabs: Uint8Array[]; live: number[] } {
    const slabs = this.slabs.map((s) => s ?? new Uint8Array(0));
    return { slabs, live: [...this.live] };
  }

  /**
   * Takes over another arena's slabs (as export() gave them); returns the number to add to that arena's locations
   * to make them locations in this one.
   */
  adopt(slabs: readonly Uint8Array[], live: readonly number[]): number {
    const base = this.slabs.length;
    for (let i = 0; i < slabs.length; i++) {
      this.slabs.push(live[i]! > 0 ? slabs[i] : undefined);
      this.live.push(live[i]!);
    }
    // New chunks go to a fresh slab: the adopted ones are full as far as this arena knows.
    this.cur = -1;
    this.used = SLAB_SIZE;
    return base * SLAB_SHIFT;
  }

  /** Bytes held in slabs. */
  get allocatedBytes(): number {
    let n = 0;
    for (const s of this.slabs) if (s) n += s.length;
    return n;
  }
}
