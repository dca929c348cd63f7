// The compaction planner as a table of upstream's cases: overlaps first, aligned level windows with the newest block
// kept out, incomplete windows only once something newer exists, no-compact marks cutting windows, failed
// compactions skipped, and a large block with many tombstones rewritten alone.
import { describe, expect, it } from 'vitest';
import { planCompaction, splitByRange } from '../../src/compact/planner.js';
import type { PlanMeta } from '../../src/compact/planner.js';

const H = 3_600_000;
function b(id: string, minH: number, maxH: number, extra: { failed?: boolean; tombstones?: number; series?: number } = {}): PlanMeta {
  return {
    ulid: id, minTime: minH * H, maxTime: maxH * H,
    stats: { numTombstones: extra.tombstones ?? 0, numSeries: extra.series ?? 0 },
    compaction: extra.failed ? { failed: true } : {},
  };
}

const cases: { name: string; metas: PlanMeta[]; noCompact?: string[]; want: string[] }[] = [
  { name: 'nothing', metas: [], want: [] },
  { name: 'one block', metas: [b('A', 0, 2)], want: [] },
  { name: 'two 2h blocks in one 8h window: the newer is kept out, nothing to do', metas: [b('A', 0, 2), b('B', 2, 4)], want: [] },
  {
    name: 'four 2h blocks fill an 8h window, but the newest is kept out: the window is incomplete and nothing newer exists',
    metas: [b('A', 0, 2), b('B', 2, 4), b('C', 4, 6), b('D', 6, 8)], want: [],
  },
  {
    name: 'a newer block after a full 8h window: the four are merged',
    metas: [b('A', 0, 2), b('B', 2, 4), b('C', 4, 6), b('D', 6, 8), b('E', 8, 10)], want: ['A', 'B', 'C', 'D'],
  },
  {
    name: 'an incomplete window older than the newest block is merged (gaps allowed)',
    metas: [b('A', 0, 2), b('C', 4, 6), b('E', 8, 10), b('F', 10, 12)], want: ['A', 'C'],
  },
  {
    name: 'overlapping blocks first, including the newest block and the block before the overlap',
    metas: [b('A', 0, 2), b('B', 2, 4), b('C', 3, 5), b('D', 4, 6), b('E', 8, 10)], want: ['B', 'C', 'D'],
  },
  {
    name: 'only the first run of overlaps',
    metas: [b('A', 0, 2), b('B', 1, 3), b('C', 4, 6), b('D', 5, 7)], want: ['A', 'B'],
  },
  {
    name: 'the next level (2d) waits while its window is incomplete and nothing newer than it exists',
    metas: [b('A', 0, 8), b('B', 8, 16), b('C', 16, 24), b('D', 24, 32), b('E', 32, 34)], want: [],
  },
  {
    name: 'a complete 2d window of 8h blocks is merged',
    metas: [b('A', 0, 8), b('B', 8, 16), b('C', 16, 24), b('D', 24, 32), b('E', 32, 40), b('F', 40, 48), b('G', 48, 50)],
    want: ['A', 'B', 'C', 'D', 'E', 'F'],
  },
  {
    name: 'the first level window wins (2h windows of 1h blocks before 8h windows)',
    metas: [b('A', 0, 1), b('B', 1, 2), b('C', 2, 4), b('D', 4, 6), b('E', 6, 8), b('F', 8, 10)], want: ['A', 'B'],
  },
  {
    name: 'a block reaching past its window is skipped',
    metas: [b('A', -1, 7), b('B', 8, 10), b('C', 10, 12), b('D', 12, 14), b('E', 14, 16), b('F', 16, 18)], want: ['B', 'C', 'D', 'E'],
  },
  {
    name: 'a window with a failed compaction is skipped',
    metas: [b('A', 0, 2, { failed: true }), b('B', 2, 4), b('C', 4, 6), b('D', 6, 8), b('E', 8, 10), b('F', 10, 12), b('G', 12, 14), b('H', 14, 16), b('I', 16, 18)],
    want: ['E', 'F', 'G', 'H'],
  },
  {
    name: 'a no-compact block cuts the window: the first run of two or more others',
    metas: [b('A', 0, 2), b('B', 2, 4), b('C', 4, 6), b('D', 6, 8), b('E', 8, 10)], noCompact: ['B'], want: ['C', 'D'],
  },
  {
    name: 'no-compact blocks leave no run of two: nothing',
    metas: [b('A', 0, 2), b('B', 2, 4), b('C', 4, 6), b('D', 6, 8), b('E', 8, 10)], noCompact: ['B', 'D'], want: [],
  },
  {
    name: 'no-compact blocks take no part in overlaps',
    metas: [b('A', 0, 2), b('B', 1, 3), b('C', 4, 6)], noCompact: ['B'], want: [],
  },
  {
    name: 'a block of at least 8h with > 5% tombstones is rewritten alone',
    metas: [b('A', 0, 8, { tombstones: 6, series: 100 }), b('B', 8, 16)], want: ['A'],
  },
  {
    name: 'tombstones in a block shorter than 8h do not count',
    metas: [b('A', 0, 2, { tombstones: 60, series: 100 }), b('B', 8, 10)], want: [],
  },
];

describe('planCompaction', () => {
  for (const c of cases) {
    it(c.name, () => {
      // Input order must not matter: the planner sorts by minTime.
      const shuffled = [...c.metas].reverse();
      expect(planCompaction(shuffled, { noCompact: new Set(c.noCompact ?? []) }).map((m) => m.ulid)).toEqual(c.want);
    });
  }
});

describe('splitByRange', () => {
  it('aligns windows to multiples of the range, also before 1970', () => {
    const groups = splitByRange([b('N', -8, -6), b('M', -6, -4), b('A', 0, 2), b('B', 2, 4), b('C', 8, 10)], 8 * H);
    expect(groups.map((g) => g.map((m) => m.ulid))).toEqual([['N', 'M'], ['A', 'B'], ['C']]);
  });
});
