// The `@` replays Prometheus's test runner derives from every instant eval: pin each selector and subquery that has
// no `@` to the eval time (selectors inside a subquery are left alone) and evaluate at other times.

import type { Expr } from '../parser/ast.js';
import { walk } from '../parser/ast.js';
import { AT_MODIFIER_UNSAFE_FUNCTIONS } from '../parser/functions.js';

export function isAtModifierUnsafe(e: Expr): boolean {
  let unsafe = false;
  walk(e, (n) => { if (n.type === 'Call' && AT_MODIFIER_UNSAFE_FUNCTIONS.has(n.func)) unsafe = true; });
  return unsafe;
}

export function pinAt(e: Expr, ms: number): Expr {
  const at = { kind: 'time', ms } as const;
  switch (e.type) {
    case 'VectorSelector': return e.at ? e : { ...e, at };
    case 'MatrixSelector': return e.vs.at ? e : { ...e, vs: { ...e.vs, at } };
    case 'SubqueryExpr': return e.at ? e : { ...e, at };
    case 'ParenExpr': case 'StepInvariantExpr': return { ...e, expr: pinAt(e.expr, ms) };
    case 'UnaryExpr': return { ...e, expr: pinAt(e.expr, ms) };
    case 'BinaryExpr': return { ...e, lhs: pinAt(e.lhs, ms), rhs: pinAt(e.rhs, ms) };
    case 'AggregateExpr': return { ...e, expr: pinAt(e.expr, ms), param: e.param ? pinAt(e.param, ms) : undefined };
    case 'Call': return { ...e, args: e.args.map((a) => pinAt(a, ms)) };
    case 'NumberLiteral': case 'StringLiteral': return e;
  }
}

/** The extra evaluation times of the replays (Go integer division for T/5). */
export function replayTimes(t: number): number[] {
  return t === 0 ? [-1000, 0, 1000] : [-10 * t, 0, Math.trunc(t / 5), t, 10 * t];
}
