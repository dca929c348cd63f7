// One query job evaluated by the PromQL engine over a Queryable: what a worker thread runs for every job, and what
// the main thread runs itself for a small instant query (inline.ts). Failures are typed as Prometheus types them.

import { Engine } from '../../promql/engine.js';
import type { Expr } from '../../promql/parser/ast.js';
import { documentedType } from '../../promql/parser/ast.js';
import { exprType, parseExpr } from '../../promql/parser/parse.js';
import type { Queryable } from '../../promql/queryable.js';
import { classifyError } from '../api/errors.js';
import type { ErrorType } from '../api/json.js';
import { queryDataJson } from '../api/json.js';
import { invalidParam } from '../api/params.js';
import type { EvalJob } from './protocol.js';

export interface JobAnswer {
  /** The response's `data`, already JSON. */
  readonly data: string;
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
}

/** Parses (unless `expr` is given) and evaluates `job`; throws what the engine or the stores threw. */
export async function evaluateJob(job: EvalJob, q: Queryable, expr?: Expr, signal?: AbortSignal): Promise<JobAnswer> {
  if (expr === undefined) {
    try {
      expr = parseExpr(job.query);
    } catch (err) {
      throw invalidParam('query', err);
    }
  }
  const engine = new Engine(job.engine);
  let r;
  if (job.step === 0) r = await engine.instantQuery(q, expr, job.start, signal);
  else {
    const t = exprType(expr);
    if (t !== 'vector' && t !== 'scalar') {
      throw invalidParam('query', new Error(`invalid expression type ${JSON.stringify(documentedType(t))} for range query, must be Scalar or instant Vector`));
    }
    r = await engine.rangeQuery(q, expr, job.start, job.end, job.step, signal);
  }
  return { data: queryDataJson(r.value), warnings: r.warnings, infos: r.infos };
}

/** Whether evaluation ran out of stack (a query nested deeper than the thread's stack allows). */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/.test(err.message);
}

/** The API error type and message of a failed evaluation. */
export function classifyEvalError(err: unknown): { type: ErrorType; message: string } {
  // Even a large stack has an end: a query nested beyond it is refused as bad input.
  if (isStackOverflow(err)) {
    return { type: 'bad_data', message: 'invalid parameter "query": the query is nested too deeply to evaluate' };
  }
  return classifyError(err);
}
