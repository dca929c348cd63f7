// The PromQL engine: parses, evaluates instant and range queries over a Queryable with Prometheus 3 semantics, and
// enforces the query timeout, the in-memory sample limit and cancellation (Prometheus's promql.Engine).

import { AbortError, LimitError, ParseError } from '../runtime/errors.js';
import { deadline } from '../runtime/async.js';
import { compareLabels, type Labels } from '../tsdb/labels/labels.js';
import type { Expr } from './parser/ast.js';
import { unwrap } from './parser/ast.js';
import { exprType, parseExpr } from './parser/parse.js';
import type { Queryable } from './queryable.js';
import type { MatrixSeries, QueryResult, QueryValue, Sample } from './value.js';
import type { EngineSettings, EvalValue, VSeries } from './eval-types.js';
import { EvalContext, QueryError, dropMetricName, labelsKey, makeGrid } from './eval-types.js';
import { Evaluator } from './evaluator.js';
import { closeUnused } from './prefetch.js';
import { resolveDurations } from './parser/durations.js';

export { QueryError } from './eval-types.js';

/** Prometheus's HTTP API `errorType` for an error the engine threw (query API adapters map errors with this). */
export type PromQLErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal';

export function promqlErrorType(err: unknown): PromQLErrorType {
  if (err instanceof ParseError) return 'bad_data';
  if (err instanceof AbortError) return err.message.includes('timed out') ? 'timeout' : 'canceled';
  if (err instanceof QueryError || err instanceof LimitError) return 'execution';
  return 'internal';
}

export interface EngineOptions {
  /** Default 5m. */
  readonly lookbackDeltaMs?: number;
  /** Default 50,000,000 (Prometheus's --query.max-samples). */
  readonly maxSamples?: number;
  /** Default 2m (Prometheus's --query.timeout). */
  readonly timeoutMs?: number;
  /** Step of `[5m:]` subqueries; default 1m. */
  readonly defaultSubqueryStepMs?: number;
  /** Prometheus's promql-delayed-name-removal feature; default false. */
  readonly delayedNameRemoval?: boolean;
}

export class Engine {
  private readonly settings: EngineSettings;
  private readonly timeoutMs: number;

  constructor(opts: EngineOptions = {}) {
    this.settings = {
      lookbackDeltaMs: opts.lookbackDeltaMs ?? 5 * 60_000,
      maxSamples: opts.maxSamples ?? 50_000_000,
      defaultSubqueryStepMs: opts.defaultSubqueryStepMs ?? 60_000,
      delayedNameRemoval: opts.delayedNameRemoval ?? false,
    };
    this.timeoutMs = opts.timeoutMs ?? 120_000;
  }

  /** Evaluates `query` at `timeMs`. Throws PromQLParseError, QueryError, LimitError or AbortError. */
  async instantQuery(q: Queryable, query: string | Expr, timeMs: number, signal?: AbortSignal): Promise<QueryResult> {
    const expr = typeof query === 'string' ? parseExpr(query) : query;
    return this.run(q, expr, timeMs, timeMs, 0, signal);
  }

  /** Evaluates `query` at start, start+step, … ≤ end; the result is always a matrix. */
  async rangeQuery(
    q: Queryable, query: string | Expr, startMs: number, endMs: number, stepMs: number, signal?: AbortSignal,
  ): Promise<QueryResult> {
    const expr = typeof query === 'string' ? parseExpr(query) : query;
    const t = exprType(expr);
    if (t !== 'vector' && t !== 'scalar') {
      const doc = t === 'matrix' ? 'range vector' : 'string';
      // Prometheus returns this one without a position (promql.NewRangeQuery).
      throw new ParseError(`invalid expression type "${doc}" for range query, must be Scalar or instant Vector`);
    }
    if (stepMs <= 0) throw new QueryError('zero or negative query resolution step widths are not accepted. Try a positive integer');
    if (endMs < startMs) throw new QueryError('end timestamp must not be before start time');
    return this.run(q, expr, startMs, endMs, stepMs, signal);
  }

  private async run(q: Queryable, expr: Expr, start: number, end: number, step: number, signal?: AbortSignal): Promise<QueryResult> {
    const bounded = deadline(signal, this.timeoutMs);
    const sig = bounded.signal;
    const ctx = new EvalContext(q, this.settings, sig, start, end, step);
    expr = resolveDurations(expr, step, end - start);
    const grid = makeGrid(start, end, step);
    let v: EvalValue;
    try {
      v = await new Evaluator(ctx).eval(expr, grid);
    } catch (err) {
      // Whatever a store threw because the signal fired becomes Prometheus's timeout/cancellation error.
      if (sig.aborted) ctx.checkAbort();
      throw err;
    } finally {
      if (ctx.prefetched.size > 0) closeUnused(ctx);
      bounded.dispose();
    }
    const value = step === 0 ? this.instantValue(v, expr, start) : this.rangeValue(v, grid.start, grid.interval);
    return { value, warnings: [...ctx.warnings], infos: [...ctx.infos] };
  }

  private instantValue(v: EvalValue, expr: Expr, t: number): QueryValue {
    switch (v.kind) {
      case 'scalar': return { type: 'scalar', t, v: v.vals[0] ?? NaN };
      case 'string': return { type: 'string', t, v: v.value };
      case 'matrix': {
        const series: MatrixSeries[] = v.series.map((s) => ({
          labels: s.dropName ? dropMetricName(s.labels) : s.labels, timestamps: s.ts, values: s.vs,
        }));
        checkUnique(series.map((s) => s.labels));
        return { type: 'matrix', series: series.sort((a, b) => compareLabels(a.labels, b.labels)) };
      }
      case 'vector': {
        let samples: Sample[] = [];
        for (const s of v.series) {
          if (!s.has[0]) continue;
          samples.push({ labels: s.dropName ? dropMetricName(s.labels) : s.labels, t, v: s.vals[0]! });
        }
        checkUnique(samples.map((s) => s.labels));
        const top = unwrap(expr);
        if (top.type === 'Call' && (top.func === 'sort' || top.func === 'sort_desc')) samples = sortByValue(samples, top.func === 'sort_desc');
        return { type: 'vector', samples };
      }
    }
  }

  private rangeValue(v: EvalValue, start: number, interval: number): QueryValue {
    if (v.kind === 'scalar') {
      const ts = new Float64Array(v.vals.length);
      for (let i = 0; i < ts.length; i++) ts[i] = start + i * interval;
      return { type: 'matrix', series: [{ labels: [], timestamps: ts, values: Float64Array.from(v.vals) }] };
    }
    if (v.kind !== 'vector') throw new QueryError(`invalid expression type for range query`);
    // Delayed name removal can make two series equal; they merge unless they have points at the same step.
    const merged = new Map<string, { labels: Labels; parts: VSeries[] }>();
    for (const s of v.series) {
      const labels = s.dropName ? dropMetricName(s.labels) : s.labels;
      const key = labelsKey(labels);
      const m = merged.get(key);
      if (m) m.parts.push(s);
      else merged.set(key, { labels, parts: [s] });
    }
    const out: MatrixSeries[] = [];
    for (const { labels, parts } of merged.values()) {
      const n = parts[0]!.has.length;
      let c = 0;
      for (let i = 0; i < n; i++) {
        let here = 0;
        for (const p of parts) here += p.has[i]!;
        if (here > 1) throw new QueryError('vector cannot contain metrics with the same labelset');
        c += here;
      }
      if (c === 0) continue;
      const ts = new Float64Array(c);
      const vs = new Float64Array(c);
      let j = 0;
      for (let i = 0; i < n; i++) {
        for (const p of parts) {
          if (!p.has[i]) continue;
          ts[j] = start + i * interval;
          vs[j++] = p.vals[i]!;
        }
      }
      out.push({ labels, timestamps: ts, values: vs });
    }
    return { type: 'matrix', series: out.sort((a, b) => compareLabels(a.labels, b.labels)) };
  }
}

function checkUnique(all: Labels[]): void {
  const seen = new Set<string>();
  for (const l of all) {
    const k = labelsKey(l);
    if (seen.has(k)) throw new QueryError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
}

/** sort() / sort_desc(): NaN last in both directions, as Prometheus's reversed heap orders. */
function sortByValue(samples: Sample[], desc: boolean): Sample[] {
  return [...samples].sort((a, b) => {
    const an = Number.isNaN(a.v);
    const bn = Number.isNaN(b.v);
    if (an || bn) return an === bn ? 0 : an ? 1 : -1;
    return desc ? b.v - a.v : a.v - b.v;
  });
}
