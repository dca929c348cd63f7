// Sample iterator over a series' XOR chunks within an inclusive time range, skipping deleted intervals.
// Reusable (`reset`), allocation-free per sample: the building block for dump, PromQL and compaction.

import { CorruptionError } from '../../runtime/errors.js';
import type { SampleIterator, ValueType } from '../chunkenc/chunk.js';
import { Encoding, ValFloat, ValNone, encodingName } from '../chunkenc/chunk.js';
import { XorIterator } from '../chunkenc/xor.js';
import type { Interval } from './tombstones.js';

/** What the iterator needs from a chunk. */
export interface IterableChunk {
  readonly minTime: number;
  readonly maxTime: number;
  readonly encoding: number;
  readonly data: Uint8Array;
}

const NO_INTERVALS: readonly Interval[] = [];

export class ChunkSeriesIterator implements SampleIterator {
  private chunks: readonly IterableChunk[] = [];
  private k = -1;
  private mint = -Infinity;
  private maxt = Infinity;
  private deleted: readonly Interval[] = NO_INTERVALS;
  private readonly it = new XorIterator();
  private e: Error | undefined;
  private lastT = -Infinity;

  /**
   * Starts over on `chunks` (time order). Samples outside [mint, maxt] and inside `deleted` are skipped; a sample
   * not after the previous one (overlapping chunks) is dropped, so timestamps strictly increase.
   */
  reset(chunks: readonly IterableChunk[], mint = -Infinity, maxt = Infinity, deleted: readonly Interval[] = NO_INTERVALS): this {
    this.chunks = chunks;
    this.k = -1;
    this.mint = mint;
    this.maxt = maxt;
    this.deleted = deleted;
    this.e = undefined;
    this.lastT = -Infinity;
    this.advanceChunk();
    return this;
  }

  private advanceChunk(): boolean {
    for (;;) {
      this.k++;
      const c = this.chunks[this.k];
      if (c === undefined) return false;
      if (c.maxTime < this.mint || c.minTime > this.maxt) continue;
      if (c.encoding !== Encoding.XOR) {
        this.e = new CorruptionError('chunk', 'chunk encoding', 0, `unsupported chunk encoding ${encodingName(c.encoding)} for float samples`);
        return false;
      }
      this.it.reset(c.data);
      return true;
    }
  }

  next(): ValueType {
    const it = this.it;
    while (this.e === undefined && this.k < this.chunks.length) {
      if (it.next() === ValNone) {
        const err = it.err();
        if (err) { this.e = err; return ValNone; }
        if (!this.advanceChunk()) return ValNone;
        continue;
      }
      const t = it.atT();
      if (t < this.mint || t <= this.lastT) continue;
      if (t > this.maxt) { this.k = this.chunks.length; return ValNone; }
      if (this.deleted.length > 0 && inIntervals(t, this.deleted)) continue;
      this.lastT = t;
      return ValFloat;
    }
    return ValNone;
  }

  seek(t: number): ValueType {
    if (this.lastT >= t && this.lastT !== -Infinity) return ValFloat;
    while (this.next() !== ValNone) if (this.it.atT() >= t) return ValFloat;
    return ValNone;
  }

  atT(): number {
    return this.it.atT();
  }

  atF(): number {
    return this.it.atF();
  }

  err(): Error | undefined {
    return this.e;
  }
}

function inIntervals(t: number, ivs: readonly Interval[]): boolean {
  for (const iv of ivs) if (t >= iv.mint && t <= iv.maxt) return true;
  return false;
}
