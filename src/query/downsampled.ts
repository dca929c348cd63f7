// Reading downsampled data in the querier (upstream pkg/query/querier.go aggrsFromFunc, iter.go): which aggregates a
// selector asks the stores for, given the PromQL function wrapping it, the max_source_resolution clamp for functions
// needing two samples, and the sample iterator over a series whose chunks mix raw and aggregate data.
// Beyond upstream (documented in docs/downsampling.md): count_over_time sums the window counts instead of counting
// windows, and resets() counts resets recovered from the counter/min/max aggregates instead of always 0 (#3644).

import type { SampleIterator, ValueType } from '../tsdb/chunkenc/chunk.js';
import { ValFloat, ValNone } from '../tsdb/chunkenc/chunk.js';
import { AverageIterator, CounterResetsIterator } from '../tsdb/chunkenc/aggr-iterators.js';
import { XorIterator } from '../tsdb/chunkenc/xor.js';
import type { Aggr, AggrChunk, Chunk } from '../store/store-api.js';

/** The aggregates to read for a selector wrapped by `func` (upstream aggrsFromFunc, plus MIN/MAX for resets). */
export function aggregatesForFunc(func: string): Aggr[] {
  if (func === 'min' || func.startsWith('min_')) return ['MIN'];
  if (func === 'max' || func.startsWith('max_')) return ['MAX'];
  if (func === 'count' || func.startsWith('count_')) return ['COUNT'];
  // Plain `sum` wants the samples themselves (the average), only sum_* the window sums.
  if (func.startsWith('sum_')) return ['SUM'];
  if (func === 'resets') return ['COUNTER', 'MIN', 'MAX'];
  if (COUNTER_FUNCS.has(func)) return ['COUNTER'];
  return ['COUNT', 'SUM'];
}

const COUNTER_FUNCS = new Set(['increase', 'rate', 'irate', 'xincrease', 'xrate']);

/** Functions that need two samples in their range: their data must be at most half the range coarse. */
const TWO_SAMPLE_FUNCS = new Set(['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'predict_linear', 'holt_winters', 'double_exponential_smoothing']);

/** max_source_resolution for one selector: at most half its range for the two-sample functions (upstream). */
export function maxResolutionForSelector(maxSourceResolutionMs: number, rangeMs: number, func: string): number {
  if (rangeMs > 0 && TWO_SAMPLE_FUNCS.has(func)) return Math.min(maxSourceResolutionMs, Math.trunc(rangeMs / 2));
  return maxSourceResolutionMs;
}

/** Whether any chunk of the series is downsampled (carries aggregates instead of raw data). */
export function hasAggregates(chunks: readonly AggrChunk[]): boolean {
  for (const c of chunks) if (!c.raw && (c.count || c.sum || c.min || c.max || c.counter)) return true;
  return false;
}

const EMPTY_XOR = new Uint8Array([0, 0]);

function xorIt(c: Chunk | undefined): XorIterator {
  return new XorIterator(c && c.encoding === 'XOR' ? c.data : EMPTY_XOR);
}

/** Concatenates per-chunk iterators, dropping samples not after the previous one (overlaps between chunks). */
class ConcatIterator implements SampleIterator {
  private i = 0;
  private t = -Infinity;
  private v = 0;
  private e: Error | undefined;

  constructor(private readonly its: readonly SampleIterator[]) {}

  next(): ValueType {
    for (;;) {
      const it = this.its[this.i];
      if (it === undefined || this.e) return ValNone;
      if (it.next() === ValNone) {
        this.e = it.err();
        this.i++;
        continue;
      }
      if (it.atT() <= this.t) continue;
      this.t = it.atT();
      this.v = it.atF();
      return ValFloat;
    }
  }

  seek(t: number): ValueType {
    if (this.t >= t) return ValFloat;
    while (this.next() !== ValNone) if (this.t >= t) return ValFloat;
    return ValNone;
  }

  atT(): number { return this.t; }
  atF(): number { return this.v; }
  err(): Error | undefined { return this.e; }
}

/** Samples given as arrays (for the synthesised series below). */
class ArrayIterator implements SampleIterator {
  private i = -1;
  constructor(private readonly ts: readonly number[], private readonly vs: readonly number[], private readonly e?: Error) {}
  next(): ValueType { return ++this.i < this.ts.length ? ValFloat : ((this.i = this.ts.length), ValNone); }
  seek(t: number): ValueType {
    if (this.i < 0) this.i = 0;
    while (this.i < this.ts.length && this.ts[this.i]! < t) this.i++;
    return this.i < this.ts.length ? ValFloat : ValNone;
  }
  atT(): number { return this.ts[this.i]!; }
  atF(): number { return this.vs[this.i]!; }
  err(): Error | undefined { return this.i >= this.ts.length ? this.e : undefined; }
}

function drain(it: SampleIterator, f: (t: number, v: number) => void): Error | undefined {
  while (it.next() !== ValNone) f(it.atT(), it.atF());
  return it.err();
}

/**
 * count_over_time on downsampled data: each window's count c becomes c samples (valued c) at the last c
 * milliseconds up to the window's timestamp, so counting samples counts raw samples. Raw chunks pass unchanged.
 */
function countExpanded(chunks: readonly AggrChunk[]): SampleIterator {
  const ts: number[] = [];
  const vs: number[] = [];
  let prev = -Infinity;
  let err: Error | undefined;
  for (const c of chunks) {
    if (c.raw) {
      err ??= drain(xorIt(c.raw), (t, v) => { if (t > prev) { ts.push(t); vs.push(v); prev = t; } });
      continue;
    }
    err ??= drain(xorIt(c.count), (t, n) => {
      if (t <= prev) return;
      for (let x = Math.max(prev + 1, t - n + 1); x <= t; x++) { ts.push(x); vs.push(n); }
      prev = t;
    });
  }
  return new ArrayIterator(ts, vs, err);
}

/**
 * resets() on downsampled data: a series with the same drops as the raw series, rebuilt from the aggregates. The
 * last raw value before a window is known exactly at chunk edges (counter framing) and after a window without a reset
 * (its max); after a reset only within that window's [min, max]. A window has no reset iff some previous last value L
 * in those bounds explains it: increase (from the counter) = max − L and min ≥ L; otherwise it had a reset, shown as
 * one drop. Exact when a window holds at most one reset (several in one window count once).
 */
function resetsSeries(chunks: readonly AggrChunk[]): SampleIterator {
  const ts: number[] = [];
  const vs: number[] = [];
  let err: Error | undefined;
  // Bounds of the previous raw value (equal when known exactly); NaN before the first sample.
  let lo = NaN;
  let hi: number;
  const push = (t: number, v: number): void => {
    if (ts.length > 0 && t <= ts[ts.length - 1]!) { vs[vs.length - 1] = Math.min(vs[vs.length - 1]!, v); return; }
    ts.push(t); vs.push(v);
  };
  for (const c of chunks) {
    if (c.raw) {
      err ??= drain(xorIt(c.raw), (t, v) => { if (v === v) { push(t, v); lo = hi = v; } });
      continue;
    }
    const counter: [number, number][] = [];
    const mins: [number, number][] = [];
    const maxs: number[] = [];
    err ??= drain(xorIt(c.counter), (t, v) => counter.push([t, v]));
    err ??= drain(xorIt(c.min), (t, v) => mins.push([t, v]));
    err ??= drain(xorIt(c.max), (_t, v) => maxs.push(v));
    if (counter.length < 2 || mins.length !== maxs.length || mins.length === 0) continue;
    const [t0, v0] = counter[0]!;
    const vLast = counter[counter.length - 1]![1];
    // The first raw value of the chunk against the last one before it: a reset between chunks.
    if (lo === lo && v0 < lo) push(Math.min(t0, mins[0]![0] - 1), v0);
    lo = hi = v0;
    let prevTotal = v0;
    let shown = v0; // the value last put in the series
    let k = 1; // counter[k] is the aggregate at mins[w]'s timestamp
    for (let w = 0; w < mins.length; w++) {
      const [t, min] = mins[w]!;
      const max = maxs[w]!;
      while (k < counter.length - 1 && counter[k]![0] < t) k++;
      const total = counter[k]![1];
      const inc = total - prevTotal;
      prevTotal = total;
      const implied = max - inc; // the previous last value if the window had no reset
      const eps = 1e-9 * Math.max(1, Math.abs(max), Math.abs(hi));
      const reset = !(implied >= lo - eps && implied <= hi + eps && min >= implied - eps);
      const isLast = w === mins.length - 1;
      if (reset) {
        push(t - 1, Math.min(min, shown - Math.max(1, Math.abs(shown))));
        lo = min;
        hi = max;
      } else {
        lo = hi = max;
      }
      if (isLast) lo = hi = vLast;
      shown = isLast ? vLast : reset ? min : max;
      push(t, shown);
    }
  }
  return new ArrayIterator(ts, vs, err);
}

/**
 * The samples a selector wrapped by `func` reads from a series with downsampled chunks (raw chunks mixed in are read
 * as they are, except under the counter functions, where they go through the counter-reset iterator as upstream).
 */
export function downsampledIterator(chunks: readonly AggrChunk[], func: string): SampleIterator {
  const aggrs = aggregatesForFunc(func);
  if (func === 'count_over_time') return countExpanded(chunks);
  if (func === 'resets') return resetsSeries(chunks);
  if (aggrs.length === 1) {
    const pick = aggrs[0] === 'MIN' ? 'min' : aggrs[0] === 'MAX' ? 'max' : aggrs[0] === 'COUNT' ? 'count' : aggrs[0] === 'SUM' ? 'sum' : 'counter';
    const its = chunks.map((c) => xorIt(c[pick] ?? c.raw));
    return pick === 'counter' ? new CounterResetsIterator(its) : new ConcatIterator(its);
  }
  return new ConcatIterator(chunks.map((c) => (c.raw || !c.count || !c.sum ? xorIt(c.raw) : new AverageIterator(xorIt(c.count), xorIt(c.sum)))));
}
