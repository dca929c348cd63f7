// Malformed queries must fail with exactly the error Prometheus gives, position included. The expected texts are
// Prometheus's own (promql/parser/parse_test.go), printed as ParseErr.Error() does: `line:col: parse error: …`.
// The duration, grouping and binding cases below were also checked against a live Prometheus 2.42.

import { describe, expect, it } from 'vitest';
import { parseExpr, PromQLParseError } from '../../../src/promql/parser/parse.js';

const CASES: readonly { name: string; query: string; error: string }[] = [
  // Lexer errors.
  { name: 'lone dot', query: '.', error: `1:1: parse error: unexpected character: '.'` },
  { name: 'number with two dots', query: '2.5.', error: '1:1: parse error: bad number or duration syntax: "2.5."' },
  { name: 'double dot', query: '100..4', error: '1:1: parse error: bad number or duration syntax: "100.."' },
  { name: 'hex without 0x', query: '0deadbeef', error: '1:1: parse error: bad number or duration syntax: "0de"' },
  { name: 'extra right paren', query: '(1))', error: `1:5: parse error: unexpected right parenthesis ')'` },
  { name: 'unclosed paren', query: '((1)', error: '1:5: parse error: unclosed left parenthesis' },
  { name: 'lone left paren', query: '(', error: '1:2: parse error: unclosed left parenthesis' },
  { name: '!~ outside braces', query: '1 !~ 1', error: `1:3: parse error: unexpected character after '!': '~'` },
  { name: '=~ outside braces', query: '1 =~ 1', error: `1:3: parse error: unexpected character after '=': '~'` },
  { name: 'lone left brace', query: '{', error: '1:2: parse error: unexpected end of input inside braces' },
  { name: 'lone right brace', query: '}', error: `1:1: parse error: unexpected character: '}'` },
  { name: 'unclosed braces after name', query: 'some{', error: '1:6: parse error: unexpected end of input inside braces' },
  { name: 'right brace after name', query: 'some}', error: `1:5: parse error: unexpected character: '}'` },
  { name: 'colon in label name', query: 'some_metric{a:b="b"}', error: `1:14: parse error: unexpected character inside braces: ':'` },
  { name: 'star in matcher', query: 'foo{a*"b"}', error: `1:6: parse error: unexpected character inside braces: '*'` },
  { name: '>= in matcher', query: 'foo{a>="b"}', error: `1:6: parse error: unexpected character inside braces: '>'` },
  { name: 'number as label name', query: 'foo{1}', error: `1:5: parse error: unexpected character inside braces: '1'` },
  { name: 'bad range unit', query: 'foo[5mm]', error: '1:5: parse error: bad number or duration syntax: "5mm"' },
  { name: 'range with trailing digit', query: 'foo[5m1]', error: '1:5: parse error: bad number or duration syntax: "5m1"' },
  { name: 'bad offset unit', query: 'some_metric[5m] OFFSET 1mm', error: '1:24: parse error: bad number or duration syntax: "1mm"' },
  { name: 'unterminated string', query: 'sum by ("foo)(some_metric{})', error: '1:9: parse error: unterminated quoted string' },
  { name: 'unknown escape', query: '"\\c"', error: `1:1: parse error: unknown escape sequence U+0063 'c'` },
  { name: 'unterminated range', query: 'foo{bar="baz"}[', error: '1:16: parse error: unexpected end of input in duration expression' },
  // Parser (grammar) errors.
  { name: 'duration units out of order', query: 'foo[5m1h]', error: '1:5: parse error: not a valid duration string: "5m1h"' },
  { name: 'repeated units in a subquery step', query: 'foo[5m:1m1m]', error: '1:8: parse error: not a valid duration string: "1m1m"' },
  { name: 'repeated units in an offset', query: 'x offset 5m1h', error: '1:10: parse error: not a valid duration string: "5m1h"' },
  { name: 'metric identifier as grouping label', query: 'sum(x) by (a:b)', error: '1:12: parse error: unexpected metric identifier "a:b" in grouping opts, expected label' },
  { name: 'unary chain over a range vector', query: '-----x[5m]', error: '1:5: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector"' },
  { name: 'string in nested parentheses', query: '1 + (((("s"))))', error: '1:5: parse error: binary expression must contain only scalar and instant vector types' },
  { name: 'subquery binds to the right operand', query: 'a - b[5m:1m]', error: '1:5: parse error: binary expression must contain only scalar and instant vector types' },
  { name: 'trailing operator', query: '1+', error: '1:3: parse error: unexpected end of input' },
  { name: 'trailing division', query: '1 /', error: '1:4: parse error: unexpected end of input' },
  { name: 'leading star', query: '*1', error: '1:1: parse error: unexpected <op:*>' },
  { name: 'double at', query: '@@', error: '1:1: parse error: unexpected <op:@>' },
  { name: 'on and ignoring', query: 'a - on(b) ignoring(c) d', error: '1:11: parse error: unexpected <ignoring>' },
  { name: 'identifier as matcher value', query: 'some_metric{a=b}', error: '1:15: parse error: unexpected identifier "b" in label matching, expected string' },
  { name: 'matcher without operator', query: 'foo{gibberish}', error: '1:14: parse error: unexpected "}" in label matching, expected label matching operator' },
  { name: 'double equals in matcher', query: 'foo{__name__= =}', error: '1:15: parse error: unexpected "=" in label matching, expected string' },
  { name: 'leading comma in matchers', query: 'foo{,}', error: '1:5: parse error: unexpected "," in label matching, expected identifier or "}"' },
  { name: 'missing comma between matchers', query: 'foo{__name__="bar" lol}', error: '1:20: parse error: unexpected identifier "lol" in label matching, expected "," or "}"' },
  { name: 'missing matcher value', query: 'foo{"a"=}', error: '1:9: parse error: unexpected "}" in label matching, expected string' },
  { name: 'offset without duration', query: 'some_metric[5m] OFFSET', error: '1:23: parse error: unexpected end of input in offset, expected number, duration, step(), or range()' },
  { name: 'at without timestamp', query: 'some_metric[5m] @', error: '1:18: parse error: unexpected end of input in @, expected timestamp' },
  { name: 'operator as grouping label', query: 'sum without(==)(some_metric)', error: '1:13: parse error: unexpected <op:==> in grouping opts, expected label' },
  { name: 'empty grouping label', query: 'sum without(,)(some_metric)', error: '1:13: parse error: unexpected "," in grouping opts, expected label' },
  { name: 'double comma in grouping', query: 'sum without(foo,,)(some_metric)', error: '1:17: parse error: unexpected "," in grouping opts, expected label' },
  { name: 'aggregation without parens', query: 'sum some_metric by (test)', error: '1:5: parse error: unexpected identifier "some_metric"' },
  { name: 'grouping without parens', query: 'sum (some_metric) by test', error: '1:22: parse error: unexpected identifier "test" in grouping opts, expected "("' },
  { name: 'unknown aggregation modifier', query: 'MIN keep_common (some_metric)', error: '1:5: parse error: unexpected identifier "keep_common"' },
  { name: 'both without and by', query: 'sum (some_metric) without (test) by (test)', error: '1:34: parse error: unexpected <by>' },
  { name: 'minus equals', query: '-=', error: '1:2: parse error: unexpected "="' },
  { name: 'signs then comparison', query: '++-++-+-+-<', error: '1:11: parse error: unexpected <op:<>' },
  { name: 'unknown function', query: 'non_existent_function_far_bar()', error: '1:1: parse error: unknown function with name "non_existent_function_far_bar"' },
  { name: 'unknown function on the right', query: 'a>b()', error: '1:3: parse error: unknown function with name "b"' },
  // Type checks (Prometheus's checkAST).
  { name: 'and between scalars', query: '1 and 1', error: '1:1: parse error: set operator "and" not allowed in binary scalar expression' },
  { name: 'or between scalars', query: '1 or 1', error: '1:1: parse error: set operator "or" not allowed in binary scalar expression' },
  { name: 'scalar comparison without bool', query: '1 == 1', error: '1:3: parse error: comparisons between scalars must use BOOL modifier' },
  { name: 'unary minus on string', query: '-"string"', error: '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "string"' },
  { name: 'unary minus on range vector', query: '-test[5m]', error: '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector"' },
  { name: 'offset on a number', query: '1 offset 1d', error: '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery' },
  { name: 'offset twice', query: 'foo offset 1s offset 2s', error: '1:1: parse error: offset may not be set multiple times' },
  { name: 'empty selector', query: '{}', error: '1:1: parse error: vector selector must contain at least one non-empty matcher' },
  { name: 'only empty-matching matchers', query: '{x=~".*"}', error: '1:1: parse error: vector selector must contain at least one non-empty matcher' },
  { name: 'metric name twice', query: 'foo{__name__="bar"}', error: '1:1: parse error: metric name must not be set twice: "foo" or "bar"' },
  { name: 'zero range', query: 'foo[0m]', error: '1:5: parse error: duration must be greater than 0' },
  { name: 'offset before range', query: 'some_metric OFFSET 1m[5m]', error: '1:22: parse error: no offset modifiers allowed before range' },
  { name: 'at before range', query: 'some_metric @ 1234 [5m]', error: '1:20: parse error: no @ modifiers allowed before range' },
  { name: 'range of an expression', query: '(foo + bar)[5m]', error: '1:12: parse error: ranges only allowed for vector selectors' },
  { name: 'aggregation without arguments', query: 'sum () by (test)', error: '1:1: parse error: no arguments for aggregate expression provided' },
  { name: 'topk without parameter', query: 'topk(some_metric)', error: '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1' },
  { name: 'topk with vector parameter', query: 'topk(some_metric, other_metric)', error: '1:6: parse error: expected type scalar in aggregation parameter, got instant vector' },
  { name: 'count_values with number label', query: 'count_values(5, other_metric)', error: '1:14: parse error: expected type string in aggregation parameter, got scalar' },
  { name: 'at on a function call', query: 'rate(some_metric[5m]) @ 1234', error: '1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery' },
  { name: 'too few function args', query: 'floor()', error: '1:1: parse error: expected 1 argument(s) in call to "floor", got 0' },
  { name: 'too many function args', query: 'floor(some_metric, other_metric)', error: '1:1: parse error: expected 1 argument(s) in call to "floor", got 2' },
  { name: 'scalar where vector expected', query: 'floor(1)', error: '1:7: parse error: expected type instant vector in call to function "floor", got scalar' },
  { name: 'too many optional args', query: 'hour(some_metric, some_metric, some_metric)', error: '1:1: parse error: expected at most 1 argument(s) in call to "hour", got 3' },
  { name: 'argument to time()', query: 'time(some_metric)', error: '1:1: parse error: expected 0 argument(s) in call to "time", got 1' },
  { name: 'instant vector to rate', query: 'rate(some_metric)', error: '1:6: parse error: expected type range vector in call to function "rate", got instant vector' },
];

describe('parseExpr', () => {
  it.each(CASES)('rejects $name ($query) with Prometheus\'s error', ({ query, error }) => {
    let caught: unknown;
    try {
      parseExpr(query);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PromQLParseError);
    expect((caught as PromQLParseError).message).toBe(error);
  });

  it('has at least 30 malformed queries', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });
});
