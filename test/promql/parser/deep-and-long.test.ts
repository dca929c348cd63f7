// Deep nesting and long operator chains parse as Prometheus parses them (issue #16: they were rejected past ~2,800
// levels or ~1,150 `+` terms; issue #27: unary chains took seconds). Linear time is asserted through the parser's
// work counter (tokens taken + reductions), not a clock; the shapes are checked without recursion.

import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../src/promql/parser/ast.js';
import { walk } from '../../../src/promql/parser/ast.js';
import { exprType, parseExpr, parseExprCountingWork, PromQLParseError } from '../../../src/promql/parser/parse.js';

const N = 10_000;

/** Follows one child per level while `step` returns one; returns the levels passed and the node reached. */
function descend(e: Expr, step: (e: Expr) => Expr | undefined): { depth: number; bottom: Expr } {
  let depth = 0;
  for (let next = step(e); next !== undefined; next = step(e)) {
    e = next;
    depth++;
  }
  return { depth, bottom: e };
}

const terms = (n: number, t: string, op: string): string => Array.from({ length: n }, () => t).join(op);

describe('deep and long queries', () => {
  const valid: readonly { name: string; query: string; check: (e: Expr) => void; nodes?: number }[] = [
    {
      name: `${N} nested parentheses`, nodes: N,
      query: '('.repeat(N) + '1' + ')'.repeat(N),
      check: (e) => {
        const { depth, bottom } = descend(e, (x) => (x.type === 'ParenExpr' ? x.expr : undefined));
        expect(depth).toBe(N);
        expect(bottom).toMatchObject({ type: 'NumberLiteral', value: 1, pos: { start: N, end: N + 1 } });
        expect(e.pos).toEqual({ start: 0, end: 2 * N + 1 });
      },
    },
    {
      name: `${N} + terms (left-associative)`, nodes: N,
      query: terms(N, 'a', '+'),
      check: (e) => {
        const { depth, bottom } = descend(e, (x) => {
          if (x.type !== 'BinaryExpr') return undefined;
          expect(x.op).toBe('+');
          expect(x.rhs.type).toBe('VectorSelector');
          return x.lhs;
        });
        expect(depth).toBe(N - 1);
        expect(bottom).toMatchObject({ type: 'VectorSelector', name: 'a', pos: { start: 0, end: 1 } });
      },
    },
    {
      name: `${N} ^ terms (right-associative)`, nodes: N,
      query: terms(N, '1', '^'),
      check: (e) => {
        const { depth } = descend(e, (x) => {
          if (x.type !== 'BinaryExpr') return undefined;
          expect(x.lhs.type).toBe('NumberLiteral');
          return x.rhs;
        });
        expect(depth).toBe(N - 1);
      },
    },
    {
      name: `${N} unary operators on a number fold into one literal`,
      query: '-+'.repeat(N / 2) + '1',
      // N/2 minus signs: an even count for N = 10,000.
      check: (e) => expect(e).toMatchObject({ type: 'NumberLiteral', value: 1, pos: { start: 0, end: N + 1 } }),
    },
    {
      name: `${N - 1} unary minus on a number`,
      query: '-'.repeat(N - 1) + '1',
      check: (e) => expect(e).toMatchObject({ type: 'NumberLiteral', value: -1 }),
    },
    {
      name: `${N} unary operators on a selector stay nested`, nodes: N,
      query: '-+'.repeat(N / 2) + 'x',
      check: (e) => {
        let k = 0;
        const { depth, bottom } = descend(e, (x) => {
          if (x.type !== 'UnaryExpr') return undefined;
          expect(x.op).toBe(k++ % 2 === 0 ? '-' : '+');
          return x.expr;
        });
        expect(depth).toBe(N);
        expect(bottom.type).toBe('VectorSelector');
      },
    },
    {
      name: `a binary minus followed by ${N} unary minus`,
      query: '1 -' + ' -'.repeat(N) + ' 1',
      check: (e) => expect(e).toMatchObject({ type: 'BinaryExpr', op: '-', lhs: { value: 1 }, rhs: { type: 'NumberLiteral', value: 1 } }),
    },
    {
      name: `${N} nested sum()`, nodes: N,
      query: 'sum('.repeat(N) + 'x' + ')'.repeat(N),
      check: (e) => {
        const { depth, bottom } = descend(e, (x) => (x.type === 'AggregateExpr' ? x.expr : undefined));
        expect(depth).toBe(N);
        expect(bottom.type).toBe('VectorSelector');
      },
    },
    {
      name: `${N} nested abs() around a long chain`, nodes: N,
      query: 'abs('.repeat(N) + terms(N, 'x', ' * ') + ')'.repeat(N),
      check: (e) => {
        const { depth, bottom } = descend(e, (x) => (x.type === 'Call' ? x.args[0] : undefined));
        expect(depth).toBe(N);
        expect(bottom).toMatchObject({ type: 'BinaryExpr', op: '*' });
      },
    },
    {
      name: `a duration nested in ${N / 2} parentheses`,
      query: 'x[' + '('.repeat(N / 2) + '1m' + ')'.repeat(N / 2) + ']',
      check: (e) => expect(e).toMatchObject({ type: 'MatrixSelector', rangeMs: 60_000 }),
    },
  ];

  for (const c of valid) {
    it(`parses ${c.name} in linear work`, () => {
      const { expr, work, tokens } = parseExprCountingWork(c.query);
      c.check(expr);
      expect(work).toBeLessThanOrEqual(3 * tokens);
      // Consumers of the tree do not recurse either.
      expect(['scalar', 'vector', 'matrix']).toContain(exprType(expr));
      let nodes = 0;
      walk(expr, () => { nodes++; });
      expect(nodes).toBeGreaterThanOrEqual(c.nodes ?? 1);
    });
  }

  it('work grows linearly: twice the input, twice the work', () => {
    for (const make of [(n: number) => '('.repeat(n) + '1' + ')'.repeat(n), (n: number) => terms(n, 'a', '+'), (n: number) => '-+'.repeat(n) + '1']) {
      const small = parseExprCountingWork(make(N)).work;
      const big = parseExprCountingWork(make(2 * N)).work;
      expect(big / small).toBeGreaterThan(1.9);
      expect(big / small).toBeLessThan(2.1);
    }
  });

  it('100,000 levels of nesting do not overflow the stack', () => {
    const e = parseExpr('('.repeat(100_000) + 'x' + ')'.repeat(100_000));
    expect(exprType(e)).toBe('vector');
    expect(descend(e, (x) => (x.type === 'ParenExpr' ? x.expr : undefined)).depth).toBe(100_000);
  });

  it('walk visits parents first, left to right', () => {
    const seen: string[] = [];
    walk(parseExpr('sum(a) + -b * rate(c[5m])'), (n) => { seen.push(n.type === 'VectorSelector' ? n.name : n.type); });
    expect(seen).toEqual(['BinaryExpr', 'AggregateExpr', 'a', 'BinaryExpr', 'UnaryExpr', 'b', 'Call', 'MatrixSelector', 'c']);
  });

  // Invalid deep/long queries fail fast with Prometheus's message and position.
  const invalid: readonly { name: string; query: string; error: string }[] = [
    { name: `${N} unclosed parentheses`, query: '('.repeat(N) + '1', error: `1:${N + 2}: parse error: unclosed left parenthesis` },
    { name: `${N} + terms and a trailing +`, query: terms(N, 'a', '+') + '+', error: `1:${2 * N + 1}: parse error: unexpected end of input` },
    {
      // Prometheus checks the innermost operand first (checkAST recurses before reporting).
      name: `${N} unary minus over a range vector`,
      query: '-'.repeat(N) + 'x[5m]',
      error: `1:${N}: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector"`,
    },
    {
      name: `${N} nested parentheses around a string in a binary expression`,
      query: '1 + ' + '('.repeat(N) + '"s"' + ')'.repeat(N),
      error: '1:5: parse error: binary expression must contain only scalar and instant vector types',
    },
    // The brackets bind to `b` alone, so the right operand is a range vector.
    { name: 'a range after a binary operator', query: 'a - b[5m:1m]', error: '1:5: parse error: binary expression must contain only scalar and instant vector types' },
    { name: `${N} unary operators and nothing`, query: '-'.repeat(N), error: `1:${N + 1}: parse error: unexpected end of input` },
    { name: `${N} + terms with an unknown function last`, query: terms(N, 'a', '+') + '+nope(a)', error: `1:${2 * N + 1}: parse error: unknown function with name "nope"` },
  ];

  for (const c of invalid) {
    it(`rejects ${c.name} in linear work`, () => {
      let err: unknown;
      try {
        parseExpr(c.query);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PromQLParseError);
      expect((err as Error).message).toBe(c.error);
    });
  }
});

describe('binding and precedence, as in Prometheus', () => {
  /** A compact form of the tree: (op lhs rhs), (-x), name, number; enough to show where things bind. */
  function show(e: Expr): string {
    switch (e.type) {
      case 'BinaryExpr': return `(${show(e.lhs)} ${e.op} ${show(e.rhs)})`;
      case 'UnaryExpr': return `(${e.op}${show(e.expr)})`;
      case 'ParenExpr': return `[${show(e.expr)}]`;
      case 'NumberLiteral': return String(e.value);
      case 'StringLiteral': return JSON.stringify(e.value);
      case 'VectorSelector': return `${e.name}${e.offsetMs ? `@off${e.offsetMs}` : ''}${e.at ? '@at' : ''}`;
      case 'MatrixSelector': return `${show(e.vs)}[${e.rangeMs}]`;
      case 'SubqueryExpr': return `${show(e.expr)}[${e.rangeMs}:${e.stepMs}]`;
      case 'Call': return `${e.func}(${e.args.map(show).join(', ')})`;
      case 'AggregateExpr': return `${e.op}(${e.param ? `${show(e.param)}, ` : ''}${show(e.expr)})`;
      case 'StepInvariantExpr': return `si(${show(e.expr)})`;
    }
  }
  const cases: readonly [string, string][] = [
    ['-1 ^ 2', '(-(1 ^ 2))'],
    ['-a * b', '((-a) * b)'],
    ['-a ^ b', '(-(a ^ b))'],
    ['2 ^ -1 * 3', '((2 ^ -1) * 3)'],
    ['a + -b * c', '(a + ((-b) * c))'],
    ['a or b and c unless d', '(a or ((b and c) unless d))'],
    ['a == b + c * d ^ e ^ f', '(a == (b + (c * (d ^ (e ^ f)))))'],
    ['a + b offset 1m', '(a + b@off60000)'],
    ['-a offset 1m', '(-a@off60000)'],
    ['a - max_over_time(b[5m:1m] @ 10 offset 1m)', '(a - max_over_time(b[300000:60000]))'],
    ['foo offset 1m + 1m', '(foo@off60000 + 60)'],
    ['foo offset -2 ^ 2', '(foo@off-2000 ^ 2)'],
    ['foo offset (-2 ^ 2)', 'foo@off-4000'],
    ['foo @ 10 offset 1m', 'foo@off60000@at'],
    ['sum by (a) (x) / on (a) group_left count(y)', '(sum(x) / count(y))'],
    ['topk(3, x) atan2 2', '(topk(3, x) atan2 2)'],
    ['time() - 5m', '(time() - 300)'],
    ['x[2m * 3]', 'x[360000]'],
    ['sum without () (x) + sum(x) by (a,)', '(sum(x) + sum(x))'],
  ];
  for (const [q, want] of cases) {
    it(q, () => expect(show(parseExpr(q))).toBe(want));
  }
});
