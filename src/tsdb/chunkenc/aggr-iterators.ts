// Sample iterators over aggregate data: the counter-reset iterator (upstream's ApplyCounterResetsSeriesIterator)
// that turns raw or `counter` aggregate chunks into one monotonic series for rate/increase, and the average of
// sum/count sub-chunks. Semantics: compact-receive-rule.md §1.10.

import type { SampleIterator, ValueType } from './chunk.js';
import { ValFloat, ValNone } from './chunk.js';

/**
 * Walks per-chunk iterators in order. The first sample sets the total; each later sample with a larger timestamp
 * adds its delta (or, after a drop, its whole value); a sample with the same timestamp as the previous one is the
 * chunk's "true last raw value" marker: it only updates the last value, so a reset between two chunks is seen. NaNs
 * are skipped; samples going back in time (overlapping chunks) are dropped. `lastRaw` is the last raw value read.
 */
export class CounterResetsIterator implements SampleIterator {
  private i = 0;
  private total = 0;
  private n = 0;
  private t = -Infinity;
  /** The last raw (not accumulated) value read, including end-of-chunk markers. */
  lastRaw = 0;
  private e: Error | undefined;

  constructor(private readonly chunks: readonly SampleIterator[]) {}

  next(): ValueType {
    for (;;) {
      const c = this.chunks[this.i];
      if (c === undefined) return ValNone;
      if (c.next() === ValNone) {
        const err = c.err();
        if (err) { this.e = err; this.i = this.chunks.length; return ValNone; }
        this.i++;
        continue;
      }
      const t = c.atT();
      const v = c.atF();
      if (v !== v) continue;
      if (this.n === 0) {
        this.n++;
        this.t = t;
        this.lastRaw = v;
        this.total = v;
        return ValFloat;
      }
      if (t > this.t) {
        this.total += v >= this.lastRaw ? v - this.lastRaw : v;
        this.t = t;
        this.lastRaw = v;
        this.n++;
        return ValFloat;
      }
      if (t === this.t) this.lastRaw = v;
    }
  }

  seek(t: number): ValueType {
    // Never skip samples: every one may carry a reset.
    if (this.n > 0 && this.t >= t) return ValFloat;
    while (this.next() !== ValNone) if (this.t >= t) return ValFloat;
    return ValNone;
  }

  atT(): number { return this.t; }
  atF(): number { return this.total; }
  err(): Error | undefined { return this.e; }
}

/** sum/count per sample of two aligned iterators (the same timestamps); misalignment is an error. */
export class AverageIterator implements SampleIterator {
  private t = 0;
  private v = 0;
  private started = false;
  private e: Error | undefined;

  constructor(private readonly count: SampleIterator, private readonly sum: SampleIterator) {}

  next(): ValueType {
    if (this.e) return ValNone;
    const a = this.count.next();
    const b = this.sum.next();
    if (a === ValNone || b === ValNone) {
      this.e = this.count.err() ?? this.sum.err() ?? (a !== b ? new Error('sum and count aggregates not aligned') : undefined);
      return ValNone;
    }
    if (this.count.atT() !== this.sum.atT()) { this.e = new Error('sum and count timestamps not aligned'); return ValNone; }
    this.started = true;
    this.t = this.count.atT();
    this.v = this.sum.atF() / this.count.atF();
    return ValFloat;
  }

  seek(t: number): ValueType {
    if (this.started && this.t >= t) return ValFloat;
    while (this.next() !== ValNone) if (this.t >= t) return ValFloat;
    return ValNone;
  }

  atT(): number { return this.t; }
  atF(): number { return this.v; }
  err(): Error | undefined { return this.e; }
}
