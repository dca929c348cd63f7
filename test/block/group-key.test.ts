// The compaction group key against upstream's own test vectors (pkg/compact TestGroupKey) and the properties the
// compactor relies on: label order does not matter, resolution and every label do.
import { describe, expect, it } from 'vitest';
import { groupDescription, groupKey, labelsHash } from '../../src/block/group-key.js';

describe('groupKey', () => {
  const cases: { name: string; resolution: number; labels: Record<string, string>; want: string }[] = [
    { name: 'no labels', resolution: 0, labels: {}, want: '0@17241709254077376921' },
    { name: 'two labels', resolution: 0, labels: { foo: 'bar', foo1: 'bar2' }, want: '0@2124638872457683483' },
    { name: 'path-like name and value', resolution: 0, labels: { 'foo/some..thing/some.thing/../': 'a_b_c/bar-something-a\\metric/a\\x' }, want: '0@16590761456214576373' },
    { name: 'a 5m resolution keeps the hash', resolution: 300_000, labels: { foo: 'bar', foo1: 'bar2' }, want: '300000@2124638872457683483' },
  ];
  for (const c of cases) it(`is upstream's key: ${c.name}`, () => expect(groupKey(c.resolution, c.labels)).toBe(c.want));

  it('does not depend on the order labels are given in, and differs for any other label value', () => {
    expect(labelsHash({ b: '2', a: '1' })).toBe(labelsHash({ a: '1', b: '2' }));
    expect(labelsHash({ a: '1', b: '2' })).not.toBe(labelsHash({ a: '1', b: '3' }));
    // The 0xFF separators keep name/value boundaries apart.
    expect(labelsHash({ ab: 'c' })).not.toBe(labelsHash({ a: 'bc' }));
  });

  it('describes a group as upstream logs it', () => {
    expect(groupDescription(0, { replica: 'a', cluster: 'eu' })).toBe('0@{cluster="eu", replica="a"}');
  });
});
