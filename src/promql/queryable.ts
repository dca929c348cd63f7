// The Queryable boundary: the only way the PromQL engine reads data. query/ implements it over the StoreAPI (plus
// dedup); tests implement it in memory. Mirrors Prometheus's storage.Queryable, reduced to what the engine uses.

import type { Labels } from '../tsdb/labels/labels.js';
import type { Matcher } from '../tsdb/labels/matcher.js';
import type { SampleIterator } from '../tsdb/chunkenc/chunk.js';

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
 * Sample iterators are the TSDB's own (tsdb/chunkenc SampleIterator): `next()`/`seek(t)` return ValFloat (1) or
 * ValNone (0), `atT()`/`atF()` read the current sample, `err()` after ValNone; nothing is allocated per sample.
 * Stale markers are the NaN with bit pattern 0x7ff0000000000002 (see isStaleNaN).
 */
export type { SampleIterator } from '../tsdb/chunkenc/chunk.js';
export { STALE_NAN, isStaleNaN } from '../tsdb/chunkenc/chunk.js';

/** XOR-encoded samples (tsdb/chunkenc) whose timestamps all lie in [minTime, maxTime]. */
export interface XorChunk {
  readonly minTime: number;
  readonly maxTime: number;
  readonly data: Uint8Array;
}

export interface StorageSeries {
  /** Sorted label set, including `__name__`. */
  readonly labels: Labels;
  /**
   * An iterator over the series' samples. The engine drains each series' iterator before it asks the next series
   * for one, so an implementation may hand out one reused iterator (ChunkSeriesIterator.reset) for all of them.
   */
  iterator(): SampleIterator;
  /**
   * Optional fast path: when the samples are exactly these time-sorted, non-overlapping chunks (nothing to merge),
   * the engine decodes them straight into its sample buffers instead of stepping an iterator sample by sample.
   * Undefined means use iterator().
   */
  xorChunks?(): readonly XorChunk[] | undefined;
}

export interface Queryable {
  /**
   * Series matching all matchers that have samples in [hints.start, hints.end] (inclusive ms). Series may be returned
   * in any order; samples outside the range may be returned and are ignored. Aborting `signal` must stop the work.
   */
  select(matchers: readonly Matcher[], hints: SelectHints, signal: AbortSignal): AsyncIterable<StorageSeries> | Iterable<StorageSeries>;
}
