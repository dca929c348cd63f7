// Starts the storage reads of both operands of a binary operator before either is evaluated, so two remote Series
// calls overlap instead of running one after the other (Prometheus also selects every selector before evaluating).
// A read is started with exactly the hints loadSelector will compute; if evaluation asks for anything else, it reads
// anew and the prefetched answer is simply unused.

import type { Expr, VectorSelector } from './parser/ast.js';
import type { SelectHints, StorageSeries } from './queryable.js';
import type { EvalContext, Grid } from './eval-types.js';
import { RANGE_FUNCTIONS } from './functions/range-functions.js';
import { selectHints, NO_HINTS, type HintExtras } from './eval-selectors.js';

/**
 * One started read: the hints it was started with, the storage's iterator and its first step. Only the first step
 * is taken ahead: a store that buffers its answer (StoreQueryable) reads it all then, a lazy one reads one series,
 * and the evaluator continues the same iterator in order, so the Queryable contract holds either way.
 */
export interface Prefetched {
  readonly key: string;
  readonly it: AsyncIterator<StorageSeries>;
  readonly first: Promise<IteratorResult<StorageSeries>>;
}

export function hintsKey(h: SelectHints): string {
  return `${h.start}/${h.end}/${h.step}/${h.func}/${h.range}/${h.by}/${h.grouping.join('\xff')}`;
}

/** Starts the reads of every selector in `e` that evaluation over `grid` will reach directly (not via subqueries). */
export function prefetch(ctx: EvalContext, e: Expr, grid: Grid, extras: HintExtras = NO_HINTS): void {
  switch (e.type) {
    case 'ParenExpr': case 'StepInvariantExpr': prefetch(ctx, e.expr, grid, extras); return;
    case 'VectorSelector': start(ctx, e, grid, 0, extras); return;
    case 'AggregateExpr': prefetch(ctx, e.expr, grid, { func: '', by: !e.without, grouping: e.grouping }); return;
    case 'BinaryExpr':
      prefetch(ctx, e.lhs, grid);
      prefetch(ctx, e.rhs, grid);
      return;
    case 'Call': {
      if (RANGE_FUNCTIONS[e.func] === undefined && e.func !== 'absent_over_time') return;
      for (let a of e.args) {
        while (a.type === 'ParenExpr' || a.type === 'StepInvariantExpr') a = a.expr;
        if (a.type === 'MatrixSelector') start(ctx, a.vs, grid, a.rangeMs, { func: e.func, by: false, grouping: [] });
      }
      return;
    }
    case 'UnaryExpr': prefetch(ctx, e.expr, grid); return;
    // A bare range selector (top of an instant query) or a subquery (another grid): read when evaluated.
    case 'MatrixSelector': case 'SubqueryExpr': case 'NumberLiteral': case 'StringLiteral': return;
  }
}

function start(ctx: EvalContext, vs: VectorSelector, grid: Grid, rangeMs: number, extras: HintExtras): void {
  if (ctx.prefetched.has(vs)) return;
  const { hints } = selectHints(ctx, vs, grid, rangeMs, extras);
  const found = ctx.queryable.select(vs.matchers, hints, ctx.signal);
  // In-memory storage answers synchronously: nothing to overlap.
  if (!(Symbol.asyncIterator in found)) return;
  const it = found[Symbol.asyncIterator]();
  const first = it.next();
  // Evaluation may fail before it reaches this read; its failure then must not go unobserved.
  first.catch(() => undefined);
  ctx.prefetched.set(vs, { key: hintsKey(hints), it, first });
}

/** The series of a prefetched read, the first one included, as one iterable. */
export async function* continueRead(p: Prefetched): AsyncGenerator<StorageSeries> {
  for (let r = await p.first; !r.done; r = await p.it.next()) yield r.value;
}

/**
 * Closes reads that evaluation never used (their hints did not match, or evaluation failed first), in the
 * background: a store that ignores the abort signal must not hold up the query's answer.
 */
export function closeUnused(ctx: EvalContext): void {
  const left = [...ctx.prefetched.values()];
  ctx.prefetched.clear();
  for (const p of left) {
    p.first.then(async () => { await p.it.return?.(); }).catch(() => undefined);
  }
}
