// Which blocks a Series request reads per max_resolution_window (upstream bucketBlockSet.getFor): the coarsest
// allowed resolution where it has blocks, gaps before, between and after them filled from finer resolutions.
import { describe, expect, it } from 'vitest';
import { blocksFor } from '../../../src/store/bucket/resolution.js';

interface B { name: string; minTime: number; maxTime: number }
const b = (name: string, minTime: number, maxTime: number): B => ({ name, minTime, maxTime });

const byRes = new Map<number, B[]>([
  [0, [b('raw-0', 0, 100), b('raw-1', 100, 200), b('raw-2', 200, 300)]],
  [300_000, [b('5m-1', 100, 200)]],
  [3_600_000, [b('1h-2', 200, 250)]],
]);
const names = (xs: B[]): string[] => xs.map((x) => x.name);

describe('blocksFor', () => {
  it('reads raw only when the window is 0', () => {
    expect(names(blocksFor(byRes, 0, 299, 0))).toEqual(['raw-0', 'raw-1', 'raw-2']);
  });

  it('prefers 5m where it exists and fills the rest from raw', () => {
    expect(names(blocksFor(byRes, 0, 299, 300_000))).toEqual(['raw-0', '5m-1', 'raw-2']);
  });

  it('prefers 1h, then 5m, then raw, recursively, for the gaps', () => {
    expect(names(blocksFor(byRes, 0, 299, 3_600_000))).toEqual(['raw-0', '5m-1', '1h-2', 'raw-2']);
    expect(names(blocksFor(byRes, 210, 220, 3_600_000))).toEqual(['1h-2']);
  });

  it('answers nothing for an empty range', () => {
    expect(blocksFor(byRes, 10, 5, 3_600_000)).toEqual([]);
  });
});
