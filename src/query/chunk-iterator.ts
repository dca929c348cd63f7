// Reads the samples of a StoreAPI series: a SampleIterator over its raw XOR chunks (non-overlapping, time-sorted),
// decoding lazily with one reused chunk decoder, so series stay encoded until the engine asks for them.

import { CorruptionError } from '../runtime/errors.js';
import type { SampleIterator } from '../promql/queryable.js';
import { ValNone } from '../tsdb/chunkenc/chunk.js';
import { XorIterator } from '../tsdb/chunkenc/xor.js';
import type { AggrChunk } from '../store/store-api.js';

/** Iterates consecutive non-overlapping chunks; chunks without raw XOR data are skipped (see rawXorChunks). */
export class ChunksIterator implements SampleIterator {
  private readonly dec = new XorIterator();
  private i = -1;
  private t = 0;
  private v = 0;

  constructor(private readonly chunks: readonly AggrChunk[], private readonly where = 'series') {}

  next(): boolean {
    for (;;) {
      if (this.i >= 0 && this.dec.next() !== ValNone) {
        this.t = this.dec.atT();
        this.v = this.dec.atF();
        return true;
      }
      this.checkErr();
      if (!this.open(this.i + 1)) return false;
    }
  }

  seek(t: number): boolean {
    if (this.i >= 0 && this.i < this.chunks.length && this.t >= t) return true;
    // Skip whole chunks that end before t without decoding them.
    let j = Math.max(this.i, 0);
    while (j < this.chunks.length && this.chunks[j]!.maxTime < t) j++;
    if (j !== this.i && !this.open(j)) return false;
    while (this.next()) if (this.t >= t) return true;
    return false;
  }

  atT(): number { return this.t; }
  atV(): number { return this.v; }

  private open(j: number): boolean {
    this.i = j;
    if (j >= this.chunks.length) return false;
    const raw = this.chunks[j]!.raw;
    this.dec.reset(raw && raw.encoding === 'XOR' ? raw.data : EMPTY_XOR);
    return true;
  }

  private checkErr(): void {
    const e = this.dec.err();
    if (e) throw new CorruptionError(this.where, `chunk ${this.i}`, 0, e.message, { cause: e });
  }
}

/** A valid XOR chunk holding zero samples, read in place of chunks we cannot decode. */
const EMPTY_XOR = new Uint8Array([0, 0]);

/** Whether any chunk holds something other than raw XOR data (native histograms, downsampled aggregates). */
export function hasNonXorChunks(chunks: readonly AggrChunk[]): boolean {
  return chunks.some((c) => !c.raw || c.raw.encoding !== 'XOR');
}
