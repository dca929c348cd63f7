// The Queryable boundary: the only way the PromQL engine reads data. query/ implements it over the StoreAPI (plus
// dedup); tests implement it in memory. Mirrors Prometheus's storage.Queryable, reduced to what the engine uses.

import type { Labels } from '../tsdb/labels/labels.js';
import type { Matcher } from '../tsdb/labels/matcher.js';

/** What the engine will do with the selected data, so a store can downsample or push down work (Prometheus SelectHints). */
export interface SelectHints {
  /** Inclusive ms bounds of the samples the engine needs. */
  readonly start: number;
  readonly end: number;
  /** Query step in ms (0 for instant queries). */
  readonly step: number;
  /** The function the selector is an argument of ('' if none), e.g. 'rate'. */
  readonly func: string;
  /** The range of a range selector in ms (0 for instant selectors). */
  readonly range: number;
  /** For an enclosing aggregation: true for `by`, false for `without`. */
  readonly by: boolean;
  readonly grouping: readonly string[];
}

/**
 * A pull iterator over one series' float samples in ascending time order, allocating nothing per sample (shaped like
 * Prometheus's chunkenc.Iterator). `atT`/`atV` are undefined before the first successful `next`/`seek`.
 * Stale markers are returned as the NaN with bit pattern 0x7ff0000000000002 (see isStaleNaN).
 */
export interface SampleIterator {
  /** Advances; false when exhausted. */
  next(): boolean;
  /** Advances to the first sample with t >= `t` (never moves backwards); false when there is none. */
  seek(t: number): boolean;
  atT(): number;
  atV(): number;
}

export interface StorageSeries {
  /** Sorted label set, including `__name__`. */
  readonly labels: Labels;
  /** A fresh iterator over the series' samples. */
  iterator(): SampleIterator;
}

export interface Queryable {
  /**
   * Series matching all matchers that have samples in [hints.start, hints.end] (inclusive ms). Series may be returned
   * in any order; samples outside the range may be returned and are ignored. Aborting `signal` must stop the work.
   */
  select(matchers: readonly Matcher[], hints: SelectHints, signal: AbortSignal): AsyncIterable<StorageSeries> | Iterable<StorageSeries>;
}

const staleBuf = new DataView(new ArrayBuffer(8));

/** Prometheus's staleness marker: the NaN with bit pattern 0x7ff0000000000002. */
export const STALE_NAN: number = (() => {
  staleBuf.setUint32(0, 0x7ff00000);
  staleBuf.setUint32(4, 0x00000002);
  return staleBuf.getFloat64(0);
})();

/** Whether `v` is a staleness marker (not just any NaN). */
export function isStaleNaN(v: number): boolean {
  if (v === v) return false;
  staleBuf.setFloat64(0, v);
  return staleBuf.getUint32(0) === 0x7ff00000 && staleBuf.getUint32(4) === 0x00000002;
}
