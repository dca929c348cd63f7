// Small instant queries evaluated on the main thread. A job on a worker costs four thread hand-offs (the job, each
// select and its answer, the result); with a rule group's hundred short queries on a busy 2-core machine those
// wake-ups took longer than the evaluation itself. So an instant query without subqueries, of at most
// INLINE_MAX_QUERY_CHARS, runs here as long as its selects fetch at most INLINE_MAX_CHUNK_BYTES of chunks in all;
// one that fetches more stops at that select and goes to the pool (what it fetched is dropped), so a heavy query
// still never holds the main thread.

import type { Expr } from '../../promql/parser/ast.js';
import { walk } from '../../promql/parser/ast.js';
import { parseExpr } from '../../promql/parser/parse.js';
import type { Queryable, SelectHints, StorageSeries } from '../../promql/queryable.js';
import type { Matcher } from '../../tsdb/labels/matcher.js';
import { ApiError } from '../api/errors.js';
import { buildSeries, fetchedBytes } from '../queryable.js';
import { classifyEvalError, evaluateJob, isStackOverflow, type JobAnswer } from './evaluate.js';
import type { SelectSource } from './pool.js';
import type { EvalJob } from './protocol.js';

/** Longer queries are parsed on a worker (a long query may nest deeply; the main thread's stack is small). */
export const INLINE_MAX_QUERY_CHARS = 1024;
/** Chunk bytes (about as many samples) a query evaluated inline may fetch: a few ms of evaluation at most. */
export const INLINE_MAX_CHUNK_BYTES = 256 << 10;

/** The parsed query when `job` may run inline: instant, short, no subquery. Parse errors are left to the worker. */
export function inlineCandidate(job: EvalJob): Expr | undefined {
  if (job.step !== 0 || job.query.length > INLINE_MAX_QUERY_CHARS) return undefined;
  let expr: Expr;
  try {
    expr = parseExpr(job.query);
  } catch {
    return undefined;
  }
  let subquery = false;
  walk(expr, (e) => { if (e.type === 'SubqueryExpr') subquery = true; });
  return subquery ? undefined : expr;
}

/** Selects through `source` (as the pool's workers do) until the fetched chunk bytes pass the budget. */
class BudgetedQueryable implements Queryable {
  fetched = 0;
  over = false;

  constructor(private readonly job: EvalJob, private readonly source: SelectSource, private readonly budget: number) {}

  async *select(matchers: readonly Matcher[], hints: SelectHints, signal: AbortSignal): AsyncGenerator<StorageSeries> {
    const got = await this.source(matchers, hints, signal);
    this.fetched += fetchedBytes(got);
    if (this.fetched > this.budget) {
      this.over = true;
      throw new Error(`query fetched over ${this.budget} chunk bytes: evaluated on a worker instead`);
    }
    yield* buildSeries(got, { dedup: this.job.dedup, algorithm: this.job.algorithm, func: hints.func });
  }
}

/**
 * Evaluates `job` (parsed as `expr`) here; undefined when it fetched more than `budget` (then run it on the pool).
 * Fails as the pool does: an ApiError typed as the worker would have typed it.
 */
export async function evaluateInline(
  job: EvalJob, expr: Expr, source: SelectSource, signal: AbortSignal, budget = INLINE_MAX_CHUNK_BYTES,
): Promise<JobAnswer | undefined> {
  const q = new BudgetedQueryable(job, source, budget);
  try {
    return await evaluateJob(job, q, expr, signal);
  } catch (err) {
    // Over budget, or nested beyond the main thread's small stack: a worker (64 MiB stack) evaluates it.
    if (q.over || isStackOverflow(err)) return undefined;
    if (signal.aborted) throw err;
    const { type, message } = classifyEvalError(err);
    throw new ApiError(type, message);
  }
}
