// The typed PromQL syntax tree the engine evaluates; mirrors Prometheus's promql/parser/ast.go. Every node carries
// its position range (0-based offsets into the query) so type errors can be reported where Prometheus reports them.

import type { Matcher } from '../../tsdb/labels/matcher.js';

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** The names Prometheus uses for value types in error messages. */
export function documentedType(t: ValueType): string {
  switch (t) {
    case 'scalar': return 'scalar';
    case 'vector': return 'instant vector';
    case 'matrix': return 'range vector';
    case 'string': return 'string';
  }
}

export interface PosRange {
  readonly start: number;
  readonly end: number;
}

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '^' | 'atan2'
  | '==' | '!=' | '>' | '<' | '>=' | '<='
  | 'and' | 'or' | 'unless';

export type AggregateOp =
  | 'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'stddev' | 'stdvar'
  | 'topk' | 'bottomk' | 'quantile' | 'count_values' | 'limitk' | 'limit_ratio';

/** `@ <t>`, `@ start()`, `@ end()`; `atTime` is ms. */
export type AtModifier =
  | { readonly kind: 'time'; readonly ms: number }
  | { readonly kind: 'start' }
  | { readonly kind: 'end' };

/**
 * A duration that depends on the query (experimental `step()`/`range()`, `min_of`/`max_of`), in seconds; resolved
 * by the engine before evaluation. Constant duration arithmetic is folded by the parser.
 */
export type DurationExpr =
  | { readonly kind: 'num'; readonly s: number }
  | { readonly kind: 'step' }
  | { readonly kind: 'range' }
  | { readonly kind: 'neg'; readonly a: DurationExpr }
  | { readonly kind: 'bin'; readonly op: '+' | '-' | '*' | '/' | '%' | '^'; readonly a: DurationExpr; readonly b: DurationExpr }
  | { readonly kind: 'min' | 'max'; readonly a: DurationExpr; readonly b: DurationExpr };

export interface VectorSelector {
  readonly type: 'VectorSelector';
  readonly name: string;
  readonly matchers: readonly Matcher[];
  /** ms; positive looks back. */
  readonly offsetMs: number;
  /** Set when the offset depends on the query; offsetMs is then filled in by the engine. */
  readonly offsetExpr?: DurationExpr;
  readonly at: AtModifier | undefined;
  readonly pos: PosRange;
}

export interface MatrixSelector {
  readonly type: 'MatrixSelector';
  readonly vs: VectorSelector;
  readonly rangeMs: number;
  readonly rangeExpr?: DurationExpr;
  readonly pos: PosRange;
}

export interface SubqueryExpr {
  readonly type: 'SubqueryExpr';
  readonly expr: Expr;
  readonly rangeMs: number;
  /** 0 = the engine's default resolution. */
  readonly stepMs: number;
  readonly offsetMs: number;
  readonly rangeExpr?: DurationExpr;
  readonly stepExpr?: DurationExpr;
  readonly offsetExpr?: DurationExpr;
  readonly at: AtModifier | undefined;
  readonly pos: PosRange;
}

export interface NumberLiteral {
  readonly type: 'NumberLiteral';
  readonly value: number;
  readonly pos: PosRange;
}

export interface StringLiteral {
  readonly type: 'StringLiteral';
  readonly value: string;
  readonly pos: PosRange;
}

export interface ParenExpr {
  readonly type: 'ParenExpr';
  readonly expr: Expr;
  readonly pos: PosRange;
}

export interface UnaryExpr {
  readonly type: 'UnaryExpr';
  readonly op: '-' | '+';
  readonly expr: Expr;
  readonly pos: PosRange;
}

export interface VectorMatching {
  readonly card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  readonly on: boolean;
  readonly labels: readonly string[];
  /** group_left/group_right extra labels. */
  readonly include: readonly string[];
}

export interface BinaryExpr {
  readonly type: 'BinaryExpr';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  readonly bool: boolean;
  /** Set when both sides are vectors. */
  readonly matching: VectorMatching | undefined;
  readonly pos: PosRange;
}

export interface AggregateExpr {
  readonly type: 'AggregateExpr';
  readonly op: AggregateOp;
  readonly expr: Expr;
  readonly param: Expr | undefined;
  readonly grouping: readonly string[];
  readonly without: boolean;
  readonly pos: PosRange;
}

export interface Call {
  readonly type: 'Call';
  readonly func: string;
  readonly args: readonly Expr[];
  readonly pos: PosRange;
}

/** Wraps a subtree whose value does not change between steps (under `@`), evaluated once per query. */
export interface StepInvariantExpr {
  readonly type: 'StepInvariantExpr';
  readonly expr: Expr;
  readonly pos: PosRange;
}

export type Expr =
  | VectorSelector | MatrixSelector | SubqueryExpr | NumberLiteral | StringLiteral | ParenExpr | UnaryExpr
  | BinaryExpr | AggregateExpr | Call | StepInvariantExpr;

export function isComparisonOp(op: BinaryOp): boolean {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

export function isSetOp(op: BinaryOp): boolean {
  return op === 'and' || op === 'or' || op === 'unless';
}

/** Unwraps parentheses and step-invariant markers. */
export function unwrap(e: Expr): Expr {
  while (e.type === 'ParenExpr' || e.type === 'StepInvariantExpr') e = e.expr;
  return e;
}

/** Calls `fn` on every node, parents first, left to right; iterative, so any depth of nesting is fine. */
export function walk(root: Expr, fn: (e: Expr) => void): void {
  const pending: Expr[] = [root];
  while (pending.length > 0) {
    const e = pending.pop()!;
    fn(e);
    // Children pushed last-first so the leftmost is visited next.
    switch (e.type) {
      case 'MatrixSelector': pending.push(e.vs); break;
      case 'SubqueryExpr': case 'ParenExpr': case 'UnaryExpr': case 'StepInvariantExpr': pending.push(e.expr); break;
      case 'BinaryExpr': pending.push(e.rhs, e.lhs); break;
      case 'AggregateExpr': pending.push(e.expr); if (e.param) pending.push(e.param); break;
      case 'Call': for (let i = e.args.length - 1; i >= 0; i--) pending.push(e.args[i]!); break;
      case 'VectorSelector': case 'NumberLiteral': case 'StringLiteral': break;
    }
  }
}
