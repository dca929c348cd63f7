// The string-operation fast paths (fast-regex.ts) must give the RE2 engine's answer on every value, as Prometheus's
// TestFastRegexMatcher_MatchString checks its FastRegexMatcher against Go's regexp; and they must take the shapes
// they are for, so the engine is not reached for them.

import { describe, expect, it } from 'vitest';
import { analyseFastRegex } from '../../../src/tsdb/labels/fast-regex.js';
import { Matcher } from '../../../src/tsdb/labels/matcher.js';
import { compileAnchored } from '../../../src/tsdb/labels/re2.js';

// Regexes from Prometheus's model/labels/regexp_test.go (the long generated alternations left out), plus shapes
// of our own fast paths.
const REGEXES = [
  '', 'foo', '^foo', '(foo|bar)', 'foo.*', '.*foo', '^.*foo$', '^.+foo$', '.?', '.*', '.+', 'foo.+', '.+foo', 'foo\n.+',
  'foo\n.*', '.*foo.*', '.+foo.+', '.*foo.*|', '(?i).*foo.*', '.*foo.*|bar.*', 'foo.*|.*bar.*', '.*foo.*|.*bar.*',
  '.*foo.*bar.*|.*hello.*', '.*foo.*|.*bar.*|.*hello.*', '.+.*foo.*|.*bar.*', '(?s:.*)', '(?s:.+)', '(?s:^.*foo$)',
  '(?i:foo)', '(?i:(foo|bar))', '(?i:(foo1|foo2|bar))', '^(?i:foo|oo)|(bar)$', '((.*)(bar|b|buzz)(.+)|foo)$', '^$',
  '(prometheus|api_prom)_api_v1_.+', '10\\.0\\.(1|2)\\.+', '10\\.0\\.(1|2).+', '((fo(bar))|.+foo)',
  '(?i)report.scheduled.job_runscheduledreports', 'report.scheduled.job_runscheduledreports',
  '(?i:(AAAAAAAAAAAAAAAAAAAAAAAA|BBBBBBBBBBBBBBBBBBBBBBBB|cccccccccccccccccccccccC|ſſſſſſſſſſſſſſſſſſſſſſſſS|SSSSSSSSSSSSSSSSSSSSSSSSſ))',
  '(?i:(zQPbMkNO.*|NNSPdvMi.*|iWuuSoAl.*))', 'fo.?', 'foo.?', 'f.?o', '.*foo.?', '.?foo.+', 'foo.?|bar', 'ſſs',
  '.*-.*-.*-.*-.*', '.+-.*-.*-.*-.+', '-.*-.*-.*-.*', '.*-.*-.*-.*-', '(.+)-(.+)-(.+)-(.+)-(.+)',
  '((.*))(?i:f)((.*))o((.*))o((.*))', '((.*))f((.*))(?i:o)((.*))o((.*))', '(.*0.*)',
  '.*\\|(foo)\\|.*', '.*\\|(?:foo)\\|.*', '.*-(ab)-.*',
  // Ours: escapes, wildcard runs, case-insensitive globs, astral literals, groups that must not be unwrapped.
  'a\\.b|c\\-d', 'foo.*.*bar', 'foo.*.+bar', 'foo.+.*', 'foo.+.+', '(?i)k.*', '(?i)s', '(?i)FOO|bar.+', '(?:a|b)',
  '(a)|(b)', '(a|b)c', '😀.*', '.+😀', 'x\\)y', '(a\\))', '(?i:a)b',
];

const VALUES = [
  'foo', ' foo bar', 'bar', 'buzz\nbar', 'bar foo', 'bfoo', '\n', '\nfoo', 'foo\n', 'hello foo world', 'hello foo\n world', '',
  'FOO', 'Foo', 'fOo', 'foO', 'OO', 'Oo', '\nfoo\n', 'f'.repeat(20), 'prometheus', 'prometheus_api_v1', 'prometheus_api_v1_foo',
  '10.0.1.20', '10.0.2.10', '10.0.3.30', '10.0.4.40',
  'report.scheduled.job_runscheduledreports', 'Report.Scheduled.JobRunScheduledReports', 'Report.Scheduled.Job_RunScheduledReports',
  'foofoo0', 'foofoo', '😀foo0', 'ſſs', 'ſſS', 'AAAAAAAAAAAAAAAAAAAAAAAA', 'BBBBBBBBBBBBBBBBBBBBBBBB', 'cccccccccccccccccccccccC',
  'ſſſſſſſſſſſſſſſſſſſſſſſſS', 'SSSSSSSSSSSSSSSSSSSSSSSSſ', 'a-b-c-d-e', 'aaaaaa-bbbbbb-cccccc-dddddd-eeeeee', 'aaaaaa----eeeeee',
  '----', '-a-a-a-', 'zQPbMkNO', 'zQPbMkNo', 'NNSPdvMi', 'NNSPdvMiXXX', 'nnSPdvMi', '|foo-bar|', 'x|foo|y', 'x-abc-y', 'x-ab-y',
  // Ours.
  'a.b', 'c-d', 'a-b', 'foobar', 'foo_bar', 'foo😀bar', 'foox', 'fooxy', '\u212a', 'K', 'ſ', 'S', 'BAR', 'barx', 'bar😀',
  '😀', '😀x', 'x😀', 'x)y', 'a)', 'ab', 'Ab', 'ac', 'bc',
];

/** Deterministic pseudo-random values over letters, digits and characters the regexes care about. */
function randomValues(count: number): string[] {
  const alphabet = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_|.', 'foo', 'bar', '\n', '😀', 'ſ', '\u212a'];
  let seed = 42;
  const next = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  return Array.from({ length: count }, () => Array.from({ length: next(12) }, () => alphabet[next(alphabet.length)]!).join(''));
}

describe('fast regex paths agree with the RE2 engine', () => {
  const values = [...VALUES, ...randomValues(300)];
  it.each(REGEXES)('%j', (pattern) => {
    const engine = compileAnchored(pattern);
    const matcher = new Matcher('=~', 'l', pattern);
    for (const v of values) expect(matcher.matches(v), `${JSON.stringify(pattern)} on ${JSON.stringify(v)}`).toBe(engine.test(v));
  });
});

describe('fast regex shapes', () => {
  it.each([
    { pattern: 'foo', literals: ['foo'] },
    { pattern: 'a|b|c', literals: ['a', 'b', 'c'] },
    { pattern: '(a|b)', literals: ['a', 'b'] },
    { pattern: '(?:a|b|a)', literals: ['a', 'b'] },
    { pattern: 'a\\.b|c', literals: ['a.b', 'c'] },
    { pattern: '', literals: [''] },
  ])('$pattern is a set of literals', ({ pattern, literals }) => {
    expect(analyseFastRegex(pattern)?.literals).toEqual(literals);
    expect(new Matcher('=~', 'l', pattern).setMatches()).toEqual(literals);
  });

  it.each(['foo.*', '.*foo', '.*foo.*', 'foo.+bar', '.+', '.*', '.*a.*|.*b.*', '(?i)get|post', '(?i:foo.*)', 'a.*.*b'])(
    '%s is answered without the engine', (pattern) => {
      const fast = analyseFastRegex(pattern);
      expect(fast).toBeDefined();
      expect(fast!.literals).toBeUndefined();
      expect(fast!.test('GET')).toBeTypeOf('boolean');
    },
  );

  it.each(['a+', '[ab]', 'a.?', '(a)(b)', '(?i:a)b', '^foo', 'a{2}', 'x\\d', '.+.+', 'a\uD800'])('%s needs the engine', (pattern) => {
    expect(analyseFastRegex(pattern)).toBeUndefined();
  });

  it('sends non-ASCII values under (?i) to the engine (RE2 folds k with the Kelvin sign)', () => {
    const fast = analyseFastRegex('(?i)k.*')!;
    expect(fast.test('\u212ax')).toBeUndefined();
    expect(new Matcher('=~', 'l', '(?i)k.*').matches('\u212ax')).toBe(true);
    expect(fast.test('Kx')).toBe(true);
  });
});
