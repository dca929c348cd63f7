// The value type of an expression (Prometheus's Expr.Type()), used by type checks and the engine.

import type { Expr, ValueType } from './ast.js';
import { FUNCTIONS } from './functions.js';

/**
 * The value type an expression evaluates to. Without recursion: a query may nest thousands of parentheses or chain
 * thousands of operators, as Prometheus allows.
 */
export function exprType(root: Expr): ValueType {
  const top = passThrough(root);
  if (top.type !== 'BinaryExpr') return leafType(top);
  // A binary expression is a scalar only when every operand under its operator tree is one.
  const pending: Expr[] = [top.lhs, top.rhs];
  while (pending.length > 0) {
    const e = passThrough(pending.pop()!);
    if (e.type === 'BinaryExpr') pending.push(e.lhs, e.rhs);
    else if (leafType(e) !== 'scalar') return 'vector';
  }
  return 'scalar';
}

/** Below parentheses, signs and `@` markers, which keep their operand's type. */
function passThrough(e: Expr): Operand {
  while (e.type === 'ParenExpr' || e.type === 'UnaryExpr' || e.type === 'StepInvariantExpr') e = e.expr;
  return e;
}

type Operand = Exclude<Expr, { type: 'ParenExpr' | 'UnaryExpr' | 'StepInvariantExpr' }>;

function leafType(e: Operand): ValueType {
  switch (e.type) {
    case 'VectorSelector': case 'AggregateExpr': return 'vector';
    case 'MatrixSelector': case 'SubqueryExpr': return 'matrix';
    case 'NumberLiteral': return 'scalar';
    case 'StringLiteral': return 'string';
    case 'BinaryExpr': return exprType(e);
    case 'Call': return FUNCTIONS.get(e.func)?.returnType ?? 'vector';
  }
}
