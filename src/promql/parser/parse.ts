// PromQL text → typed AST with the precedence and binding of Prometheus's yacc grammar and its type checks
// (checkAST), error texts and positions. An operator-precedence parser on explicit stacks: nesting depth and chains of
// operators cost linear time and no call stack, as in Prometheus, whose Go parser has no depth limit.
// Hand-written because @prometheus-io/lezer-promql (used before) caps its parse stack (no parse past 2,800 levels
// of nesting or 1,151 `+` terms) and its ambiguous sign rule made 4 KB unary chains take 30-60 ms warm, over 1 s
// cold, 5.8 s in fuzzing; here 1-7 ms, and a typical dashboard query 0.02 ms instead of 0.10 ms.

import { Matcher, type MatchType } from '../../tsdb/labels/matcher.js';
import { METRIC_NAME } from '../../tsdb/labels/labels.js';
import type {
  AggregateOp, AtModifier, BinaryOp, DurationExpr, Expr, ValueType, VectorMatching, VectorSelector,
} from './ast.js';
import { documentedType } from './ast.js';
import { durationSeconds } from './durations.js';
import { FUNCTIONS, type FunctionSignature } from './functions.js';
import { parseNumberToken, unquoteString } from './lexer-utils.js';
import { lex, LexError, type Token } from './lex.js';
import { PromQLParseError } from './parse-error.js';
import { exprType } from './expr-type.js';
import { checkCallArgs } from './check-call.js';
import { describeSyntaxError } from './syntax-errors.js';
import { formatGoFixed } from '../../runtime/go-float.js';

export { PromQLParseError } from './parse-error.js';
export { exprType } from './expr-type.js';

/** Parses and type-checks a query; throws PromQLParseError. */
export function parseExpr(query: string): Expr {
  return new Parser(query).parse();
}

/**
 * parseExpr, also returning the parser's work: one unit per token taken and per reduction. Tests bound it by a
 * multiple of the token count to show the parse is linear in the input.
 */
export function parseExprCountingWork(query: string): { readonly expr: Expr; readonly work: number; readonly tokens: number } {
  const p = new Parser(query);
  const expr = p.parse();
  return { expr, work: p.work, tokens: p.tokenCount };
}

/** Binding strength of binary operators, as the %left/%right lines of Prometheus's grammar. */
const PRECEDENCE: Readonly<Record<string, number>> = {
  'or': 1, 'and': 2, 'unless': 2, '==': 3, '!=': 3, '>': 3, '<': 3, '>=': 3, '<=': 3,
  '+': 4, '-': 4, '*': 5, '/': 5, '%': 5, 'atan2': 5, '^': 6, '</': 3, '>/': 3,
};
/** Operators the grammar takes but the engine does not evaluate (native-histogram trims). */
const UNSUPPORTED_OPS: ReadonlySet<string> = new Set(['</', '>/']);
/** Unary minus/plus bind as `*` (`unary_op expr %prec MUL`): `-a * b` is `(-a) * b`, `-a ^ b` is `-(a ^ b)`. */
const UNARY_PRECEDENCE = 5;
const DURATION_OPS: ReadonlySet<string> = new Set(['+', '-', '*', '/', '%', '^']);
const PARAM_AGGS: ReadonlySet<string> = new Set(['topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio']);
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A number or duration token the lexer took but that does not parse, with Prometheus's texts: model.ParseDuration's
 * for durations (units out of order or repeated, as `5m1h`), the parser's number() for numbers (`7_`).
 */
function badNumber(t: Token): string {
  return t.kind === 'duration' ? `not a valid duration string: "${t.text}"` : `error parsing number: strconv.ParseFloat: parsing "${t.text}": invalid syntax`;
}

/** A syntax error at a token offset; turned into Prometheus's message by describeSyntaxError. */
class SyntaxFailure {
  constructor(readonly pos: number) {}
}

type DurationOp = '+' | '-' | '*' | '/' | '%' | '^';

/** A duration expression as parsed, with its first problem kept for when the enclosing node is checked. */
interface ParsedDuration {
  readonly d: DurationExpr;
  /** The value when constant. */
  readonly seconds: number | undefined;
  readonly start: number;
  readonly problem: { readonly pos: number; readonly message: string } | undefined;
}

/** What waits on the operator stack of an expression: operators, and the open parenthesis, call or aggregation. */
type Pending =
  | { readonly k: 'unary'; readonly op: '-' | '+'; readonly pos: number }
  | {
    readonly k: 'bin'; readonly op: BinaryOp; readonly prec: number; readonly pos: number; readonly bool: boolean;
    readonly matching: VectorMatching; readonly hasModifier: boolean;
  }
  | { readonly k: 'paren'; readonly pos: number }
  | { readonly k: 'call'; readonly sig: FunctionSignature; readonly pos: number; readonly args: Expr[] }
  | {
    readonly k: 'agg'; readonly op: AggregateOp; readonly pos: number; readonly args: Expr[];
    grouping: string[] | undefined; without: boolean;
  };

interface DurationOperand {
  readonly d: DurationExpr;
  readonly seconds: number | undefined;
  readonly start: number;
}

type DurationPending =
  | { readonly k: 'unary'; readonly neg: boolean; readonly pos: number }
  | { readonly k: 'bin'; readonly op: DurationOp; readonly prec: number }
  | { readonly k: 'paren' }
  | { readonly k: 'minmax'; readonly kind: 'min' | 'max'; first: DurationOperand | undefined; readonly pos: number };

/**
 * Operator-precedence reduction shared by expressions and duration expressions: pops the operators on top of `ops`
 * that bind at least as tightly as an incoming one of precedence `prec` (stopping at a bracket), folding each with
 * its right operand; `fold` pops the left operand of a binary operator itself.
 */
function reduceOperators<V, O extends { readonly k: string }>(
  vals: V[], ops: O[], prec: number, rightAssoc: boolean, fold: (top: O & { k: 'unary' | 'bin' }, rhs: V, vals: V[]) => V,
): void {
  for (;;) {
    const top = ops[ops.length - 1];
    if (top === undefined || !isOperator(top)) return;
    const topPrec = top.k === 'unary' ? UNARY_PRECEDENCE : (top as O & { prec: number }).prec;
    if (topPrec < prec || (topPrec === prec && rightAssoc)) return;
    ops.pop();
    const rhs = vals.pop()!;
    vals.push(fold(top, rhs, vals));
  }
}

function isOperator<O extends { readonly k: string }>(o: O): o is O & { k: 'unary' | 'bin' } {
  return o.k === 'unary' || o.k === 'bin';
}

class Parser {
  private toks: Token[] = [];
  private i = 0;
  /** Tokens taken plus reductions done; see parseExprCountingWork. */
  work = 0;
  /** The first type error; reported only when the whole query is free of syntax errors, as before any checkAST. */
  private typeError: PromQLParseError | undefined;
  /** Value types of the nodes built so far, so checking a long operator chain does not re-walk it. */
  private readonly types = new Map<Expr, ValueType>();

  constructor(private readonly q: string) {}

  get tokenCount(): number {
    return this.toks.length;
  }

  parse(): Expr {
    try {
      this.toks = lex(this.q);
    } catch (e) {
      if (e instanceof LexError) throw new PromQLParseError(this.q, e.position, e.message);
      throw e;
    }
    let e: Expr;
    try {
      e = this.expression();
    } catch (f) {
      if (!(f instanceof SyntaxFailure)) throw f;
      const d = describeSyntaxError(this.q, f.pos);
      throw new PromQLParseError(this.q, d.position, d.message);
    }
    if (this.typeError) throw this.typeError;
    return e;
  }

  // ---- tokens ----

  private get tok(): Token {
    return this.toks[this.i]!;
  }

  private peek(n = 1): Token | undefined {
    return this.toks[this.i + n];
  }

  private take(): Token {
    this.work++;
    return this.toks[this.i++]!;
  }

  private is(t: Token | undefined, kind: Token['kind'], text?: string): boolean {
    return t !== undefined && t.kind === kind && (text === undefined || t.text.toLowerCase() === text);
  }

  private expect(kind: Token['kind'], text: string): Token {
    if (!this.is(this.tok, kind, text)) throw new SyntaxFailure(this.tok.pos);
    return this.take();
  }

  private end(t: Token): number {
    return t.pos + t.text.length;
  }

  // ---- type errors ----

  private fail(pos: number, msg: string): never {
    throw new PromQLParseError(this.q, pos, msg);
  }

  /**
   * Builds a node whose checks may fail. The first failure is kept and a stand-in node continues the parse, so that a
   * later syntax error still wins, as in Prometheus (type checks run on a syntactically valid tree only).
   */
  private checked(pos: number, build: () => Expr): Expr {
    this.work++;
    try {
      return build();
    } catch (e) {
      if (!(e instanceof PromQLParseError)) throw e;
      this.typeError ??= e;
      return this.typed({ type: 'NumberLiteral', value: 0, pos: { start: pos, end: pos } }, 'scalar');
    }
  }

  private typed<E extends Expr>(e: E, t: ValueType): E {
    this.types.set(e, t);
    return e;
  }

  private typeOf(e: Expr): ValueType {
    return this.types.get(e) ?? exprType(e);
  }

  // ---- expressions ----

  private expression(): Expr {
    const vals: Expr[] = [];
    const ops: Pending[] = [];
    let operand = true;
    if (this.tok.kind === 'eof') throw new SyntaxFailure(this.tok.pos);
    for (;;) {
      const t = this.tok;
      if (operand) {
        if (this.is(t, 'op', '-') || this.is(t, 'op', '+')) {
          this.take();
          ops.push({ k: 'unary', op: t.text === '-' ? '-' : '+', pos: t.pos });
          continue;
        }
        if (this.is(t, 'punct', '(')) {
          this.take();
          ops.push({ k: 'paren', pos: t.pos });
          continue;
        }
        if (this.is(t, 'punct', ')')) {
          // `f()`, `sum()`: a call or aggregation without arguments.
          const top = ops[ops.length - 1];
          if ((top?.k === 'call' || top?.k === 'agg') && top.args.length === 0 && this.is(this.peek(-1), 'punct', '(')) {
            this.take();
            ops.pop();
            vals.push(top.k === 'call' ? this.finishCall(top, t) : this.finishAggregate(top, t));
            operand = false;
            continue;
          }
          throw new SyntaxFailure(t.pos);
        }
        const frame = this.callStart();
        if (frame) {
          ops.push(frame);
          continue;
        }
        vals.push(this.operand());
        operand = false;
        continue;
      }
      // After an operand: postfix modifiers bind to it before any operator (`a + b[5m]`, `-a offset 1m`).
      if (this.is(t, 'punct', '[')) {
        vals.push(this.rangeOrSubquery(vals.pop()!));
        continue;
      }
      if (this.is(t, 'keyword', 'offset')) {
        vals.push(this.offset(vals.pop()!));
        continue;
      }
      if (this.is(t, 'op', '@')) {
        vals.push(this.at(vals.pop()!));
        continue;
      }
      if (this.is(t, 'ident', 'anchored') || this.is(t, 'ident', 'smoothed')) {
        this.take();
        const e = vals.pop()!;
        vals.push(this.checked(e.pos.start, () => this.fail(e.pos.start, 'anchored and smoothed range selectors are experimental and not supported')));
        continue;
      }
      const prec = t.kind === 'op' ? PRECEDENCE[t.text.toLowerCase()] : undefined;
      if (prec !== undefined) {
        const op = this.binaryOperator();
        this.reduce(vals, ops, prec, op.op === '^');
        ops.push(op);
        operand = true;
        continue;
      }
      if (this.is(t, 'punct', ')') || this.is(t, 'punct', ',')) {
        this.reduce(vals, ops, 0, false);
        const frame = ops[ops.length - 1];
        if (frame === undefined || (t.text === ',' && frame.k === 'paren')) throw new SyntaxFailure(t.pos);
        this.take();
        const e = vals.pop()!;
        if (frame.k === 'paren') {
          ops.pop();
          vals.push(this.typed({ type: 'ParenExpr', expr: e, pos: { start: frame.pos, end: this.end(t) } }, this.typeOf(e)));
          continue;
        }
        if (frame.k !== 'call' && frame.k !== 'agg') throw new SyntaxFailure(t.pos);
        frame.args.push(e);
        if (t.text === ',') {
          operand = true;
          continue;
        }
        ops.pop();
        vals.push(frame.k === 'call' ? this.finishCall(frame, t) : this.finishAggregate(frame, t));
        continue;
      }
      if (t.kind === 'eof') {
        this.reduce(vals, ops, 0, false);
        if (ops.length > 0) throw new SyntaxFailure(t.pos);
        return vals[0]!;
      }
      throw new SyntaxFailure(t.pos);
    }
  }

  /** Reduces the operators that bind at least as tightly as an incoming one of precedence `prec`. */
  private reduce(vals: Expr[], ops: Pending[], prec: number, rightAssoc: boolean): void {
    reduceOperators(vals, ops, prec, rightAssoc, this.foldOperator);
  }

  private readonly foldOperator = (top: Pending & { k: 'unary' | 'bin' }, rhs: Expr, vals: Expr[]): Expr =>
    top.k === 'unary' ? this.unary(top.op, top.pos, rhs) : this.binary(top, vals.pop()!, rhs);

  /** At a function name or aggregation operator that opens a call: checks it and returns the open frame. */
  private callStart(): Pending | undefined {
    const t = this.tok;
    const next = this.peek();
    if (t.kind === 'ident' && this.is(next, 'punct', '(')) {
      const sig = FUNCTIONS.get(t.text);
      // Unknown names fail at the parenthesis; the message names the function (syntax-errors.ts).
      if (!sig) throw new SyntaxFailure(next!.pos);
      this.take();
      this.take();
      return { k: 'call', sig, pos: t.pos, args: [] };
    }
    if (t.kind === 'aggr' && (this.is(next, 'punct', '(') || this.is(next, 'keyword', 'by') || this.is(next, 'keyword', 'without'))) {
      this.take();
      let grouping: string[] | undefined;
      let without = false;
      if (this.tok.kind === 'keyword') {
        without = this.take().text.toLowerCase() === 'without';
        grouping = this.groupingLabels();
      }
      this.expect('punct', '(');
      return { k: 'agg', op: t.text.toLowerCase() as AggregateOp, pos: t.pos, args: [], grouping, without };
    }
    return undefined;
  }

  /** A literal or a vector selector. */
  private operand(): Expr {
    const t = this.tok;
    if (t.kind === 'number' || t.kind === 'duration') {
      this.take();
      const pos = { start: t.pos, end: this.end(t) };
      return this.checked(t.pos, () => {
        const v = parseNumberToken(t.text);
        if (v === undefined) this.fail(t.pos, badNumber(t));
        return this.typed({ type: 'NumberLiteral', value: v, pos }, 'scalar');
      });
    }
    if (t.kind === 'string') {
      this.take();
      return this.checked(t.pos, () => this.typed({ type: 'StringLiteral', value: this.string(t), pos: { start: t.pos, end: this.end(t) } }, 'string'));
    }
    // Words the grammar also takes as metric names (contextual keywords), and `{…}` alone.
    const nameLike = t.kind === 'ident' || t.kind === 'aggr' || (t.kind === 'op' && /^[a-z]/i.test(t.text)) ||
      this.is(t, 'keyword', 'by') || this.is(t, 'keyword', 'without');
    if (nameLike || this.is(t, 'punct', '{')) return this.vectorSelector();
    throw new SyntaxFailure(t.pos);
  }

  private string(t: Token): string {
    try {
      return unquoteString(t.text);
    } catch (e) {
      return this.fail(t.pos, e instanceof Error ? e.message : 'invalid string');
    }
  }

  private vectorSelector(): Expr {
    const first = this.tok;
    let name = '';
    let endPos = first.pos;
    const items: ({ kind: 'name'; value: Token } | { kind: 'matcher'; label: Token; op: Token; value: Token })[] = [];
    if (!this.is(first, 'punct', '{')) {
      name = this.take().text;
      endPos = this.end(first);
    }
    if (this.is(this.tok, 'punct', '{')) {
      this.take();
      for (;;) {
        if (this.is(this.tok, 'punct', '}')) break;
        const label = this.tok;
        if (label.kind !== 'ident' && label.kind !== 'string') throw new SyntaxFailure(label.pos);
        this.take();
        const op = this.tok;
        const isOp = this.is(op, 'punct', '=') || (op.kind === 'op' && (op.text === '!=' || op.text === '=~' || op.text === '!~'));
        if (!isOp) {
          if (label.kind !== 'string') throw new SyntaxFailure(op.pos);
          items.push({ kind: 'name', value: label });
        } else {
          this.take();
          if (this.tok.kind !== 'string') throw new SyntaxFailure(this.tok.pos);
          items.push({ kind: 'matcher', label, op, value: this.take() });
        }
        if (this.is(this.tok, 'punct', ',')) {
          this.take();
          continue;
        }
        if (!this.is(this.tok, 'punct', '}')) throw new SyntaxFailure(this.tok.pos);
      }
      endPos = this.end(this.take());
    }
    const pos = { start: first.pos, end: endPos };
    return this.checked(first.pos, () => {
      const matchers: Matcher[] = [];
      for (const it of items) {
        if (it.kind === 'name') {
          const v = this.string(it.value);
          if (name !== '') this.fail(first.pos, `metric name must not be set twice: "${name}" or "${v}"`);
          name = v;
          continue;
        }
        const lname = it.label.kind === 'string' ? this.string(it.label) : it.label.text;
        const value = this.string(it.value);
        try {
          matchers.push(new Matcher(it.op.text as MatchType, lname, value));
        } catch (e) {
          this.fail(it.value.pos, `invalid regular expression in matcher: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (name !== '') {
        const other = matchers.find((m) => m.name === METRIC_NAME);
        if (other) this.fail(first.pos, `metric name must not be set twice: "${name}" or "${other.value}"`);
        matchers.unshift(new Matcher('=', METRIC_NAME, name));
      } else {
        const nm = matchers.find((m) => m.name === METRIC_NAME && m.type === '=');
        if (nm) name = nm.value;
      }
      if (!matchers.some((m) => !m.matchesEmpty())) this.fail(first.pos, 'vector selector must contain at least one non-empty matcher');
      const vs: VectorSelector = { type: 'VectorSelector', name, matchers, offsetMs: 0, at: undefined, pos };
      return this.typed(vs, 'vector');
    });
  }

  /** `(a, "b", c,)` after by/without/on/ignoring/group_left/group_right. */
  private groupingLabels(): string[] {
    this.expect('punct', '(');
    const out: string[] = [];
    while (!this.is(this.tok, 'punct', ')')) {
      const t = this.tok;
      if (t.kind === 'string') {
        this.take();
        out.push(this.stringOrRecord(t));
      } else if (t.kind !== 'punct' && t.kind !== 'eof' && LABEL_NAME.test(t.text)) {
        this.take();
        out.push(t.text);
      } else {
        throw new SyntaxFailure(t.pos);
      }
      if (this.is(this.tok, 'punct', ',')) this.take();
      else if (!this.is(this.tok, 'punct', ')')) throw new SyntaxFailure(this.tok.pos);
    }
    this.take();
    return out;
  }

  /** A string whose bad escapes are recorded as the type error, for places that build no node of their own. */
  private stringOrRecord(t: Token): string {
    let v = '';
    this.checked(t.pos, () => {
      v = this.string(t);
      return this.typed({ type: 'StringLiteral', value: v, pos: { start: t.pos, end: this.end(t) } }, 'string');
    });
    return v;
  }

  /** The operator token and its modifiers: `bool`, `on(…)`/`ignoring(…)`, `group_left(…)`/`group_right(…)`, fill. */
  private binaryOperator(): Pending & { k: 'bin' } {
    const t = this.take();
    const op = t.text.toLowerCase() as BinaryOp;
    let bool = false;
    let hasModifier = false;
    let matching: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };
    if (this.is(this.tok, 'keyword', 'bool')) {
      this.take();
      bool = true;
    }
    if (this.is(this.tok, 'keyword', 'on') || this.is(this.tok, 'keyword', 'ignoring')) {
      hasModifier = true;
      const on = this.take().text.toLowerCase() === 'on';
      const labels = this.groupingLabels();
      let card: VectorMatching['card'] = 'one-to-one';
      let include: string[] = [];
      if (this.is(this.tok, 'keyword', 'group_left') || this.is(this.tok, 'keyword', 'group_right')) {
        card = this.take().text.toLowerCase() === 'group_left' ? 'many-to-one' : 'one-to-many';
        if (this.is(this.tok, 'punct', '(')) include = this.groupingLabels();
      }
      matching = { card, on, labels, include };
    }
    while ((this.is(this.tok, 'ident', 'fill') || this.is(this.tok, 'ident', 'fill_left') || this.is(this.tok, 'ident', 'fill_right')) &&
      this.is(this.peek(), 'punct', '(')) {
      const fill = this.take();
      this.take();
      if (this.is(this.tok, 'op', '-') || this.is(this.tok, 'op', '+')) this.take();
      if (this.tok.kind !== 'number' && this.tok.kind !== 'duration') throw new SyntaxFailure(this.tok.pos);
      this.take();
      this.expect('punct', ')');
      this.checked(fill.pos, () => this.fail(fill.pos, 'fill modifiers are experimental and not supported'));
    }
    return { k: 'bin', op, prec: PRECEDENCE[op]!, pos: t.pos, bool, matching, hasModifier };
  }

  private unary(op: '-' | '+', pos: number, inner: Expr): Expr {
    return this.checked(pos, () => {
      const t = this.typeOf(inner);
      if (t !== 'scalar' && t !== 'vector') {
        this.fail(pos, `unary expression only allowed on expressions of type scalar or instant vector, got "${documentedType(t)}"`);
      }
      const range = { start: pos, end: inner.pos.end };
      if (inner.type === 'NumberLiteral') {
        return this.typed({ type: 'NumberLiteral', value: op === '-' ? -inner.value : inner.value, pos: range }, 'scalar');
      }
      return this.typed({ type: 'UnaryExpr', op, expr: inner, pos: range }, t);
    });
  }

  private binary(o: Pending & { k: 'bin' }, lhs: Expr, rhs: Expr): Expr {
    const start = lhs.pos.start;
    return this.checked(start, () => {
      const { op, bool, hasModifier } = o;
      if (UNSUPPORTED_OPS.has(op)) this.fail(o.pos, `binary expression does not support operator "${op}"`);
      let matching = o.matching;
      const comparison = op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
      const setOp = op === 'and' || op === 'or' || op === 'unless';
      const lt = this.typeOf(lhs);
      const rt = this.typeOf(rhs);
      if (bool && !comparison) this.fail(o.pos, 'bool modifier can only be used on comparison operators');
      if (comparison && !bool && lt === 'scalar' && rt === 'scalar') this.fail(o.pos, 'comparisons between scalars must use BOOL modifier');
      if (setOp && matching.card === 'one-to-one') matching = { ...matching, card: 'many-to-many' };
      if (matching.on) {
        for (const l of matching.labels) {
          if (matching.include.includes(l)) this.fail(o.pos, `label "${l}" must not occur in ON and GROUP clause at once`);
        }
      }
      if (lt !== 'scalar' && lt !== 'vector') this.fail(lhs.pos.start, 'binary expression must contain only scalar and instant vector types');
      if (rt !== 'scalar' && rt !== 'vector') this.fail(rhs.pos.start, 'binary expression must contain only scalar and instant vector types');
      let vm: VectorMatching | undefined = matching;
      if (lt !== 'vector' || rt !== 'vector') {
        if (hasModifier && matching.labels.length > 0) this.fail(start, 'vector matching only allowed between instant vectors');
        vm = undefined;
      } else if (setOp) {
        if (matching.card === 'one-to-many' || matching.card === 'many-to-one') this.fail(start, `no grouping allowed for "${op}" operation`);
      }
      if ((lt === 'scalar' || rt === 'scalar') && setOp) this.fail(start, `set operator "${op}" not allowed in binary scalar expression`);
      const t: ValueType = lt === 'scalar' && rt === 'scalar' ? 'scalar' : 'vector';
      return this.typed({ type: 'BinaryExpr', op, lhs, rhs, bool, matching: vm, pos: { start, end: rhs.pos.end } }, t);
    });
  }

  private finishCall(f: Pending & { k: 'call' }, close: Token): Expr {
    return this.checked(f.pos, () => {
      const problem = checkCallArgs(f.sig, f.args);
      if (problem) this.fail(problem.position < 0 ? f.pos : problem.position, problem.message);
      return this.typed({ type: 'Call', func: f.sig.name, args: f.args, pos: { start: f.pos, end: this.end(close) } }, f.sig.returnType);
    });
  }

  private finishAggregate(f: Pending & { k: 'agg' }, close: Token): Expr {
    let end = this.end(close);
    if (f.grouping === undefined && (this.is(this.tok, 'keyword', 'by') || this.is(this.tok, 'keyword', 'without'))) {
      f.without = this.take().text.toLowerCase() === 'without';
      f.grouping = this.groupingLabels();
      end = this.end(this.peek(-1)!);
    }
    const { op, args } = f;
    return this.checked(f.pos, () => {
      if (args.length === 0) this.fail(f.pos, 'no arguments for aggregate expression provided');
      const wantArgs = PARAM_AGGS.has(op) ? 2 : 1;
      if (args.length !== wantArgs) {
        this.fail(f.pos, `wrong number of arguments for aggregate expression provided, expected ${wantArgs}, got ${args.length}`);
      }
      const expr = args[wantArgs - 1]!;
      const param = wantArgs === 2 ? args[0] : undefined;
      const t = this.typeOf(expr);
      if (t !== 'vector') this.fail(expr.pos.start, `expected type instant vector in aggregation expression, got ${documentedType(t)}`);
      if (param) {
        const want: ValueType = op === 'count_values' ? 'string' : 'scalar';
        const pt = this.typeOf(param);
        if (pt !== want) this.fail(param.pos.start, `expected type ${documentedType(want)} in aggregation parameter, got ${documentedType(pt)}`);
      }
      return this.typed({
        type: 'AggregateExpr', op, expr, param, grouping: f.grouping ?? [], without: f.without, pos: { start: f.pos, end },
      }, 'vector');
    });
  }

  // ---- postfix modifiers ----

  private rangeOrSubquery(inner: Expr): Expr {
    const bracket = this.take();
    const range = this.duration(false);
    let step: ParsedDuration | undefined;
    let subquery = false;
    if (this.is(this.tok, 'punct', ':')) {
      this.take();
      subquery = true;
      if (!this.is(this.tok, 'punct', ']')) step = this.duration(false);
    }
    const close = this.expect('punct', ']');
    const pos = { start: inner.pos.start, end: this.end(close) };
    return this.checked(inner.pos.start, () => {
      if (subquery) {
        const t = this.typeOf(inner);
        if (t !== 'vector') this.fail(inner.pos.start, `subquery is only allowed on instant vector, got ${t} instead`);
        const r = this.durationValue(range);
        const s = step ? this.durationValue(step) : { ms: 0 };
        return this.typed({
          type: 'SubqueryExpr', expr: inner, rangeMs: r.ms, stepMs: s.ms, offsetMs: 0, at: undefined, pos,
          ...(r.expr ? { rangeExpr: r.expr } : {}), ...(s.expr ? { stepExpr: s.expr } : {}),
        }, 'matrix');
      }
      if (inner.type !== 'VectorSelector') this.fail(bracket.pos, 'ranges only allowed for vector selectors');
      if (inner.offsetMs !== 0 || inner.offsetExpr) this.fail(bracket.pos, 'no offset modifiers allowed before range');
      if (inner.at) this.fail(bracket.pos, 'no @ modifiers allowed before range');
      const r = this.durationValue(range);
      if (!r.expr && r.ms <= 0) this.fail(range.start, 'duration must be greater than 0');
      return this.typed({ type: 'MatrixSelector', vs: inner, rangeMs: r.ms, ...(r.expr ? { rangeExpr: r.expr } : {}), pos }, 'matrix');
    });
  }

  private offset(e: Expr): Expr {
    this.take();
    const off = this.duration(true);
    return this.checked(e.pos.start, () => {
      const { ms: offsetMs, expr } = this.durationValue(off);
      const extra = expr ? { offsetExpr: expr } : {};
      const twice = (): never => this.fail(e.pos.start, 'offset may not be set multiple times');
      switch (e.type) {
        case 'VectorSelector':
          if (e.offsetMs !== 0 || e.offsetExpr) twice();
          return this.typed({ ...e, offsetMs, ...extra }, 'vector');
        case 'MatrixSelector':
          if (e.vs.offsetMs !== 0 || e.vs.offsetExpr) twice();
          return this.typed({ ...e, vs: { ...e.vs, offsetMs, ...extra } }, 'matrix');
        case 'SubqueryExpr':
          if (e.offsetMs !== 0 || e.offsetExpr) twice();
          return this.typed({ ...e, offsetMs, ...extra }, 'matrix');
        default:
          return this.fail(e.pos.start, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
      }
    });
  }

  /** `@ <timestamp>`, `@ start()`, `@ end()`. */
  private at(e: Expr): Expr {
    this.take();
    const t = this.tok;
    let at: AtModifier | undefined;
    let numberAt = -1;
    let text = '';
    if ((this.is(t, 'ident', 'start') || this.is(t, 'ident', 'end')) && this.is(this.peek(), 'punct', '(')) {
      this.take();
      this.take();
      this.expect('punct', ')');
      at = { kind: t.text.toLowerCase() === 'start' ? 'start' : 'end' };
    } else {
      let sign = '';
      if (this.is(t, 'op', '-') || this.is(t, 'op', '+')) sign = this.take().text;
      const n = this.tok;
      if (n.kind !== 'number' && n.kind !== 'duration') throw new SyntaxFailure(n.pos);
      this.take();
      numberAt = t.pos;
      text = sign + n.text;
    }
    return this.checked(e.pos.start, () => {
      if (!at) {
        const abs = parseNumberToken(text.replace(/^[-+]/, ''));
        if (abs === undefined) this.fail(numberAt, `bad number or duration syntax: "${text.replace(/^[-+]/, '')}"`);
        const v = text[0] === '-' ? -abs : abs;
        if (!Number.isFinite(v) || v >= 9.223372036854776e18 || v <= -9.223372036854776e18) {
          this.fail(numberAt, `timestamp out of bounds for @ modifier: ${formatGoFixed(v)}`);
        }
        at = { kind: 'time', ms: Math.round(v * 1000) };
      }
      const mod = at;
      const twice = (): never => this.fail(e.pos.start, '@ <timestamp> may not be set multiple times');
      switch (e.type) {
        case 'VectorSelector':
          if (e.at) twice();
          return this.typed({ ...e, at: mod }, 'vector');
        case 'MatrixSelector':
          if (e.vs.at) twice();
          return this.typed({ ...e, vs: { ...e.vs, at: mod } }, 'matrix');
        case 'SubqueryExpr':
          if (e.at) twice();
          return this.typed({ ...e, at: mod }, 'matrix');
        default:
          return this.fail(e.pos.start, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
      }
    });
  }

  // ---- durations ----

  /** The value in ms of a parsed duration, or the query-dependent expression; raises its first problem. */
  private durationValue(p: ParsedDuration): { ms: number; expr?: DurationExpr } {
    if (p.problem) this.fail(p.problem.pos, p.problem.message);
    return p.seconds === undefined ? { ms: 0, expr: p.d } : { ms: Math.round(p.seconds * 1000) };
  }

  /**
   * A duration expression (Prometheus 3): numbers and durations, + - * / % ^, signs, parentheses, step(), range(),
   * min_of(a, b), max_of(a, b). After `offset` only signs and one primary (`foo offset 1m + 1m` is
   * `(foo offset 1m) + 1m`, as goyacc settles the grammar's conflict); inside brackets the whole arithmetic.
   */
  private duration(offset: boolean): ParsedDuration {
    const vals: DurationOperand[] = [];
    const ops: DurationPending[] = [];
    const start = this.tok.pos;
    const problem: { value: ParsedDuration['problem'] } = { value: undefined };
    let openFrames = 0;
    let operand = true;
    for (;;) {
      const t = this.tok;
      if (operand) {
        if (this.is(t, 'op', '-') || this.is(t, 'op', '+')) {
          this.take();
          ops.push({ k: 'unary', neg: t.text === '-', pos: t.pos });
          continue;
        }
        if (this.is(t, 'punct', '(')) {
          this.take();
          ops.push({ k: 'paren' });
          openFrames++;
          continue;
        }
        if (t.kind === 'number' || t.kind === 'duration') {
          this.take();
          const v = parseNumberToken(t.text);
          if (v === undefined || !Number.isFinite(v)) problem.value ??= { pos: t.pos, message: badNumber(t) };
          vals.push({ d: { kind: 'num', s: v ?? 0 }, seconds: v ?? 0, start: t.pos });
        } else if ((this.is(t, 'ident', 'step') || this.is(t, 'ident', 'range')) && this.is(this.peek(), 'punct', '(')) {
          this.take();
          this.take();
          this.expect('punct', ')');
          vals.push({ d: { kind: t.text.toLowerCase() === 'step' ? 'step' : 'range' }, seconds: undefined, start: t.pos });
        } else if ((this.is(t, 'ident', 'min_of') || this.is(t, 'ident', 'max_of')) && this.is(this.peek(), 'punct', '(')) {
          this.take();
          this.take();
          ops.push({ k: 'minmax', kind: t.text.toLowerCase() === 'min_of' ? 'min' : 'max', first: undefined, pos: t.pos });
          openFrames++;
          continue;
        } else {
          throw new SyntaxFailure(t.pos);
        }
        operand = false;
        if (offset && openFrames === 0) break;
        continue;
      }
      if (t.kind === 'op' && DURATION_OPS.has(t.text) && !(offset && openFrames === 0)) {
        this.take();
        const prec = PRECEDENCE[t.text]!;
        this.reduceDuration(vals, ops, prec, t.text === '^', problem);
        ops.push({ k: 'bin', op: t.text as DurationOp, prec });
        operand = true;
        continue;
      }
      if (openFrames === 0) break;
      if (!this.is(t, 'punct', ')') && !this.is(t, 'punct', ',')) throw new SyntaxFailure(t.pos);
      this.reduceDuration(vals, ops, 0, false, problem);
      const frame = ops[ops.length - 1]!;
      const comma = t.text === ',';
      if (frame.k === 'paren' ? comma : frame.k === 'minmax' && comma === (frame.first !== undefined)) throw new SyntaxFailure(t.pos);
      this.take();
      if (frame.k === 'minmax' && comma) {
        frame.first = vals.pop()!;
        operand = true;
        continue;
      }
      ops.pop();
      openFrames--;
      if (frame.k === 'minmax') {
        const a = frame.first!;
        const b = vals.pop()!;
        const seconds = a.seconds === undefined || b.seconds === undefined ? undefined
          : frame.kind === 'min' ? Math.min(a.seconds, b.seconds) : Math.max(a.seconds, b.seconds);
        vals.push({ d: { kind: frame.kind, a: a.d, b: b.d }, seconds, start: frame.pos });
      }
      if (offset && openFrames === 0) break;
    }
    this.reduceDuration(vals, ops, 0, false, problem);
    const top = vals[0]!;
    return { d: top.d, seconds: top.seconds, start, problem: problem.value };
  }

  private reduceDuration(
    vals: DurationOperand[], ops: DurationPending[], prec: number, rightAssoc: boolean, problem: { value: ParsedDuration['problem'] },
  ): void {
    reduceOperators(vals, ops, prec, rightAssoc, (top, b): DurationOperand => {
      this.work++;
      if (top.k === 'unary') return top.neg ? { d: { kind: 'neg', a: b.d }, seconds: b.seconds === undefined ? undefined : -b.seconds, start: top.pos } : { ...b, start: top.pos };
      const a = vals.pop()!;
      if ((top.op === '/' || top.op === '%') && b.seconds === 0) {
        problem.value ??= { pos: a.start, message: top.op === '/' ? 'division by zero' : 'modulo by zero' };
      }
      const d: DurationExpr = { kind: 'bin', op: top.op, a: a.d, b: b.d };
      return { d, seconds: a.seconds === undefined || b.seconds === undefined ? undefined : durationSeconds(d), start: a.start };
    });
  }
}
