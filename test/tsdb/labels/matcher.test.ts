// Label matchers with Prometheus semantics: anchoring, RE2 syntax JavaScript lacks, empty-value rules.
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../../src/tsdb/labels/matcher.js';
import type { MatchType } from '../../../src/tsdb/labels/matcher.js';
import { compareLabels, formatLabels, labelsFromRecord } from '../../../src/tsdb/labels/labels.js';
import { InvalidArgumentError } from '../../../src/runtime/errors.js';

describe('Matcher', () => {
  it.each<{ name: string; type: MatchType; value: string; yes: string[]; no: string[] }>([
    { name: 'equality', type: '=', value: 'api', yes: ['api'], no: ['apis', ''] },
    { name: 'inequality', type: '!=', value: 'api', yes: ['web', ''], no: ['api'] },
    { name: 'regex is anchored at both ends', type: '=~', value: 'ap', yes: ['ap'], no: ['api', 'xap'] },
    { name: 'regex alternation of literals', type: '=~', value: 'a|b|c', yes: ['a', 'c'], no: ['ab', ''] },
    { name: 'regex with class', type: '=~', value: '5..', yes: ['500', '503'], no: ['200', '5000'] },
    { name: 'negated regex', type: '!~', value: '2..', yes: ['500', ''], no: ['200'] },
    { name: 'dot-star matches everything', type: '=~', value: '.*', yes: ['', 'x'], no: [] },
    { name: 'dot-plus needs a character', type: '=~', value: '.+', yes: ['x'], no: [''] },
    { name: 'dot matches newline as (?s)', type: '=~', value: 'a.b', yes: ['a\nb'], no: [] },
    { name: 'leading (?i) is case-insensitive', type: '=~', value: '(?i)get', yes: ['GET', 'get', 'Get'], no: ['post'] },
    { name: 'scoped (?i:...) group', type: '=~', value: 'x(?i:ab)y', yes: ['xABy', 'xaby'], no: ['XABY'] },
    { name: '(?i) inside a class', type: '=~', value: '(?i)[a-c]+', yes: ['AbC'], no: ['d'] },
    { name: 'POSIX class', type: '=~', value: '[[:digit:]]+', yes: ['123'], no: ['12a'] },
    { name: '\\Q...\\E quoting', type: '=~', value: '\\Qa.b\\E', yes: ['a.b'], no: ['axb'] },
    { name: '\\z end of text', type: '=~', value: 'ab\\z', yes: ['ab'], no: ['abc'] },
    { name: 'named group (?P<n>...)', type: '=~', value: '(?P<code>5)00', yes: ['500'], no: ['400'] },
    { name: 'alternation is anchored as a whole', type: '=~', value: 'foo|bar', yes: ['foo', 'bar'], no: ['foobar', 'xbar'] },
  ])('$name', ({ type, value, yes, no }) => {
    const m = new Matcher(type, 'l', value);
    for (const v of yes) expect(m.matches(v), `${JSON.stringify(v)} should match ${type}${value}`).toBe(true);
    for (const v of no) expect(m.matches(v), `${JSON.stringify(v)} should not match ${type}${value}`).toBe(false);
  });

  it('treats a missing label as the empty value ({a=""} selects series without a)', () => {
    const without = labelsFromRecord({ __name__: 'up' });
    const withA = labelsFromRecord({ __name__: 'up', a: 'x' });
    const m = new Matcher('=', 'a', '');
    expect(m.matchesLabels(without)).toBe(true);
    expect(m.matchesLabels(withA)).toBe(false);
    expect(m.matchesEmpty()).toBe(true);
    expect(new Matcher('=~', 'a', '.+').matchesEmpty()).toBe(false);
  });

  it.each([
    { name: 'unclosed group', value: '(a' },
    { name: 'unclosed class', value: '[a' },
    { name: 'unknown escape', value: '\\k' },
    { name: 'unknown Perl flag', value: '(?x)a' },
    { name: 'stray close paren', value: 'a)' },
  ])('rejects invalid regex: $name', ({ value }) => {
    expect(() => new Matcher('=~', 'l', value)).toThrow(InvalidArgumentError);
    expect(() => new Matcher('=~', 'l', value)).toThrow(/error parsing regexp/);
  });

  it('exposes the literal set of a pure alternation for index lookups', () => {
    expect(new Matcher('=~', 'l', 'a|b').setMatches()).toEqual(['a', 'b']);
    expect(new Matcher('=~', 'l', 'a.').setMatches()).toBeUndefined();
  });
});

describe('labels', () => {
  it('compares pairwise by name then value, then by length', () => {
    const a = labelsFromRecord({ a: '1' });
    const ab = labelsFromRecord({ a: '1', b: '1' });
    const a2 = labelsFromRecord({ a: '2' });
    expect(compareLabels(a, ab)).toBeLessThan(0);
    expect(compareLabels(a2, ab)).toBeGreaterThan(0);
    expect(compareLabels(ab, labelsFromRecord({ b: '1', a: '1' }))).toBe(0);
  });

  it('formats as Prometheus prints series', () => {
    expect(formatLabels(labelsFromRecord({ __name__: 'x', job: 'a"b', z: 'line\nnext' }))).toBe('{__name__="x", job="a\\"b", z="line\\nnext"}');
  });
});
