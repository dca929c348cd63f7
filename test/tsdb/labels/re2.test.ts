// RE2 semantics of label matchers and of the regex API (label_replace, relabel): each case against Go's answer.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/runtime/errors.js';
import { Matcher } from '../../../src/tsdb/labels/matcher.js';
import { compileAnchored, expandTemplate } from '../../../src/tsdb/labels/re2.js';
import { RE2_CASES } from './re2-cases.js';

describe('RE2 cases with Go answers', () => {
  it.each(RE2_CASES)('$why: $pattern', ({ pattern, value, match }) => {
    if (match === 'error') {
      expect(() => compileAnchored(pattern)).toThrow(InvalidArgumentError);
      expect(() => new Matcher('=~', 'l', pattern)).toThrow(/error parsing regexp/);
      expect(() => new Matcher('!~', 'l', pattern)).toThrow(/error parsing regexp/);
      return;
    }
    expect(compileAnchored(pattern).test(value)).toBe(match);
    expect(new Matcher('=~', 'l', pattern).matches(value)).toBe(match);
    expect(new Matcher('!~', 'l', pattern).matches(value)).toBe(!match);
  });

  it("reports Go's error text for the anchored pattern", () => {
    expect(() => compileAnchored('a{1001}')).toThrow('error parsing regexp: invalid repeat count: `{1001}`');
    expect(() => compileAnchored('(a)\\1')).toThrow('error parsing regexp: invalid escape sequence: `\\1`');
  });
});

describe('submatches', () => {
  it.each([
    { pattern: '(a+)(b)?', value: 'aa', groups: ['aa', 'aa', undefined] },
    { pattern: '(?U)(a+)(a*)', value: 'aaa', groups: ['aaa', 'a', 'aa'] },
    { pattern: '(.)(.)', value: '😀x', groups: ['😀x', '😀', 'x'] },
    { pattern: '(fo|foo)(o*)', value: 'foo', groups: ['foo', 'fo', 'o'] },
    { pattern: '(?P<host>[^:]+):(?P<port>\\d+)', value: 'db:5432', groups: ['db:5432', 'db', '5432'] },
  ])('$pattern on $value', ({ pattern, value, groups }) => {
    const m = compileAnchored(pattern).exec(value);
    expect(m).toBeDefined();
    expect(Array.from({ length: m!.length }, (_, i) => m![i])).toEqual(groups);
  });

  it('exposes named groups and answers undefined when the whole value does not match', () => {
    const re = compileAnchored('(?P<host>[^:]+):(?P<port>\\d+)');
    expect(re.exec('db:5432')?.groups).toEqual({ host: 'db', port: '5432' });
    expect(re.exec('db:5432x')).toBeUndefined();
  });
});

describe("expandTemplate (Go's regexp.Expand)", () => {
  const m = compileAnchored('(?P<a>x)(y)?(?P<long_name>z)').exec('xz')!;
  it.each([
    { template: '$1', out: 'x' },
    { template: '${1}', out: 'x' },
    { template: '$a-$long_name', out: 'x-z' },
    { template: '${a}b', out: 'xb' },
    { template: '$ab', out: '' }, // the name is "ab", which no group has
    { template: '$1x', out: '' }, // the name is "1x", not group 1
    { template: '${1}x', out: 'xx' },
    { template: '$2', out: '' }, // group 2 did not take part
    { template: '$9', out: '' }, // no such group
    { template: '$01', out: '' }, // a leading zero makes it a name
    { template: '$$1', out: '$1' },
    { template: '$', out: '$' },
    { template: 'a$-b', out: 'a$-b' },
    { template: '${1', out: '${1' },
    { template: '${}', out: '${}' },
    { template: '$0', out: 'xz' },
  ])('$template → $out', ({ template, out }) => {
    expect(expandTemplate(template, m)).toBe(out);
  });
});
