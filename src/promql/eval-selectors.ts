// Reading selectors through the Queryable: loads raw samples for a selector over the time range a grid needs, and
// turns them into step values (instant selectors with lookback) or windows (range selectors, left-open).

import type { Labels } from '../tsdb/labels/labels.js';
import type { AtModifier, VectorSelector } from './parser/ast.js';
import { CorruptionError } from '../runtime/errors.js';
import type { SelectHints, StorageSeries, XorChunk } from './queryable.js';
import { isStaleNaN } from './queryable.js';
import { ValNone } from '../tsdb/chunkenc/chunk.js';
import { decodeXorInto, xorNumSamples } from '../tsdb/chunkenc/xor.js';
import type { EvalContext, Grid, RawSeries, VSeries } from './eval-types.js';
import { newVSeries } from './eval-types.js';
import { continueRead, hintsKey } from './prefetch.js';

export interface HintExtras {
  readonly func: string;
  readonly by: boolean;
  readonly grouping: readonly string[];
}

export const NO_HINTS: HintExtras = { func: '', by: false, grouping: [] };

/** The ms time `@` pins an expression to, or undefined. */
export function atTime(ctx: EvalContext, at: AtModifier | undefined): number | undefined {
  if (!at) return undefined;
  switch (at.kind) {
    case 'time': return at.ms;
    case 'start': return ctx.queryStart;
    case 'end': return ctx.queryEnd;
  }
}

/** The reference (window end) time for step i: `@` time or the step time, minus the offset. */
export function refTime(grid: Grid, i: number, at: number | undefined, offsetMs: number): number {
  return (at ?? grid.start + i * grid.interval) - offsetMs;
}

// Samples are written straight into shared slabs and handed out as subarrays: no per-series buffer growth, copy or
// allocation. A slab stays alive while any series cut from it does (one query's worth); a full one is replaced.
const SLAB = 1 << 16;
let slabTs = new Float64Array(SLAB);
let slabVs = new Float64Array(SLAB);
/** slabVs's memory as int32 words, for decoders that copy value bits. */
let slabWords = new Int32Array(slabVs.buffer);
let slabPos = 0;

/** Moves the series being written (slab[from, from+n)) to a fresh slab with room for at least 2·max(n, need) samples. */
function newSlab(from: number, n: number, need = n): void {
  const size = Math.max(SLAB, 2 * Math.max(n, need));
  const ts = new Float64Array(size);
  const vs = new Float64Array(size);
  ts.set(slabTs.subarray(from, from + n));
  vs.set(slabVs.subarray(from, from + n));
  slabTs = ts;
  slabVs = vs;
  slabWords = new Int32Array(vs.buffer);
  slabPos = 0;
}

/**
 * Loads the samples of every series matching `vs` that windows over `grid` can see: (minRef − range, maxRef].
 * `rangeMs` 0 means an instant selector (the lookback delta is used). Stale markers are kept unless `dropStale`.
 */
export async function loadSelector(
  ctx: EvalContext, vs: VectorSelector, grid: Grid, rangeMs: number, dropStale: boolean, extras: HintExtras,
): Promise<RawSeries[]> {
  const { hints, mint, maxRef } = selectHints(ctx, vs, grid, rangeMs, extras);
  const pre = ctx.prefetched.get(vs);
  let found: AsyncIterable<StorageSeries> | Iterable<StorageSeries>;
  if (pre && pre.key === hintsKey(hints)) {
    ctx.prefetched.delete(vs);
    found = continueRead(pre);
  } else {
    found = ctx.queryable.select(vs.matchers, hints, ctx.signal);
  }
  const out: RawSeries[] = [];
  const add = (s: StorageSeries): void => {
    const r = readSeries(s, mint, maxRef, dropStale);
    if (r) out.push(r);
  };
  if (Symbol.asyncIterator in found) {
    for await (const s of found) {
      add(s);
      ctx.checkAbort();
    }
  } else {
    for (const s of found) add(s);
  }
  ctx.checkAbort();
  return out;
}

/** The time range and hints of the read behind `vs` over `grid`: samples in [mint, maxRef]. */
export function selectHints(
  ctx: EvalContext, vs: VectorSelector, grid: Grid, rangeMs: number, extras: HintExtras,
): { hints: SelectHints; mint: number; maxRef: number } {
  const at = atTime(ctx, vs.at);
  const maxRef = refTime(grid, grid.n - 1, at, vs.offsetMs);
  const minRef = refTime(grid, 0, at, vs.offsetMs);
  const back = rangeMs > 0 ? rangeMs : ctx.settings.lookbackDeltaMs;
  const mint = minRef - back + 1;
  const hints: SelectHints = {
    start: mint, end: maxRef, step: ctx.queryStep, func: extras.func, range: rangeMs, by: extras.by, grouping: extras.grouping,
  };
  return { hints, mint, maxRef };
}

function readSeries(s: StorageSeries, mint: number, maxt: number, dropStale: boolean): RawSeries | undefined {
  const chunks = s.xorChunks?.();
  if (chunks) return readChunks(s, chunks, mint, maxt, dropStale);
  const it = s.iterator();
  let base = slabPos;
  let n = 0;
  // Local copies of the slab references: module variables would be reloaded for every sample.
  let ts = slabTs;
  let vs = slabVs;
  if (it.seek(mint) !== ValNone) {
    do {
      const t = it.atT();
      if (t > maxt) break;
      if (t < mint) continue;
      const v = it.atF();
      if (dropStale && isStaleNaN(v)) continue;
      if (base + n === ts.length) {
        newSlab(base, n);
        base = 0;
        ts = slabTs;
        vs = slabVs;
      }
      ts[base + n] = t;
      vs[base + n] = v;
      n++;
    } while (it.next() !== ValNone);
  }
  const err = it.err();
  if (err) throw err;
  if (n === 0 && !dropStale) return { labels: s.labels, ts: new Float64Array(0), vs: new Float64Array(0), dropName: false };
  if (n === 0) return undefined;
  slabPos = base + n;
  return { labels: s.labels, ts: slabTs.subarray(base, base + n), vs: slabVs.subarray(base, base + n), dropName: false };
}

/**
 * readSeries over chunks handed over whole: each chunk that can hold samples in [mint, maxt] is decoded at once into
 * the slab, then samples outside the range (and stale markers when dropping them) are squeezed out in place.
 * Same result as stepping iterator(), including the error of a corrupt chunk.
 */
function readChunks(s: StorageSeries, chunks: readonly XorChunk[], mint: number, maxt: number, dropStale: boolean): RawSeries | undefined {
  let base = slabPos;
  let n = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    if (c.maxTime < mint) continue;
    if (c.minTime > maxt) break;
    const total = xorNumSamples(c.data);
    if (base + n + total > slabTs.length) {
      newSlab(base, n, n + total);
      base = 0;
    }
    const at = base + n;
    const ts = slabTs;
    const vs = slabVs;
    const r = decodeXorInto(c.data, ts, slabWords, at, maxt);
    if (!r.error && !dropStale && c.minTime >= mint && c.maxTime <= maxt) {
      n += r.n;
      continue;
    }
    let w = at;
    let past = false;
    for (let k = at; k < at + r.n; k++) {
      const t = ts[k]!;
      if (t < mint) continue;
      if (t > maxt) {
        past = true;
        break;
      }
      const v = vs[k]!;
      if (dropStale && isStaleNaN(v)) continue;
      ts[w] = t;
      vs[w] = v;
      w++;
    }
    n = w - base;
    // Decoding stopped at the first sample after maxt: later chunks start later still.
    if (past || (!r.error && r.n < total)) break;
    // As the iterator would: a corrupt chunk fails the read unless the range ended inside its good samples.
    if (r.error) throw new CorruptionError('series', `chunk ${i}`, 0, r.error.message, { cause: r.error });
  }
  if (n === 0 && !dropStale) return { labels: s.labels, ts: new Float64Array(0), vs: new Float64Array(0), dropName: false };
  if (n === 0) return undefined;
  slabPos = base + n;
  return { labels: s.labels, ts: slabTs.subarray(base, base + n), vs: slabVs.subarray(base, base + n), dropName: false };
}

/**
 * Instant-selector values per step: the newest sample in (ref − lookback, ref], unless it is a stale marker.
 * With `timestamps`, the value is the sample's timestamp in seconds (for timestamp()).
 */
export function instantValues(
  ctx: EvalContext, series: RawSeries[], grid: Grid, at: number | undefined, offsetMs: number, timestamps = false,
): VSeries[] {
  const lookback = ctx.settings.lookbackDeltaMs;
  const out: VSeries[] = [];
  for (const s of series) {
    if (s.ts.length === 0) continue;
    const r = newVSeries(s.labels, grid.n, false);
    let j = 0;
    let any = false;
    for (let i = 0; i < grid.n; i++) {
      // Under `@` every step sees the same sample: copy the first step's answer.
      if (at !== undefined && i > 0) {
        r.vals[i] = r.vals[0]!;
        r.has[i] = r.has[0]!;
        continue;
      }
      const ref = refTime(grid, i, at, offsetMs);
      while (j < s.ts.length && s.ts[j]! <= ref) j++;
      const k = j - 1;
      if (k < 0 || s.ts[k]! <= ref - lookback) continue;
      const v = s.vs[k]!;
      if (isStaleNaN(v)) continue;
      r.vals[i] = timestamps ? s.ts[k]! / 1000 : v;
      r.has[i] = 1;
      any = true;
    }
    if (any) out.push(r);
  }
  return out;
}

/** Labels-only view used by absent(): the equality matchers of a selector. */
export function absentLabels(vs: VectorSelector): Labels {
  const seen = new Map<string, number>();
  for (const m of vs.matchers) seen.set(m.name, (seen.get(m.name) ?? 0) + 1);
  const out = vs.matchers
    .filter((m) => m.type === '=' && m.name !== '__name__' && seen.get(m.name) === 1)
    .map((m) => ({ name: m.name, value: m.value }));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
