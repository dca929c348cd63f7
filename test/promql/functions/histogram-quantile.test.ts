// Table tests of classic-bucket histogram_quantile()/histogram_fraction() and `le` parsing, with the values
// histograms.test expects (bucket counts restated as they stand at the eval time).

import { describe, expect, it } from 'vitest';
import { bucketFraction, histogramQuantile, type ClassicBucket } from '../../../src/promql/functions/histogram-quantile.js';
import { parseGoFloat } from '../../../src/runtime/go-float.js';
import { almostEqual } from './series-notation.js';

function buckets(spec: Readonly<Record<string, number>>): ClassicBucket[] {
  return Object.entries(spec).map(([le, count]) => ({ upperBound: parseGoFloat(le) as number, count }));
}

function expectValue(got: number, want: number): void {
  expect(almostEqual(got, want), `got ${String(got)}, want ${String(want)}`).toBe(true);
}

// histograms.test L9-L17 at 50m (0+Nx10 → 10·N).
const testhistogramPositive = buckets({ '0.1': 50, '.2': 70, '1e0': 110, '+Inf': 120 });
const testhistogramNegative = buckets({ '-.2': 10, '-0.1': 20, '0.3': 20, '+Inf': 30 });
// L30-L43 at 50m.
const testhistogram3Positive = buckets({ '0': 0, '0.1': 50, '.2': 70, '1e0': 110, '+Inf': 110 });
const testhistogram3Negative = buckets({ '-.25': 0, '-.2': 10, '-0.1': 20, '0.3': 20, '+Inf': 20 });
// L21-L25 at 7m (index 1 of 0+Nx10 with a 5m interval is the last sample before 7m).
const testhistogram2 = buckets({ '0': 0, '2': 1, '4': 2, '6': 3, '+Inf': 3 });

describe('histogramQuantile', () => {
  const CASES: readonly (readonly [string, number, ClassicBucket[], number])[] = [
    ['L551 positive', 0, testhistogram3Positive, 0],
    ['L551 negative', 0, testhistogram3Negative, -0.25],
    ['L561 positive', 0.25, testhistogram3Positive, 0.055],
    ['L561 negative', 0.25, testhistogram3Negative, -0.225],
    ['L571 positive', 0.5, testhistogram3Positive, 0.125],
    ['L571 negative', 0.5, testhistogram3Negative, -0.2],
    ['L581 positive', 0.75, testhistogram3Positive, 0.45],
    ['L581 negative', 0.75, testhistogram3Negative, -0.15],
    ['L591 positive', 1, testhistogram3Positive, 1],
    ['L591 negative', 1, testhistogram3Negative, -0.1],
    ['L637 q<0', -0.1, testhistogramPositive, -Infinity],
    ['L659 q>1', 1.01, testhistogramPositive, Infinity],
    ['L681 NaN q', NaN, testhistogramPositive, NaN],
    ['L709 lowest', 0, testhistogramPositive, 0],
    ['L709 lowest negative', 0, testhistogramNegative, -0.2],
    ['L721 highest', 1, testhistogramPositive, 1],
    ['L721 highest negative', 1, testhistogramNegative, 0.3],
    ['L733', 0.2, testhistogramPositive, 0.048],
    ['L733 negative', 0.2, testhistogramNegative, -0.2],
    ['L743', 0.5, testhistogramPositive, 0.15],
    ['L743 negative', 0.5, testhistogramNegative, -0.15],
    ['L753', 0.8, testhistogramPositive, 0.72],
    ['L753 negative', 0.8, testhistogramNegative, 0.3],
    ['L799 1/6', 1 / 6, testhistogram2, 1],
    ['L809 1/2', 0.5, testhistogram2, 3],
    ['L819 5/6', 5 / 6, testhistogram2, 5],
    // L1040: rate(mixed_bucket[10m]) — three spellings of 0.2 are one bucket after coalescing.
    ['L1040 ins1', 0.5, buckets({ '0.1': 1 / 300, '0.2': 1 / 300, '2e-1': 1 / 300, '2.0e-1': 1 / 300, '+Inf': 4 / 300 }), 0.15],
    ['L1048 ins1 q=0.75', 0.75, buckets({ '0.1': 1, '0.2': 1, '2e-1': 1, '2.0e-1': 1, '+Inf': 4 }), 0.2],
    ['L1040 ins2: +inf and +Inf merge into a single bucket', 0.5, buckets({ '+inf': 0, '+Inf': 0 }), NaN],
    // L1073: all buckets empty.
    ['L1098 no observations', 1, buckets({ '0.0': 0, '1.0': 0, '2.0': 0, '+Inf': 0 }), NaN],
    ['no +Inf bucket', 0.5, buckets({ '1': 1, '2': 2 }), NaN],
    ['unsorted input', 0.5, buckets({ '+Inf': 120, '1e0': 110, '.2': 70, '0.1': 50 }), 0.15],
  ];
  it.each(CASES)('%s: q=%d', (_src, q, b, want) => {
    expectValue(histogramQuantile(q, b).value, want);
  });

  it('forces monotonic counts and reports it (L1025-L1035, nonmonotonic_bucket at 50m)', () => {
    const b = buckets({ '0.1': 20, '1': 10, '10': 50, '100': 40, '1000': 90, '+Inf': 80 });
    const r1 = histogramQuantile(0.01, b);
    expectValue(r1.value, 0.0045);
    expect(r1.forcedMonotonic).toBe(true);
    expect(r1.minBucket).toBe(1);
    expect(r1.maxBucket).toBe(Infinity);
    expect(r1.maxDiff).toBe(10);
    expectValue(histogramQuantile(0.5, b).value, 8.5);
    expectValue(histogramQuantile(0.99, b).value, 979.75);
    // The input is not modified.
    expect(b.find((x) => x.upperBound === 1)?.count).toBe(10);
  });

  it('ignores float noise without reporting forced monotonicity', () => {
    const r = histogramQuantile(0.5, [
      { upperBound: 1, count: 10 },
      { upperBound: 2, count: 10 * (1 - 1e-15) },
      { upperBound: Infinity, count: 20 },
    ]);
    expect(r.forcedMonotonic).toBe(false);
    expect(r.fixedPrecision).toBe(true);
    expect(r.value).toBe(1);
  });
});

describe('bucketFraction', () => {
  const CASES: readonly (readonly [string, number, number, ClassicBucket[], number])[] = [
    ['L119', 0, 4, testhistogram2, 2 / 3],
    ['L127', 0, 6, testhistogram2, 1],
    ['L135', 0, 3.5, testhistogram2, 0.5833333333333334],
    ['L172', 0, 1.5, buckets({ '1': 1, '2': 3, '3': 6, '+Inf': 100 }), 0.02],
    ['L191', -4, -2, buckets({ '-3': 10, '-2': 12, '-1': 15, '+Inf': 100 }), 0.02],
    ['L211', -Infinity, -1.5, buckets({ '-3': 10, '-2': 12, '-1': 15, '+Inf': 100 }), 0.135],
    ['L228', -Infinity, Infinity, buckets({ '1': 1, '2': 3, '3': 6, '+Inf': 100 }), 1],
    ['L263', 4, 5, buckets({ '1': 1, '2': 3, '3': 6, '+Inf': 100 }), 0],
    ['L281', 0, 1, buckets({ '-3': 10, '-2': 12, '-1': 15, '+Inf': 100 }), 0],
    ['L300', 2, 5, buckets({ '1': 1, '2': 3, '3': 6, '+Inf': 100 }), 0.03],
    ['L318', 400, Infinity, buckets({ '1': 1, '2': 3, '3': 6, '+Inf': 100 }), 0.94],
    ['L335', 2, 2, buckets({ '1': 1, '2': 3, '3': 6, '+Inf': 100 }), 0],
    ['L350', 3, 2, buckets({ '1': 1, '2': 3, '3': 6, '+Inf': 100 }), 0],
    ['L365', 0, 1, buckets({ '+Inf': 100 }), 0],
    ['L380', 0, 5, buckets({ '1': 0, '2': 0, '3': 0, '+Inf': 0 }), NaN],
    ['L399', 2, 3.5, buckets({ '1': 1, '2': 3, '3': 6, '+Inf': 100 }), 0.03],
    ['L418', 0.5, 2, buckets({ '1': 1, '2': 3, '3': 6, '+Inf': 100 }), 0.025],
    ['L437', 1, 3, buckets({ '1': 1, '2': 3, '3': 6, '+Inf': 100 }), 0.05],
    ['L455', 0.1, 0.75, buckets({ '0.5': 2.5, '1': 7.5, '+Inf': 100 }), 0.045],
    ['L475', -1, 1, buckets({ '-2': 5, '-1': 10, '0': 15, '1': 20, '+Inf': 100 }), 0.1],
    ['L488', NaN, 1, buckets({ '1': 1, '+Inf': 100 }), NaN],
    ['L501', 0, NaN, buckets({ '1': 1, '+Inf': 100 }), NaN],
  ];
  it.each(CASES)('%s: (%d, %d]', (_src, lower, upper, b, want) => {
    expectValue(bucketFraction(lower, upper, b), want);
  });
});

describe('parseGoFloat', () => {
  it.each([
    ['0.1', 0.1],
    ['.2', 0.2],
    ['1e0', 1],
    ['2.0e-1', 0.2],
    ['+Inf', Infinity],
    ['+inf', Infinity],
    ['-Infinity', -Infinity],
    ['NaN', NaN],
    ['1_000', 1000],
    ['0x1p-2', 0.25],
    ['0x1.8p1', 3],
    ['-5', -5],
  ] as const)('parses %s', (s, want) => {
    const got = parseGoFloat(s);
    expect(got).toBeTypeOf('number');
    expect(Object.is(got, want) || got === want).toBe(true);
  });

  it.each(['', 'abc', '1e400', '+NaN', ' 1', '1_', '0x1', 'Inf1', '1..2'])('rejects %j as Go does', (s) => {
    expect(parseGoFloat(s)).toBeUndefined();
  });
});
