// Shared shapes of the evaluator: the step grid, step-aligned series, the per-query context with limits and
// annotations. Every expression evaluates over a whole grid of steps at once (an instant query is a one-step grid).

import { LimitError, AbortError } from '../runtime/errors.js';
import type { Labels } from '../tsdb/labels/labels.js';
import { METRIC_NAME } from '../tsdb/labels/labels.js';
import type { Queryable } from './queryable.js';
import type { VectorSelector } from './parser/ast.js';
import type { Prefetched } from './prefetch.js';

/** Steps t_i = start + i·interval for i in [0, n). */
export interface Grid {
  readonly start: number;
  readonly end: number;
  readonly interval: number;
  readonly n: number;
}

export function makeGrid(start: number, end: number, interval: number): Grid {
  const n = interval > 0 ? Math.floor((end - start) / interval) + 1 : 1;
  return { start, end, interval, n: Math.max(n, 0) };
}

/** One output series of an instant-vector expression: a value per grid step where `has` is 1. */
export interface VSeries {
  labels: Labels;
  readonly vals: Float64Array;
  readonly has: Uint8Array;
  /** Delayed `__name__` removal: the name is dropped when the query finishes. */
  dropName: boolean;
}

/** Raw samples of one series (from storage or a subquery), ascending ms timestamps. */
export interface RawSeries {
  readonly labels: Labels;
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  readonly dropName: boolean;
}

export type EvalValue =
  | { readonly kind: 'vector'; readonly series: VSeries[] }
  | { readonly kind: 'scalar'; readonly vals: Float64Array }
  | { readonly kind: 'string'; readonly value: string }
  /** Only produced for a range-vector expression at the top of an instant query. */
  | { readonly kind: 'matrix'; readonly series: RawSeries[] };

// Step arrays are cut from shared zeroed slabs (bump allocation, never reused): one typed array with an off-heap
// backing store per series and node costs far more, in allocation and in GC, than a view into a slab. A slab stays
// alive while a series cut from it does.
const VSLAB = 1 << 16;
let valSlab = new Float64Array(VSLAB);
let hasSlab = new Uint8Array(VSLAB);
let vslabPos = 0;

export function newVSeries(labels: Labels, n: number, dropName: boolean): VSeries {
  if (n > VSLAB >> 3) return { labels, vals: new Float64Array(n), has: new Uint8Array(n), dropName };
  if (vslabPos + n > VSLAB) {
    valSlab = new Float64Array(VSLAB);
    hasSlab = new Uint8Array(VSLAB);
    vslabPos = 0;
  }
  const at = vslabPos;
  vslabPos += n;
  return { labels, vals: valSlab.subarray(at, at + n), has: hasSlab.subarray(at, at + n), dropName };
}

/**
 * An element-wise result over `vec`: `fill` sets each output series' points (from its input series) and says whether
 * it set any; series without points are left out, and the kept ones lose their name when `dropName`.
 */
export function mapSeries(
  ev: { dropName(r: VSeries): void }, vec: readonly VSeries[], grid: Grid, dropName: boolean, fill: (s: VSeries, r: VSeries) => boolean,
): VSeries[] {
  const out: VSeries[] = [];
  for (const s of vec) {
    const r = newVSeries(s.labels, grid.n, s.dropName);
    if (!fill(s, r)) continue;
    if (dropName) ev.dropName(r);
    out.push(r);
  }
  return out;
}

export function countPoints(v: EvalValue): number {
  switch (v.kind) {
    case 'vector': {
      let c = 0;
      for (const s of v.series) for (let i = 0; i < s.has.length; i++) c += s.has[i]!;
      return c;
    }
    case 'scalar': return v.vals.length;
    case 'string': return 0;
    case 'matrix': {
      let c = 0;
      for (const s of v.series) c += s.ts.length;
      return c;
    }
  }
}

export interface EngineSettings {
  readonly lookbackDeltaMs: number;
  readonly maxSamples: number;
  readonly defaultSubqueryStepMs: number;
  /** Drop `__name__` only at the end of the query (Prometheus's promql-delayed-name-removal). */
  readonly delayedNameRemoval: boolean;
}

/** Per-query state: storage, cancellation, limits and collected annotations. */
export class EvalContext {
  current = 0;
  readonly warnings = new Set<string>();
  /** Reads started ahead of evaluation (see prefetch.ts), by selector node. */
  readonly prefetched = new Map<VectorSelector, Prefetched>();
  readonly infos = new Set<string>();

  constructor(
    readonly queryable: Queryable,
    readonly settings: EngineSettings,
    readonly signal: AbortSignal,
    readonly queryStart: number,
    readonly queryEnd: number,
    readonly queryStep: number,
  ) {}

  /** Accounts `n` more samples held in memory; throws Prometheus's error past the limit. */
  hold(n: number): void {
    this.current += n;
    if (this.current > this.settings.maxSamples) {
      throw new LimitError('query processing would load too many samples into memory in query execution', 'max-samples', this.current);
    }
  }

  checkAbort(): void {
    if (!this.signal.aborted) return;
    const r: unknown = this.signal.reason;
    if (r instanceof Error && r.name === 'TimeoutError') throw new AbortError('query timed out in expression evaluation', { cause: r });
    throw new AbortError('query was canceled in expression evaluation', { cause: r });
  }

  warn(msg: string): void {
    this.warnings.add(`PromQL warning: ${msg}`);
  }

  info(msg: string): void {
    this.infos.add(`PromQL info: ${msg}`);
  }
}

/** A string that identifies a label set, for maps. */
export function labelsKey(labels: Labels): string {
  let k = '';
  for (const l of labels) k += l.name + '\xff' + l.value + '\xfe';
  return k;
}

/** Labels that go with the metric name: since Prometheus 3.5 `__type__`/`__unit__` are dropped together with it. */
export function isNameLabel(name: string): boolean {
  return name === METRIC_NAME || name === '__type__' || name === '__unit__';
}

export function dropMetricName(labels: Labels): Labels {
  return labels.some((l) => isNameLabel(l.name)) ? labels.filter((l) => !isNameLabel(l.name)) : labels;
}

/** Error raised during evaluation with the text Prometheus returns to users. */
export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

/**
 * Collects output series by label set across steps, as Prometheus's rangeEval does: two results with the same labels
 * at the same step are the "same labelset" error.
 */
export class SeriesCollector {
  private readonly byKey = new Map<string, VSeries>();
  readonly out: VSeries[] = [];
  constructor(private readonly n: number) {}

  add(labels: Labels, step: number, v: number, dropName: boolean, key = labelsKey(labels)): void {
    let s = this.byKey.get(key);
    if (!s) {
      s = newVSeries(labels, this.n, dropName);
      this.byKey.set(key, s);
      this.out.push(s);
    } else if (s.has[step]) {
      throw new QueryError('vector cannot contain metrics with the same labelset');
    }
    if (dropName) s.dropName = true;
    s.vals[step] = v;
    s.has[step] = 1;
  }
}
