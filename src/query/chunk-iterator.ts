// Reads the samples of a StoreAPI series: a SampleIterator over its raw XOR chunks (non-overlapping, time-sorted),
// decoding lazily with one reused chunk decoder (shareable between series read one after another), so series stay
// encoded until the engine asks for them.

import { CorruptionError } from '../runtime/errors.js';
import type { SampleIterator } from '../promql/queryable.js';
import { ValFloat, ValNone, type ValueType } from '../tsdb/chunkenc/chunk.js';
import { XorIterator } from '../tsdb/chunkenc/xor.js';
import type { AggrChunk } from '../store/store-api.js';

/** Iterates consecutive non-overlapping chunks; chunks without raw XOR data are skipped (see rawXorChunks). */
export class ChunksIterator implements SampleIterator {
  private i = -1;
  private t = 0;
  private v = 0;
  private e: Error | undefined;

  /** `dec` may be shared by iterators that are never read at the same time (it is reset when a chunk opens). */
  constructor(
    private readonly chunks: readonly AggrChunk[],
    private readonly where = 'series',
    private readonly dec = new XorIterator(),
  ) {}

  next(): ValueType {
    if (this.e) return ValNone;
    for (;;) {
      if (this.i >= 0 && this.dec.next() !== ValNone) {
        this.t = this.dec.atT();
        this.v = this.dec.atF();
        return ValFloat;
      }
      if (this.i >= 0 && this.i < this.chunks.length && this.checkErr()) return ValNone;
      if (!this.open(this.i + 1)) return ValNone;
    }
  }

  seek(t: number): ValueType {
    if (this.e) return ValNone;
    if (this.i >= 0 && this.i < this.chunks.length && this.t >= t) return ValFloat;
    // Skip whole chunks that end before t without decoding them.
    let j = Math.max(this.i, 0);
    while (j < this.chunks.length && this.chunks[j]!.maxTime < t) j++;
    if (j !== this.i && !this.open(j)) return ValNone;
    while (this.next() !== ValNone) if (this.t >= t) return ValFloat;
    return ValNone;
  }

  atT(): number { return this.t; }
  atF(): number { return this.v; }
  err(): Error | undefined { return this.e; }

  private open(j: number): boolean {
    this.i = j;
    if (j >= this.chunks.length) return false;
    const raw = this.chunks[j]!.raw;
    this.dec.reset(raw && raw.encoding === 'XOR' ? raw.data : EMPTY_XOR);
    return true;
  }

  /** Records a decoding failure of the current chunk; true if there was one. */
  private checkErr(): boolean {
    const e = this.dec.err();
    if (e) this.e = new CorruptionError(this.where, `chunk ${this.i}`, 0, e.message, { cause: e });
    return e !== undefined;
  }
}

/** A valid XOR chunk holding zero samples, read in place of chunks we cannot decode. */
const EMPTY_XOR = new Uint8Array([0, 0]);

/** Whether any chunk holds raw data other than XOR (native histograms); downsampled aggregates are read elsewhere. */
export function hasNonXorChunks(chunks: readonly AggrChunk[]): boolean {
  return chunks.some((c) => c.raw !== undefined && c.raw.encoding !== 'XOR');
}
