// PromQL text → typed AST. The syntax comes from @prometheus-io/lezer-promql (the grammar Prometheus's UI uses); this
// file converts its tree and runs the type checks of Prometheus's parser (checkAST), with its error texts and positions.

import { parser as lezer } from '@prometheus-io/lezer-promql';
import type { SyntaxNode, Tree } from '@lezer/common';
import { Matcher, type MatchType } from '../../tsdb/labels/matcher.js';
import { METRIC_NAME } from '../../tsdb/labels/labels.js';
import type {
  AggregateOp, AtModifier, BinaryOp, DurationExpr, Expr, PosRange, ValueType, VectorMatching, VectorSelector,
} from './ast.js';
import { constantDuration } from './durations.js';
import { documentedType } from './ast.js';
import { FUNCTIONS } from './functions.js';
import { normalizeForLezer, parseNumberToken, unquoteString } from './lexer-utils.js';
import { PromQLParseError } from './parse-error.js';
import { exprType } from './expr-type.js';
import { checkCallArgs } from './check-call.js';

export { PromQLParseError } from './parse-error.js';
export { exprType } from './expr-type.js';
import { describeSyntaxError, lexerError } from './syntax-errors.js';
import { formatGoFixed } from '../../runtime/go-float.js';

const AGG_OPS: ReadonlySet<string> = new Set(['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'topk',
  'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio']);
const PARAM_AGGS: ReadonlySet<string> = new Set(['topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio']);
const BIN_OPS: Readonly<Record<string, BinaryOp>> = {
  Pow: '^', Mul: '*', Div: '/', Mod: '%', Atan2: 'atan2', Add: '+', Sub: '-', Eql: '==', Neq: '!=', Gtr: '>',
  Lss: '<', Gte: '>=', Lte: '<=', And: 'and', Or: 'or', Unless: 'unless',
};

/**
 * The grammar without error recovery: it stops at the first error. Lezer's recovery runs over the whole rest of the
 * input and can take seconds on long garbage (fuzzing found 16 KB of quote characters taking over a second).
 */
const strictLezer = lezer.configure({ strict: true });
/** After a strict failure, recovery (which finds the error node the messages are built from) sees this much more. */
const RECOVERY_WINDOW = 512;

function parseTree(text: string): Tree {
  let failedAt: number;
  try {
    return strictLezer.parse(text);
  } catch (err) {
    const m = err instanceof SyntaxError ? /^No parse at (\d+)$/.exec(err.message) : null;
    if (!m) throw err;
    failedAt = Number(m[1]);
  }
  // The tree up to the failure is the same whatever follows, so recovering over a window past it finds the same
  // first error; when it does not land well inside the window, the whole text is parsed as before.
  if (failedAt + RECOVERY_WINDOW < text.length) {
    const t = lezer.parse(text.slice(0, failedAt + RECOVERY_WINDOW));
    const e = firstError(t.topNode);
    if (e !== undefined && e < failedAt + RECOVERY_WINDOW / 2) return t;
  }
  return lezer.parse(text);
}

/** Parses and type-checks a query; throws PromQLParseError. */
export function parseExpr(query: string): Expr {
  const tree = parseTree(normalizeForLezer(query));
  const err = firstError(tree.topNode);
  if (err !== undefined) {
    const d = describeSyntaxError(query, err);
    throw new PromQLParseError(query, d.position, d.message);
  }
  const top = tree.topNode.firstChild;
  if (!top) throw new PromQLParseError(query, 0, 'no expression found in input');
  const c = new Converter(query);
  const e = c.expr(top);
  const t = exprType(e);
  if (t !== 'vector' && t !== 'scalar' && t !== 'matrix' && t !== 'string') {
    throw new PromQLParseError(query, 0, `invalid expression type "${documentedType(t)}" for range query, must be Scalar or instant Vector`);
  }
  return e;
}

function firstError(n: SyntaxNode): number | undefined {
  if (n.type.isError) return n.from;
  for (let c = n.firstChild; c; c = c.nextSibling) {
    const e = firstError(c);
    if (e !== undefined) return e;
  }
  return undefined;
}

function children(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

class Converter {
  constructor(private readonly q: string) {}

  private text(n: SyntaxNode): string {
    return this.q.slice(n.from, n.to);
  }

  private fail(pos: number, msg: string): never {
    throw new PromQLParseError(this.q, pos, msg);
  }

  private pos(n: SyntaxNode): PosRange {
    return { start: n.from, end: n.to };
  }

  expr(n: SyntaxNode): Expr {
    const k = children(n);
    switch (n.name) {
      case 'NumberDurationLiteral': return { type: 'NumberLiteral', value: this.number(n), pos: this.pos(n) };
      case 'StringLiteral': return { type: 'StringLiteral', value: this.string(n), pos: this.pos(n) };
      case 'ParenExpr': return { type: 'ParenExpr', expr: this.expr(k[0]!), pos: this.pos(n) };
      case 'VectorSelector': return this.vectorSelector(n, k);
      case 'MatrixSelector': return this.matrixSelector(n, k);
      case 'SubqueryExpr': {
        if (k[0]!.name === 'UnaryExpr' || k[0]!.name === 'BinaryExpr') return this.misplacedRange(k[0]!);
        const inner = this.expr(k[0]!);
        const t = exprType(inner);
        if (t !== 'vector') this.fail(n.from, `subquery is only allowed on instant vector, got ${t} instead`);
        const durs = k.filter((c) => c.name === 'DurationExpr');
        const range = this.duration(durs[0]!);
        const step = durs[1] ? this.duration(durs[1]) : { ms: 0 };
        return {
          type: 'SubqueryExpr', expr: inner, rangeMs: range.ms, stepMs: step.ms, offsetMs: 0, at: undefined, pos: this.pos(n),
          ...(range.expr ? { rangeExpr: range.expr } : {}), ...(step.expr ? { stepExpr: step.expr } : {}),
        };
      }
      case 'UnaryExpr': {
        const op = this.text(k[0]!).trim() === '-' ? '-' : '+';
        const inner = this.expr(k[1]!);
        const t = exprType(inner);
        if (t !== 'scalar' && t !== 'vector') {
          this.fail(n.from, `unary expression only allowed on expressions of type scalar or instant vector, got "${documentedType(t)}"`);
        }
        if (inner.type === 'NumberLiteral') {
          return { type: 'NumberLiteral', value: op === '-' ? -inner.value : inner.value, pos: this.pos(n) };
        }
        return { type: 'UnaryExpr', op, expr: inner, pos: this.pos(n) };
      }
      case 'BinaryExpr': return this.binary(n, k);
      case 'AggregateExpr': return this.aggregate(n, k);
      case 'FunctionCall': return this.call(n, k);
      case 'OffsetExpr': {
        const off = this.offsetDuration(k[2]!);
        return this.pushDown(this.expr(k[0]!), (x) => this.withOffset(x, off));
      }
      case 'StepInvariantExpr': {
        const at = this.atModifier(k[2]!);
        return this.pushDown(this.expr(k[0]!), (x) => this.withAt(x, at));
      }
      case 'AnchoredExpr': case 'SmoothedExpr':
        this.fail(n.from, 'anchored and smoothed range selectors are experimental and not supported');
      // eslint-disable-next-line no-fallthrough
      default:
        this.fail(n.from, `unexpected ${n.name}`);
    }
  }

  private number(n: SyntaxNode): number {
    let s = this.text(n).replace(/\s+/g, '');
    let sign = 1;
    if (s[0] === '-' || s[0] === '+') {
      if (s[0] === '-') sign = -1;
      s = s.slice(1);
    }
    const v = parseNumberToken(s);
    if (v === undefined) this.fail(n.from, `bad number or duration syntax: "${s}"`);
    return sign * v;
  }

  private string(n: SyntaxNode): string {
    try {
      return unquoteString(this.text(n));
    } catch (e) {
      // Prometheus's lexer rejects bad escapes with its own texts.
      const lexErr = lexerError(this.q);
      if (lexErr) return this.fail(lexErr.position, lexErr.message);
      return this.fail(n.from, e instanceof Error ? e.message : 'invalid string');
    }
  }

  /** A duration in `[…]` or after `offset`, in ms, or the query-dependent expression the engine resolves. */
  private duration(n: SyntaxNode): { ms: number; expr?: DurationExpr } {
    const t = this.durationTree(n);
    const v = constantDuration(t);
    return v === undefined ? { ms: 0, expr: t } : { ms: Math.round(v * 1000) };
  }

  private offsetDuration(n: SyntaxNode): { ms: number; expr?: DurationExpr } {
    return this.duration(n);
  }

  /** Duration expressions (default since Prometheus 3.14): + - * / % ^, signs, parentheses, step(), range(), min_of, max_of. */
  private durationTree(n: SyntaxNode): DurationExpr {
    const k = children(n);
    if (n.name === 'NumberDurationLiteralInDurationContext') {
      const v = parseNumberToken(this.text(n));
      if (v === undefined || !Number.isFinite(v)) this.fail(n.from, `bad number or duration syntax: "${this.text(n)}"`);
      return { kind: 'num', s: v };
    }
    if (k.length === 1 && k[0]!.name !== 'DurationStep' && k[0]!.name !== 'DurationRange') return this.durationTree(k[0]!);
    if (k.length === 2 && k[0]!.name === 'UnaryOp') {
      const a = this.durationTree(k[1]!);
      return this.text(k[0]!).trim() === '-' ? { kind: 'neg', a } : a;
    }
    const head = k[0]?.name;
    if (head === 'DurationStep') return { kind: 'step' };
    if (head === 'DurationRange') return { kind: 'range' };
    if (head === 'DurationMinOf' || head === 'DurationMaxOf') {
      const args = k.filter((c) => c.name === 'DurationExpr');
      return { kind: head === 'DurationMinOf' ? 'min' : 'max', a: this.durationTree(args[0]!), b: this.durationTree(args[1]!) };
    }
    if (k.length === 3) {
      const ops: Readonly<Record<string, '+' | '-' | '*' | '/' | '%' | '^'>> = { Add: '+', Sub: '-', Mul: '*', Div: '/', Mod: '%', Pow: '^' };
      const op = ops[k[1]!.name];
      if (op) {
        const a = this.durationTree(k[0]!);
        const b = this.durationTree(k[2]!);
        if ((op === '/' || op === '%') && constantDuration(b) === 0) this.fail(n.from, op === '/' ? 'division by zero' : 'modulo by zero');
        return { kind: 'bin', op, a, b };
      }
    }
    return this.fail(n.from, `unexpected ${n.name} in duration expression`);
  }

  private atModifier(n: SyntaxNode): AtModifier {
    if (n.name === 'AtModifierPreprocessors') {
      return this.text(n).trim() === 'start' ? { kind: 'start' } : { kind: 'end' };
    }
    const v = this.number(n);
    if (!Number.isFinite(v) || v >= 9.223372036854776e18 || v <= -9.223372036854776e18) {
      this.fail(n.from, `timestamp out of bounds for @ modifier: ${formatGoFixed(v)}`);
    }
    return { kind: 'time', ms: Math.round(v * 1000) };
  }

  /**
   * lezer's grammar gives `offset`/`@` no precedence, so `a + b offset 5m` can come out as `(a + b) offset 5m`.
   * In Prometheus the modifier binds to the closest operand: move it down to the rightmost one.
   */
  private pushDown(e: Expr, apply: (x: Expr) => Expr): Expr {
    if (e.type === 'BinaryExpr') return { ...e, rhs: this.pushDown(e.rhs, apply) };
    if (e.type === 'UnaryExpr') return { ...e, expr: this.pushDown(e.expr, apply) };
    return apply(e);
  }

  private withOffset(e: Expr, off: { ms: number; expr?: DurationExpr }): Expr {
    const offsetMs = off.ms;
    const extra = off.expr ? { offsetExpr: off.expr } : {};
    switch (e.type) {
      case 'VectorSelector':
        if (e.offsetMs !== 0 || e.offsetExpr) this.fail(e.pos.start, 'offset may not be set multiple times');
        return { ...e, offsetMs, ...extra };
      case 'MatrixSelector':
        if (e.vs.offsetMs !== 0 || e.vs.offsetExpr) this.fail(e.pos.start, 'offset may not be set multiple times');
        return { ...e, vs: { ...e.vs, offsetMs, ...extra } };
      case 'SubqueryExpr':
        if (e.offsetMs !== 0 || e.offsetExpr) this.fail(e.pos.start, 'offset may not be set multiple times');
        return { ...e, offsetMs, ...extra };
      case 'NumberLiteral': case 'StringLiteral': case 'ParenExpr': case 'UnaryExpr': case 'BinaryExpr':
      case 'AggregateExpr': case 'Call': case 'StepInvariantExpr':
        return this.fail(e.pos.start, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
    }
  }

  private withAt(e: Expr, at: AtModifier): Expr {
    switch (e.type) {
      case 'VectorSelector':
        if (e.at) this.fail(e.pos.start, '@ <timestamp> may not be set multiple times');
        return { ...e, at };
      case 'MatrixSelector':
        if (e.vs.at) this.fail(e.pos.start, '@ <timestamp> may not be set multiple times');
        return { ...e, vs: { ...e.vs, at } };
      case 'SubqueryExpr':
        if (e.at) this.fail(e.pos.start, '@ <timestamp> may not be set multiple times');
        return { ...e, at };
      case 'NumberLiteral': case 'StringLiteral': case 'ParenExpr': case 'UnaryExpr': case 'BinaryExpr':
      case 'AggregateExpr': case 'Call': case 'StepInvariantExpr':
        return this.fail(e.pos.start, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
    }
  }

  private vectorSelector(n: SyntaxNode, k: SyntaxNode[]): VectorSelector {
    let name = '';
    const matchers: Matcher[] = [];
    for (const c of k) {
      if (c.name === 'Identifier') name = this.text(c);
      else if (c.name === 'LabelMatchers') {
        for (const m of children(c)) {
          if (m.name === 'QuotedLabelName') {
            const v = this.string(m.firstChild!);
            if (name !== '') this.fail(n.from, `metric name must not be set twice: "${name}" or "${v}"`);
            name = v;
          } else if (m.name === 'UnquotedLabelMatcher' || m.name === 'QuotedLabelMatcher') {
            const mk = children(m);
            const lname = m.name === 'UnquotedLabelMatcher' ? this.text(mk[0]!) : this.string(mk[0]!.firstChild!);
            const op = this.text(mk[1]!) as MatchType;
            const value = this.string(mk[2]!);
            try {
              matchers.push(new Matcher(op, lname, value));
            } catch (e) {
              this.fail(mk[2]!.from, `invalid regular expression in matcher: ${e instanceof Error ? e.message : String(e)}`);
            }
          }
        }
      }
    }
    if (name !== '') {
      if (matchers.some((m) => m.name === METRIC_NAME)) {
        const other = matchers.find((m) => m.name === METRIC_NAME)!;
        this.fail(n.from, `metric name must not be set twice: "${name}" or "${other.value}"`);
      }
      matchers.unshift(new Matcher('=', METRIC_NAME, name));
    } else {
      const nm = matchers.find((m) => m.name === METRIC_NAME && m.type === '=');
      if (nm) name = nm.value;
    }
    if (!matchers.some((m) => !m.matchesEmpty())) {
      this.fail(n.from, 'vector selector must contain at least one non-empty matcher');
    }
    return { type: 'VectorSelector', name, matchers, offsetMs: 0, at: undefined, pos: this.pos(n) };
  }

  /**
   * lezer reads `-x[5m]` as `(-x)[5m]` and `a + b[5m]` as `(a + b)[5m]`; in Prometheus the brackets bind to the
   * closest operand, which makes these unary/binary expressions over a range vector: report that error.
   */
  private misplacedRange(n: SyntaxNode): never {
    if (n.name === 'UnaryExpr') {
      this.fail(n.from, 'unary expression only allowed on expressions of type scalar or instant vector, got "range vector"');
    }
    const k = children(n);
    const rhs = k[k.length - 1]!;
    if (rhs.name === 'UnaryExpr' || rhs.name === 'BinaryExpr') this.misplacedRange(rhs);
    return this.fail(rhs.from, 'binary expression must contain only scalar and instant vector types');
  }

  private matrixSelector(n: SyntaxNode, k: SyntaxNode[]): Expr {
    if (k[0]!.name === 'UnaryExpr' || k[0]!.name === 'BinaryExpr') this.misplacedRange(k[0]!);
    const inner = this.expr(k[0]!);
    // Prometheus reports these at the `[…]` part.
    const bracket = this.q.indexOf('[', k[0]!.to);
    if (inner.type !== 'VectorSelector') this.fail(bracket, 'ranges only allowed for vector selectors');
    if (inner.offsetMs !== 0 || inner.offsetExpr) this.fail(bracket, 'no offset modifiers allowed before range');
    if (inner.at) this.fail(bracket, 'no @ modifiers allowed before range');
    const range = this.duration(k[1]!);
    if (!range.expr && range.ms <= 0) this.fail(k[1]!.from, `duration must be greater than 0`);
    return { type: 'MatrixSelector', vs: inner, rangeMs: range.ms, ...(range.expr ? { rangeExpr: range.expr } : {}), pos: this.pos(n) };
  }

  private binary(n: SyntaxNode, k: SyntaxNode[]): Expr {
    const opNode = k[1]!;
    const op = BIN_OPS[opNode.name];
    if (op === undefined) this.fail(opNode.from, `binary expression does not support operator "${this.text(opNode)}"`);
    // lezer folds a sign into a number literal; `-1 ^ 2` must still be `-(1 ^ 2)` as in Prometheus.
    const lhsNode = k[0]!;
    if (op === '^' && lhsNode.name === 'NumberDurationLiteral' && /^\s*[-+]/.test(this.text(lhsNode))) {
      const neg = this.text(lhsNode).trim()[0] === '-';
      const abs: Expr = { type: 'NumberLiteral', value: Math.abs(this.number(lhsNode)), pos: { start: lhsNode.from + 1, end: lhsNode.to } };
      const rest = this.binaryFrom(n, k, op, abs);
      return neg ? { type: 'UnaryExpr', op: '-', expr: rest, pos: this.pos(n) } : rest;
    }
    return this.binaryFrom(n, k, op, this.expr(lhsNode));
  }

  private binaryFrom(n: SyntaxNode, k: SyntaxNode[], op: BinaryOp, lhs: Expr): Expr {
    let bool = false;
    let matching: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };
    let hasModifier = false;
    let rhsNode: SyntaxNode | undefined;
    for (let i = 2; i < k.length; i++) {
      const c = k[i]!;
      if (c.name === 'BoolModifier') bool = true;
      else if (c.name === 'MatchingModifierClause') {
        hasModifier = true;
        matching = this.matchingClause(c);
      } else if (c.name === 'FillModifier') {
        this.fail(c.from, 'fill modifiers are experimental and not supported');
      } else rhsNode = c;
    }
    const rhs = this.expr(rhsNode!);
    const opPos = this.opPos(lhs.pos.end);
    const comparison = op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
    const setOp = op === 'and' || op === 'or' || op === 'unless';
    const lt = exprType(lhs);
    const rt = exprType(rhs);
    if (bool && !comparison) this.fail(opPos, 'bool modifier can only be used on comparison operators');
    if (comparison && !bool && lt === 'scalar' && rt === 'scalar') this.fail(opPos, 'comparisons between scalars must use BOOL modifier');
    if (setOp && matching.card === 'one-to-one') matching = { ...matching, card: 'many-to-many' };
    if (matching.on) {
      for (const l of matching.labels) {
        if (matching.include.includes(l)) this.fail(opPos, `label "${l}" must not occur in ON and GROUP clause at once`);
      }
    }
    if (lt !== 'scalar' && lt !== 'vector') this.fail(lhs.pos.start, 'binary expression must contain only scalar and instant vector types');
    if (rt !== 'scalar' && rt !== 'vector') this.fail(rhs.pos.start, 'binary expression must contain only scalar and instant vector types');
    let vm: VectorMatching | undefined = matching;
    if (lt !== 'vector' || rt !== 'vector') {
      if (hasModifier && matching.labels.length > 0) this.fail(n.from, 'vector matching only allowed between instant vectors');
      vm = undefined;
    } else if (setOp) {
      if (matching.card === 'one-to-many' || matching.card === 'many-to-one') this.fail(n.from, `no grouping allowed for "${op}" operation`);
    }
    if ((lt === 'scalar' || rt === 'scalar') && setOp) this.fail(n.from, `set operator "${op}" not allowed in binary scalar expression`);
    return { type: 'BinaryExpr', op, lhs, rhs, bool, matching: vm, pos: this.pos(n) };
  }

  private opPos(lhsEnd: number): number {
    let p = lhsEnd;
    while (p < this.q.length && /\s/.test(this.q[p]!)) p++;
    while (p < this.q.length && this.q[p] === ')') p++;
    while (p < this.q.length && /\s/.test(this.q[p]!)) p++;
    return p;
  }

  private matchingClause(n: SyntaxNode): VectorMatching {
    let on = false;
    let labels: string[] = [];
    let include: string[] = [];
    let card: VectorMatching['card'] = 'one-to-one';
    let seenGroup = false;
    for (const c of children(n)) {
      if (c.name === 'On') on = true;
      else if (c.name === 'GroupLeft') { card = 'many-to-one'; seenGroup = true; }
      else if (c.name === 'GroupRight') { card = 'one-to-many'; seenGroup = true; }
      else if (c.name === 'GroupingLabels') {
        if (seenGroup) include = this.groupingLabels(c);
        else labels = this.groupingLabels(c);
      }
    }
    return { card, on, labels, include };
  }

  private groupingLabels(n: SyntaxNode): string[] {
    const out: string[] = [];
    for (const c of children(n)) {
      if (c.name === 'LabelName') out.push(this.text(c));
      else if (c.name === 'QuotedLabelName') out.push(this.string(c.firstChild!));
    }
    return out;
  }

  private aggregate(n: SyntaxNode, k: SyntaxNode[]): Expr {
    const op = this.text(k[0]!).trim().toLowerCase();
    if (!AGG_OPS.has(op)) this.fail(n.from, `unknown aggregation operator "${op}"`);
    let grouping: string[] = [];
    let without = false;
    let body: SyntaxNode | undefined;
    for (const c of k.slice(1)) {
      if (c.name === 'AggregateModifier') {
        const mk = children(c);
        without = mk[0]!.name === 'Without';
        grouping = this.groupingLabels(mk[1]!);
      } else if (c.name === 'FunctionCallBody') body = c;
    }
    const args = children(body!).map((a) => this.expr(a));
    if (args.length === 0) this.fail(n.from, 'no arguments for aggregate expression provided');
    const wantArgs = PARAM_AGGS.has(op) ? 2 : 1;
    if (args.length !== wantArgs) {
      this.fail(n.from, `wrong number of arguments for aggregate expression provided, expected ${wantArgs}, got ${args.length}`);
    }
    const expr = args[wantArgs - 1]!;
    const param = wantArgs === 2 ? args[0] : undefined;
    const t = exprType(expr);
    if (t !== 'vector') this.fail(expr.pos.start, `expected type instant vector in aggregation expression, got ${documentedType(t)}`);
    if (param) {
      const want: ValueType = op === 'count_values' ? 'string' : 'scalar';
      const pt = exprType(param);
      if (pt !== want) this.fail(param.pos.start, `expected type ${documentedType(want)} in aggregation parameter, got ${documentedType(pt)}`);
    }
    return { type: 'AggregateExpr', op: op as AggregateOp, expr, param, grouping, without, pos: this.pos(n) };
  }

  private call(n: SyntaxNode, k: SyntaxNode[]): Expr {
    const name = this.text(k[0]!).trim();
    const sig = FUNCTIONS.get(name);
    if (!sig) this.fail(n.from, `unknown function with name "${name}"`);
    const args = children(k[1]!).map((a) => this.expr(a));
    const problem = checkCallArgs(sig, args);
    if (problem) this.fail(problem.position < 0 ? n.from : problem.position, problem.message);
    return { type: 'Call', func: name, args, pos: this.pos(n) };
  }
}

