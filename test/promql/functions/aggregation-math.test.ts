// Table tests of the shared float math: quantile() (aggregators.test), Kahan sums, the avg() mean, stddev/stdvar
// Welford accumulation, and Go's float formatting (count_values labels, annotation texts, error messages).

import { describe, expect, it } from 'vitest';
import {
  KahanSum,
  MeanAccumulator,
  WelfordVariance,
  invalidQuantileWarning,
  quantile,
  sortNaNFirst,
} from '../../../src/promql/functions/aggregation-math.js';
import { formatFloatGo, formatFloatGoG, formatGoFixed, formatOpenMetricsFloat } from '../../../src/runtime/go-float.js';
import { almostEqual } from './series-notation.js';

function expectValue(got: number, want: number): void {
  expect(almostEqual(got, want), `got ${String(got)}, want ${String(want)}`).toBe(true);
}

describe('quantile', () => {
  // aggregators.test L486: data{test=…} at 1m, and the quantiles L503-L549 expect.
  const DATA: Readonly<Record<string, readonly number[]>> = {
    'two samples': [0, 1],
    'three samples': [0, 1, 2],
    'uneven samples': [0, 1, 4],
    'NaN sample': [0, 1, NaN],
  };
  const CASES: readonly (readonly [number, Readonly<Record<string, number>>])[] = [
    [0.8, { 'two samples': 0.8, 'three samples': 1.6, 'uneven samples': 2.8, 'NaN sample': 0.6 }],
    [0.2, { 'two samples': 0.2, 'three samples': 0.4, 'uneven samples': 0.4, 'NaN sample': NaN }],
    [NaN, { 'two samples': NaN, 'three samples': NaN, 'uneven samples': NaN, 'NaN sample': NaN }],
    [0, { 'two samples': 0, 'three samples': 0, 'uneven samples': 0, 'NaN sample': NaN }],
    [1, { 'two samples': 1, 'three samples': 2, 'uneven samples': 4, 'NaN sample': 1 }],
    [-1, { 'two samples': -Infinity, 'NaN sample': -Infinity }],
    [2, { 'two samples': Infinity, 'NaN sample': Infinity }],
  ];
  for (const [q, wants] of CASES) {
    for (const [test, want] of Object.entries(wants)) {
      it(`q=${q} over ${test} (number[] and Float64Array)`, () => {
        const values = DATA[test] as readonly number[];
        expectValue(quantile(q, values.slice()), want);
        expectValue(quantile(q, Float64Array.from(values)), want);
      });
    }
  }

  it('is NaN for no values and honours the length of a larger scratch buffer', () => {
    expect(quantile(0.5, [])).toBeNaN();
    const scratch = new Float64Array([4, 0, 1, 99, -99]);
    expectValue(quantile(0.5, scratch, 3), 1);
    expect(Array.from(scratch.subarray(3))).toEqual([99, -99]);
  });

  it('sorts NaN first', () => {
    expect(Array.from(sortNaNFirst(new Float64Array([3, NaN, 1, NaN, 2])))).toEqual([NaN, NaN, 1, 2, 3]);
    expect(sortNaNFirst([3, NaN, -Infinity, 2])).toEqual([NaN, -Infinity, 2, 3]);
  });

  it('words the invalid-quantile warning as Prometheus does', () => {
    expect(invalidQuantileWarning(0.5)).toBeUndefined();
    expect(invalidQuantileWarning(NaN)).toBe('PromQL warning: quantile value should be between 0 and 1, got NaN');
    expect(invalidQuantileWarning(1.5)).toBe('PromQL warning: quantile value should be between 0 and 1, got 1.5');
    expect(invalidQuantileWarning(-0.1)).toBe('PromQL warning: quantile value should be between 0 and 1, got -0.1');
  });
});

function sum(values: readonly number[]): number {
  const k = new KahanSum();
  for (const v of values) k.add(v);
  return k.value();
}

function mean(values: readonly number[]): number {
  const m = new MeanAccumulator();
  for (const v of values) m.add(v);
  return m.value();
}

describe('KahanSum and MeanAccumulator', () => {
  const big = 9.988465674311579e307;
  // aggregators.test L585-L661 (avg) and L664-L728 (sum/avg of extreme values), inputs in label order.
  const CASES: readonly (readonly [string, readonly number[], number | undefined, number])[] = [
    ['ten', [8, 10, 12], 30, 10],
    ['inf', [0, Infinity, 0, Infinity], Infinity, Infinity],
    ['inf2', [Infinity, 0, Infinity], Infinity, Infinity],
    ['inf3', [Infinity, Infinity, -Infinity], NaN, NaN],
    ['-inf', [-Infinity, -Infinity, 0], -Infinity, -Infinity],
    ['-inf3', [-Infinity, Infinity, -Infinity], NaN, NaN],
    ['nan', [-Infinity, 0, Infinity], NaN, NaN],
    ['big', [big, big, big, big], Infinity, big],
    ['-big', [-big, -big, -big, -big], -Infinity, -big],
    ['bigzero', [-big, -big, big, big], undefined, 0],
    ['ten (Kahan)', [2, 8, 1e100, -1e100], 10, 2.5],
    ['pos_inf', [Infinity, 2], Infinity, Infinity],
    ['neg_inf', [2, -Infinity], -Infinity, -Infinity],
    ['inf_inf', [Infinity, -Infinity], NaN, NaN],
    ['nan group', [NaN, 2], NaN, NaN],
    ['value is nan', [NaN], NaN, NaN],
    ['52 x 5 is exactly 52 (L749)', [52, 52, 52, 52, 52], 260, 52],
    ['functions.test L1111', [1.78264e50, 0.76342771, 1.9592258, 2.258e220, 7.69805412, 458.90154], undefined, 3.76333333333333e219],
  ];
  it.each(CASES)('%s', (_name, values, wantSum, wantMean) => {
    if (wantSum !== undefined) expectValue(sum(values), wantSum);
    expectValue(mean(values), wantMean);
  });

  it('gives exactly 52 for many equal values (the direct-mean precision aggregators.test relies on)', () => {
    for (let n = 1; n <= 20; n++) expect(mean(new Array<number>(n).fill(52))).toBe(52);
  });

  it('resets for reuse', () => {
    const m = new MeanAccumulator();
    m.add(1e308);
    m.add(1e308);
    m.reset();
    m.add(4);
    expect(m.value()).toBe(4);
    expect(m.count).toBe(1);
  });
});

describe('WelfordVariance', () => {
  function variance(values: readonly number[]): number {
    const w = new WelfordVariance();
    for (const v of values) w.add(v);
    return w.variance();
  }
  // aggregators.test L184-L209 (http_requests at 50m: 100..800), L798-L863.
  const http = [100, 200, 300, 400, 500, 600, 700, 800];
  it.each([
    ['stdvar(http_requests) L191', http, 52500],
    ['stdvar by instance L194', [100, 300, 500, 700], 50000],
    ['equal values', [13.3, 13.3, 13.3], 0],
    ['L809', [1, 2], 0.25],
    ['L862 NaN', [1, 2, NaN], NaN],
    ['NaN first', [NaN, 1], NaN],
    ['Inf first', [Infinity, 1], NaN],
    ['single', [5], 0],
  ] as const)('%s', (_name, values, want) => {
    expectValue(variance(values), want);
  });

  it('stddev is the square root (L184)', () => {
    const w = new WelfordVariance();
    for (const v of http) w.add(v);
    expectValue(w.stddev(), 229.12878474779);
  });

  it('gives exactly zero for identical accumulated values (L205)', () => {
    let v = 0;
    for (let i = 0; i < 10; i++) v += 1.33;
    const w = new WelfordVariance();
    for (let i = 0; i < 3; i++) w.add(v);
    expect(w.variance()).toBe(0);
  });
});

describe('Go float formatting', () => {
  it.each([
    [6, '6'],
    [0.1, '0.1'],
    [-2.5, '-2.5'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [123456789.125, '123456789.125'],
    [-0, '-0'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [5e-324, '0.' + '0'.repeat(323) + '5'],
  ] as const)("formatFloatGo(%d) = %s ('f', -1)", (v, want) => {
    expect(formatFloatGo(v)).toBe(want);
  });

  it.each([
    [1000000, '1e+06'],
    [123456, '123456'],
    [1234567, '1.234567e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [2.5e-300, '2.5e-300'],
    [1.5, '1.5'],
    [-0, '-0'],
    [NaN, 'NaN'],
    [-Infinity, '-Inf'],
  ] as const)("formatFloatGoG(%d) = %s ('g', -1)", (v, want) => {
    expect(formatFloatGoG(v)).toBe(want);
  });

  it.each([
    [0, '0.000000'],
    [1, '1.000000'],
    [0.5, '0.500000'],
    [-1.25, '-1.250000'],
    [1e22, '10000000000000000000000.000000'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
  ] as const)('formatGoFixed(%d) = %s (%%f)', (v, want) => {
    expect(formatGoFixed(v)).toBe(want);
  });

  it.each([
    [0, '0.0'],
    [-0, '0.0'],
    [1, '1.0'],
    [-1, '-1.0'],
    [0.25, '0.25'],
    [1.01, '1.01'],
    [-0.1, '-0.1'],
    [1e6, '1e+06'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
  ] as const)('formatOpenMetricsFloat(%d) = %s (histograms.test L601 q labels)', (v, want) => {
    expect(formatOpenMetricsFloat(v)).toBe(want);
  });
});
