// Evaluation of duration expressions: folded at parse time when constant, resolved per query by the engine when
// they use the experimental step()/range() (Prometheus 3 duration expressions).

import type { DurationExpr, Expr } from './ast.js';
import { walk } from './ast.js';

/** The value in seconds, with step/range given; undefined when it needs them and they are not. */
export function durationSeconds(d: DurationExpr, stepS?: number, rangeS?: number): number | undefined {
  switch (d.kind) {
    case 'num': return d.s;
    case 'step': return stepS;
    case 'range': return rangeS;
    case 'neg': {
      const a = durationSeconds(d.a, stepS, rangeS);
      return a === undefined ? undefined : -a;
    }
    case 'min': case 'max': case 'bin': {
      const a = durationSeconds(d.a, stepS, rangeS);
      const b = durationSeconds(d.b, stepS, rangeS);
      if (a === undefined || b === undefined) return undefined;
      if (d.kind !== 'bin') return d.kind === 'min' ? Math.min(a, b) : Math.max(a, b);
      return binary(d.op, a, b);
    }
  }
}

function binary(op: '+' | '-' | '*' | '/' | '%' | '^', a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '%': return a % b;
    case '^': return Math.pow(a, b);
  }
}

export function constantDuration(d: DurationExpr): number | undefined {
  return durationSeconds(d);
}

/**
 * Fills in every query-dependent duration of `e` for a query with this step and range (ms). A query without any is
 * returned as it is, found without recursion (deep queries are valid PromQL; only queries using step()/range() are
 * rebuilt, recursively).
 */
export function resolveDurations(e: Expr, stepMs: number, rangeMs: number): Expr {
  let dependent = false;
  walk(e, (n) => {
    if ((n.type === 'VectorSelector' && n.offsetExpr) || (n.type === 'MatrixSelector' && (n.rangeExpr || n.vs.offsetExpr)) ||
      (n.type === 'SubqueryExpr' && (n.rangeExpr || n.stepExpr || n.offsetExpr))) dependent = true;
  });
  return dependent ? resolveAll(e, stepMs, rangeMs) : e;
}

function resolveAll(e: Expr, stepMs: number, rangeMs: number): Expr {
  const ms = (d: DurationExpr): number => Math.round((durationSeconds(d, stepMs / 1000, rangeMs / 1000) ?? 0) * 1000);
  const r = (x: Expr): Expr => resolveAll(x, stepMs, rangeMs);
  switch (e.type) {
    case 'VectorSelector': return e.offsetExpr ? { ...e, offsetMs: ms(e.offsetExpr) } : e;
    case 'MatrixSelector': {
      const vs = e.vs.offsetExpr ? { ...e.vs, offsetMs: ms(e.vs.offsetExpr) } : e.vs;
      return { ...e, vs, rangeMs: e.rangeExpr ? ms(e.rangeExpr) : e.rangeMs };
    }
    case 'SubqueryExpr': return {
      ...e, expr: r(e.expr),
      rangeMs: e.rangeExpr ? ms(e.rangeExpr) : e.rangeMs,
      stepMs: e.stepExpr ? ms(e.stepExpr) : e.stepMs,
      offsetMs: e.offsetExpr ? ms(e.offsetExpr) : e.offsetMs,
    };
    case 'ParenExpr': case 'UnaryExpr': case 'StepInvariantExpr': return { ...e, expr: r(e.expr) };
    case 'BinaryExpr': return { ...e, lhs: r(e.lhs), rhs: r(e.rhs) };
    case 'AggregateExpr': return { ...e, expr: r(e.expr), param: e.param ? r(e.param) : undefined };
    case 'Call': return { ...e, args: e.args.map(r) };
    case 'NumberLiteral': case 'StringLiteral': return e;
  }
}
