// Table tests of replica deduplication: penalty switching, restart gaps, counter adjustment, chain merge, overlap split.
import { describe, expect, it } from 'vitest';
import type { SampleIterator } from '../../src/promql/queryable.js';
import { ValFloat, ValNone } from '../../src/tsdb/chunkenc/chunk.js';
import { ChainMergeIterator, dedupIterator, splitOverlapping } from '../../src/query/dedup.js';

/** A SampleIterator over [tSeconds, value] pairs (timestamps given in seconds for readability). */
function arr(samples: readonly (readonly [number, number])[]): SampleIterator {
  let i = -1;
  return {
    next: () => (++i < samples.length ? ValFloat : ValNone),
    seek(t) {
      if (i < 0) i = 0;
      while (i < samples.length && samples[i]![0] * 1000 < t) i++;
      return i < samples.length ? ValFloat : ValNone;
    },
    atT: () => samples[i]![0] * 1000,
    atF: () => samples[i]![1],
    err: () => undefined,
  };
}

function drain(it: SampleIterator): [number, number][] {
  const out: [number, number][] = [];
  while (it.next() !== ValNone) out.push([it.atT() / 1000, it.atF()]);
  return out;
}

const every = (from: number, to: number, step: number, v: (t: number) => number = () => 1): [number, number][] => {
  const out: [number, number][] = [];
  for (let t = from; t <= to; t += step) out.push([t, v(t)]);
  return out;
};

describe('dedupIterator penalty', () => {
  const cases: { name: string; replicas: [number, number][][]; func?: string; want: [number, number][] }[] = [
    {
      name: 'identical replicas emit each sample once',
      replicas: [every(0, 60, 15), every(0, 60, 15)],
      want: every(0, 60, 15),
    },
    {
      name: 'interleaved scrapes stay on the first replica (no doubled rate, no jitter)',
      replicas: [every(0, 60, 15, (t) => t), every(5, 65, 15, (t) => -t)],
      want: every(0, 60, 15, (t) => t),
    },
    {
      name: 'starts on the replica with the earliest sample',
      replicas: [every(5, 65, 15, (t) => t), every(0, 60, 15, (t) => -t)],
      // b first (t=0); a at 5 is within the 5s initial penalty, so b is kept.
      want: every(0, 60, 15, (t) => -t),
    },
    {
      name: 'a restart gap in the first replica is filled from the second, which is then kept',
      replicas: [
        [[0, 1], [15, 1], [30, 1], [90, 1], [105, 1], [120, 1]],
        every(5, 125, 15, () => 2),
      ],
      want: [[0, 1], [15, 1], [30, 1], [65, 2], [80, 2], [95, 2], [110, 2], [125, 2]],
    },
    {
      name: 'first replica ends: continue on the second after the penalty',
      replicas: [every(0, 30, 15, () => 1), every(5, 95, 15, () => 2)],
      want: [[0, 1], [15, 1], [30, 1], [65, 2], [80, 2], [95, 2]],
    },
    {
      name: 'one replica empty',
      replicas: [[], every(0, 30, 15)],
      want: every(0, 30, 15),
    },
    {
      name: 'both empty',
      replicas: [[], []],
      want: [],
    },
    {
      name: 'three replicas chain pairwise',
      replicas: [every(0, 30, 15, () => 1), [[40, 2]], every(50, 110, 15, () => 3)],
      want: [[0, 1], [15, 1], [30, 1], [65, 3], [80, 3], [95, 3], [110, 3]],
    },
    {
      name: 'counter functions: switching to a lower replica never makes the counter drop',
      func: 'rate',
      replicas: [[[0, 10], [15, 20], [30, 30]], [[40, 5], [70, 7], [85, 8]]],
      want: [[0, 10], [15, 20], [30, 30], [70, 30], [85, 31]],
    },
    {
      name: 'non-counter functions keep the raw values on a switch',
      func: 'avg_over_time',
      replicas: [[[0, 10], [15, 20], [30, 30]], [[40, 5], [70, 7], [85, 8]]],
      want: [[0, 10], [15, 20], [30, 30], [70, 7], [85, 8]],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(drain(dedupIterator(c.replicas.map(arr), 'penalty', c.func ?? ''))).toEqual(c.want);
    });
  }

  it('seek walks through a gap instead of skipping the other replica', () => {
    const it = dedupIterator([arr([[0, 1], [15, 1], [30, 1], [90, 1]]), arr(every(5, 125, 15, () => 2))], 'penalty', '');
    expect(it.seek(31_000)).toBe(ValFloat);
    expect([it.atT(), it.atF()]).toEqual([65_000, 2]);
    expect(it.seek(10_000)).toBe(ValFloat); // never moves backwards
    expect(it.atT()).toBe(65_000);
    expect(it.seek(200_000)).toBe(ValNone);
  });

  it('seek before next positions on the first sample at or after t', () => {
    const it = dedupIterator([arr(every(0, 60, 15)), arr(every(0, 60, 15))], 'penalty', '');
    expect(it.seek(20_000)).toBe(ValFloat);
    expect(it.atT()).toBe(30_000);
    expect(drain(it).map(([t]) => t)).toEqual([45, 60]);
  });

  it('a single replica is returned as is', () => {
    const one = arr(every(0, 30, 15));
    expect(dedupIterator([one], 'penalty', '')).toBe(one);
  });
});

describe('ChainMergeIterator', () => {
  it('unions samples, equal timestamps once (first replica wins)', () => {
    const it = new ChainMergeIterator([arr([[0, 1], [10, 1], [20, 1]]), arr([[5, 2], [10, 2], [30, 2]])]);
    expect(drain(it)).toEqual([[0, 1], [5, 2], [10, 1], [20, 1], [30, 2]]);
  });
  it('seeks every input', () => {
    const it = new ChainMergeIterator([arr([[0, 1], [10, 1], [20, 1]]), arr([[5, 2], [15, 2], [30, 2]])]);
    expect(it.seek(12_000)).toBe(ValFloat);
    expect(it.atT()).toBe(15_000);
    expect(drain(it)).toEqual([[20, 1], [30, 2]]);
    expect(it.seek(0)).toBe(ValNone);
  });
  it('chain is chosen by dedupIterator', () => {
    expect(drain(dedupIterator([arr([[0, 1]]), arr([[5, 2]])], 'chain', ''))).toEqual([[0, 1], [5, 2]]);
  });
});

describe('splitOverlapping', () => {
  const c = (minTime: number, maxTime: number): { minTime: number; maxTime: number } => ({ minTime, maxTime });
  it('keeps non-overlapping chunks together', () => {
    expect(splitOverlapping([c(0, 9), c(10, 19), c(20, 29)])).toEqual([[c(0, 9), c(10, 19), c(20, 29)]]);
  });
  it('splits overlapping chunks from two replicas into two pseudo-replicas', () => {
    expect(splitOverlapping([c(0, 10), c(5, 15), c(11, 20), c(16, 25)]))
      .toEqual([[c(0, 10), c(11, 20)], [c(5, 15), c(16, 25)]]);
  });
  it('a chunk starting at the previous chunk maxTime overlaps (inclusive bounds)', () => {
    expect(splitOverlapping([c(0, 10), c(10, 20)])).toEqual([[c(0, 10)], [c(10, 20)]]);
  });
  it('joins the first group that has room', () => {
    expect(splitOverlapping([c(0, 10), c(1, 5), c(2, 30), c(6, 8)])).toEqual([[c(0, 10)], [c(1, 5), c(6, 8)], [c(2, 30)]]);
  });
});
