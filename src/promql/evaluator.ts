// Evaluates an AST over a step grid (Prometheus's evaluator.eval/rangeEval). Each node yields values for all steps at
// once; binary operators, aggregations and calls are delegated to eval-binary, eval-aggregate and eval-calls.

import { BugError } from '../runtime/errors.js';
import type { Expr, MatrixSelector, SubqueryExpr } from './parser/ast.js';
import type { EvalContext, EvalValue, Grid, RawSeries, VSeries } from './eval-types.js';
import { countPoints, makeGrid, newVSeries, dropMetricName } from './eval-types.js';
import { atTime, instantValues, loadSelector, NO_HINTS, refTime, type HintExtras } from './eval-selectors.js';
import { evalBinary } from './eval-binary.js';
import { evalAggregate } from './eval-aggregate.js';
import { evalCall } from './eval-calls.js';

export class Evaluator {
  constructor(readonly ctx: EvalContext) {}

  /** Evaluates `e` at every step of `grid`, accounting the samples it holds. */
  async eval(e: Expr, grid: Grid, extras: HintExtras = NO_HINTS): Promise<EvalValue> {
    this.ctx.checkAbort();
    const before = this.ctx.current;
    const v = await this.dispatch(e, grid, extras);
    const n = countPoints(v);
    this.ctx.hold(n);
    this.ctx.current = before + n;
    return v;
  }

  /** Evaluates an expression that must be a scalar; returns its value per step. */
  async scalar(e: Expr, grid: Grid): Promise<Float64Array> {
    const v = await this.eval(e, grid);
    if (v.kind !== 'scalar') throw new BugError(`expected scalar, got ${v.kind}`);
    return v.vals;
  }

  async vector(e: Expr, grid: Grid, extras: HintExtras = NO_HINTS): Promise<VSeries[]> {
    const v = await this.eval(e, grid, extras);
    if (v.kind !== 'vector') throw new BugError(`expected instant vector, got ${v.kind}`);
    return v.series;
  }

  /** Drops `__name__` now, or marks it for dropping at the end with delayed name removal. */
  dropName(s: VSeries): void {
    if (this.ctx.settings.delayedNameRemoval) s.dropName = true;
    else s.labels = dropMetricName(s.labels);
  }

  private async dispatch(e: Expr, grid: Grid, extras: HintExtras): Promise<EvalValue> {
    switch (e.type) {
      case 'NumberLiteral': return { kind: 'scalar', vals: new Float64Array(grid.n).fill(e.value) };
      case 'StringLiteral': return { kind: 'string', value: e.value };
      case 'ParenExpr': case 'StepInvariantExpr': return this.dispatch(e.expr, grid, extras);
      case 'VectorSelector': {
        const raw = await loadSelector(this.ctx, e, grid, 0, false, extras);
        return { kind: 'vector', series: instantValues(this.ctx, raw, grid, atTime(this.ctx, e.at), e.offsetMs) };
      }
      case 'MatrixSelector': case 'SubqueryExpr': {
        // Only reachable at the top of an instant query: the windows at the single evaluation time.
        const { series, rangeMs, at, offsetMs } = await this.rangeInput(e, grid, extras);
        const ref = refTime(grid, 0, at, offsetMs);
        const out: RawSeries[] = [];
        for (const s of series) {
          let lo = 0;
          while (lo < s.ts.length && s.ts[lo]! <= ref - rangeMs) lo++;
          let hi = lo;
          while (hi < s.ts.length && s.ts[hi]! <= ref) hi++;
          if (hi > lo) out.push({ labels: s.labels, ts: s.ts.slice(lo, hi), vs: s.vs.slice(lo, hi), dropName: s.dropName });
        }
        return { kind: 'matrix', series: out };
      }
      case 'UnaryExpr': {
        const v = await this.eval(e.expr, grid);
        if (e.op === '+') return v;
        if (v.kind === 'scalar') return { kind: 'scalar', vals: v.vals.map((x) => -x) };
        if (v.kind !== 'vector') throw new BugError('unary minus on a non-vector');
        return {
          kind: 'vector',
          series: v.series.map((s) => {
            const r = newVSeries(s.labels, grid.n, s.dropName);
            for (let i = 0; i < grid.n; i++) {
              r.vals[i] = -s.vals[i]!;
              r.has[i] = s.has[i]!;
            }
            this.dropName(r);
            return r;
          }),
        };
      }
      case 'BinaryExpr': return evalBinary(this, e, grid);
      case 'AggregateExpr': return evalAggregate(this, e, grid);
      case 'Call': return evalCall(this, e, grid);
    }
  }

  /**
   * The raw samples behind a range-vector argument (a range selector or a subquery), with the window parameters
   * to apply at each step. Stale markers are already removed.
   */
  async rangeInput(e: Expr, grid: Grid, extras: HintExtras = NO_HINTS): Promise<{
    series: RawSeries[]; rangeMs: number; at: number | undefined; offsetMs: number;
  }> {
    while (e.type === 'ParenExpr' || e.type === 'StepInvariantExpr') e = e.expr;
    if (e.type === 'MatrixSelector') return this.matrixInput(e, grid, extras);
    if (e.type === 'SubqueryExpr') return this.subqueryInput(e, grid);
    throw new BugError(`expected a range vector expression, got ${e.type}`);
  }

  private async matrixInput(e: MatrixSelector, grid: Grid, extras: HintExtras): Promise<{
    series: RawSeries[]; rangeMs: number; at: number | undefined; offsetMs: number;
  }> {
    const series = await loadSelector(this.ctx, e.vs, grid, e.rangeMs, true, extras);
    return { series, rangeMs: e.rangeMs, at: atTime(this.ctx, e.vs.at), offsetMs: e.vs.offsetMs };
  }

  private async subqueryInput(e: SubqueryExpr, grid: Grid): Promise<{
    series: RawSeries[]; rangeMs: number; at: number | undefined; offsetMs: number;
  }> {
    const step = e.stepMs > 0 ? e.stepMs : this.ctx.settings.defaultSubqueryStepMs;
    const at = atTime(this.ctx, e.at);
    const refStart = at ?? grid.start;
    const refEnd = at ?? grid.end;
    const bound = refStart - e.offsetMs - e.rangeMs;
    // Go's integer division truncates towards zero; the first step is the first aligned one inside (bound, …].
    let start = step * Math.trunc(bound / step);
    if (start <= bound) start += step;
    const end = refEnd - e.offsetMs;
    const inner = start > end ? { start, end, interval: step, n: 0 } : makeGrid(start, end, step);
    const series: RawSeries[] = [];
    if (inner.n > 0) {
      const v = await this.eval(e.expr, inner);
      if (v.kind !== 'vector') throw new BugError('subquery of a non-vector');
      for (const s of v.series) {
        let c = 0;
        for (let i = 0; i < inner.n; i++) c += s.has[i]!;
        if (c === 0) continue;
        const ts = new Float64Array(c);
        const vs = new Float64Array(c);
        let j = 0;
        for (let i = 0; i < inner.n; i++) {
          if (!s.has[i]) continue;
          ts[j] = inner.start + i * inner.interval;
          vs[j++] = s.vals[i]!;
        }
        series.push({ labels: s.labels, ts, vs, dropName: s.dropName });
      }
    }
    return { series, rangeMs: e.rangeMs, at, offsetMs: e.offsetMs };
  }
}
