// label_replace and selector regexes through the PromQL engine: RE2 semantics (runes, \s, Go's Expand), RE2's
// errors, and linear time on patterns a backtracking engine never finishes.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/promql/engine.js';
import { MemoryStorage } from '../../src/promql/promqltest/memory-storage.js';
import { formatLabels, labelsFromRecord } from '../../src/tsdb/labels/labels.js';

function storage(values: readonly string[]): MemoryStorage {
  const s = new MemoryStorage();
  for (const v of values) s.append(labelsFromRecord({ __name__: 'up', src: v }), 0, 1);
  return s;
}

async function labelsOf(values: readonly string[], query: string): Promise<string[]> {
  const res = await new Engine().instantQuery(storage(values), query, 0);
  if (res.value.type !== 'vector') throw new Error(`expected a vector, got ${res.value.type}`);
  return res.value.samples.map((s) => formatLabels(s.labels)).sort();
}

describe('label_replace with RE2', () => {
  it.each([
    { name: 'captures one astral rune with (.)', src: '😀x', re: '(.)(.)', repl: '$2$1', want: 'x😀' },
    { name: 'named groups and ${1}x', src: 'db:5432', re: '(?P<host>[^:]+):(\\d+)', repl: '${host}-${2}x', want: 'db-5432x' },
    { name: '$1x names group "1x" (empty), as in Go', src: 'ab', re: '(a)(b)', repl: '$1x', want: '' },
    { name: '(?U) lazy by default', src: 'aaa', re: '(?U)(a+)(a*)', repl: '$1|$2', want: 'a|aa' },
    { name: 'dot matches newline', src: 'a\nb', re: 'a(.)b', repl: 'nl$1', want: 'nl\n' },
  ])('$name', async ({ src, re, repl, want }) => {
    const got = await labelsOf([src], `label_replace(up, "dst", ${JSON.stringify(repl)}, "src", ${JSON.stringify(re)})`);
    const expected = want === '' ? formatLabels(labelsFromRecord({ __name__: 'up', src })) : formatLabels(labelsFromRecord({ __name__: 'up', src, dst: want }));
    expect(got).toEqual([expected]);
  });

  it('leaves series whose value does not match the whole regex (\\s is ASCII only)', async () => {
    const got = await labelsOf(['x\u00a0y', 'x y'], 'label_replace(up, "dst", "hit", "src", "x\\\\sy")');
    expect(got).toEqual([
      formatLabels(labelsFromRecord({ __name__: 'up', src: 'x y', dst: 'hit' })),
      formatLabels(labelsFromRecord({ __name__: 'up', src: 'x\u00a0y' })),
    ].sort());
  });

  it('answers a pathological regex over a long value in linear time', async () => {
    const long = 'a'.repeat(20_000);
    const got = await labelsOf([long], 'label_replace(up, "dst", "$1", "src", "(.*.*)*x")');
    expect(got).toEqual([formatLabels(labelsFromRecord({ __name__: 'up', src: long }))]);
  });

  it.each(['a{1001}', '(a)\\\\1', '[[:foo:]]'])('rejects %s as Prometheus does', async (re) => {
    await expect(labelsOf(['a'], `label_replace(up, "dst", "$1", "src", "${re}")`)).rejects.toThrow(/invalid regular expression in label_replace/);
  });
});

describe('selector regexes with RE2', () => {
  it('selects by rune, not UTF-16 unit, and accepts RE2-only syntax', async () => {
    const values = ['😀', 'ab', 'A', '1'];
    expect(await labelsOf(values, 'up{src=~"."}')).toEqual(['A', '1', '😀'].map((src) => formatLabels(labelsFromRecord({ __name__: 'up', src }))).sort());
    expect(await labelsOf(values, 'up{src=~"\\\\x{41}"}')).toEqual([formatLabels(labelsFromRecord({ __name__: 'up', src: 'A' }))]);
    expect(await labelsOf(values, 'up{src=~"[[:^alpha:]]"}')).toEqual(['1', '😀'].map((src) => formatLabels(labelsFromRecord({ __name__: 'up', src }))).sort());
  });

  it('rejects a repeat count over 1000', async () => {
    await expect(labelsOf(['a'], 'up{src=~"a{1001}"}')).rejects.toThrow(/invalid repeat count/);
  });
});
