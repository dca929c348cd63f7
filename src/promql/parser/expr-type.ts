// The value type of an expression (Prometheus's Expr.Type()), used by type checks and the engine.

import type { Expr, ValueType } from './ast.js';
import { FUNCTIONS } from './functions.js';

/** The value type an expression evaluates to. */
export function exprType(e: Expr): ValueType {
  switch (e.type) {
    case 'VectorSelector': case 'AggregateExpr': return 'vector';
    case 'MatrixSelector': case 'SubqueryExpr': return 'matrix';
    case 'NumberLiteral': return 'scalar';
    case 'StringLiteral': return 'string';
    case 'ParenExpr': case 'UnaryExpr': case 'StepInvariantExpr': return exprType(e.expr);
    case 'BinaryExpr': return exprType(e.lhs) === 'scalar' && exprType(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'Call': return FUNCTIONS.get(e.func)?.returnType ?? 'vector';
  }
}
