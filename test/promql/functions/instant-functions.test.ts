// Table tests of the per-sample math functions and date functions, with the values functions.test,
// trig_functions.test and aggregators.test expect.

import { describe, expect, it } from 'vitest';
import { DATE_FUNCTIONS } from '../../../src/promql/functions/date-functions.js';
import { MATH_FUNCTIONS, clamp, clampMax, clampMin, round } from '../../../src/promql/functions/instant-functions.js';
import { almostEqual } from './series-notation.js';

function expectValue(got: number | undefined, want: number): void {
  expect(got).toBeTypeOf('number');
  expect(almostEqual(got as number, want), `got ${String(got)}, want ${String(want)}`).toBe(true);
}

// functions.test L1665: data{type=…} and the results of abs/ceil/floor/round.
const DATA: Readonly<Record<string, number>> = {
  positive: 2.5,
  whole: 2,
  negative: -2.5,
  nwhole: -2,
  zero: 0,
  nzero: -0,
  inf: Infinity,
  ninf: -Infinity,
  nan: NaN,
};
const EXPECTED: Readonly<Record<string, readonly number[]>> = {
  //          positive whole negative nwhole zero nzero inf ninf nan
  abs: [2.5, 2, 2.5, 2, 0, 0, Infinity, Infinity, NaN],
  ceil: [3, 2, -2, -2, 0, 0, Infinity, -Infinity, NaN],
  floor: [2, 2, -3, -2, 0, 0, Infinity, -Infinity, NaN],
  round: [3, 2, -2, -2, 0, 0, Infinity, -Infinity, NaN],
};

describe('MATH_FUNCTIONS', () => {
  for (const [fn, wants] of Object.entries(EXPECTED)) {
    it(`${fn} over functions.test data (L1665)`, () => {
      Object.values(DATA).forEach((v, i) => {
        const got = fn === 'round' ? round(v) : MATH_FUNCTIONS[fn]?.(v);
        expectValue(got, wants[i] as number);
      });
    });
  }

  // trig_functions.test: trig{l="x"} 10, trig{l="y"} 20.
  const TRIG: readonly (readonly [string, number, number])[] = [
    ['sin', 10, -0.5440211108893699],
    ['cos', 20, 0.40808206181339196],
    ['tan', 20, 2.2371609442247427],
    ['asin', 10 - 10.1, -0.10016742116155944],
    ['asin', 20 - 10.1, NaN],
    ['acos', 10 - 10.1, 1.670963747956456],
    ['atan', 10, 1.4711276743037345],
    ['sinh', 20, 2.4258259770489514e8],
    ['cosh', 10, 11013.232920103324],
    ['tanh', 10, 0.9999999958776927],
    ['tanh', 20, 1],
    ['asinh', 10, 2.99822295029797],
    ['acosh', 20, 3.6882538673612966],
    ['atanh', 10 - 10.1, -0.10033534773107522],
    ['rad', 10, 0.17453292519943295],
    ['rad', -10, -0.17453292519943295],
    ['deg', 20, 1145.9155902616465],
    ['deg', 0, 0],
    ['sin', NaN, NaN],
  ];
  it.each(TRIG)('%s(%d) (trig_functions.test)', (fn, v, want) => {
    expectValue(MATH_FUNCTIONS[fn]?.(v), want);
  });

  it('sgn keeps zero and NaN, maps the rest to ±1', () => {
    const sgn = MATH_FUNCTIONS['sgn'];
    expect(sgn?.(-3)).toBe(-1);
    expect(sgn?.(0.1)).toBe(1);
    expect(sgn?.(-Infinity)).toBe(-1);
    expect(Object.is(sgn?.(-0), -0)).toBe(true);
    expect(sgn?.(NaN)).toBeNaN();
  });

  it('has every function the issue lists', () => {
    const names =
      'abs ceil floor exp ln log2 log10 sqrt sgn sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh deg rad';
    for (const n of names.split(' ')) expect(MATH_FUNCTIONS[n], n).toBeTypeOf('function');
    expect(MATH_FUNCTIONS['ln']?.(Math.E)).toBe(1);
    expect(MATH_FUNCTIONS['log2']?.(8)).toBe(3);
    expect(MATH_FUNCTIONS['log10']?.(1000)).toBeCloseTo(3, 14);
    expect(MATH_FUNCTIONS['sqrt']?.(-1)).toBeNaN();
  });
});

describe('round', () => {
  // aggregators.test L130-L181: http_requests production/api-server is 100 (instance 0) and 200 (instance 1) at 50m.
  const CASES: readonly (readonly [string, number, number | undefined, number])[] = [
    ['L130', 0.004 * 100, undefined, 0],
    ['L130', 0.004 * 200, undefined, 1],
    ['L135 negative', -1 * (0.004 * 200), undefined, -1],
    ['L140 half up', 0.005 * 100, undefined, 1],
    ['L144 negative half', -1 * (0.005 * 100), undefined, 0],
    ['L152', -1 * (1 + 0.005 * 200), undefined, -2],
    ['L157 to 0.1', 0.0005 * 100, 0.1, 0.1],
    ['L161 to 0.1', 2.1 + 0.0005 * 100, 0.1, 2.2],
    ['L165 to 0.1', 5.2 + 0.0005 * 100, 0.1, 5.3],
    ['L170 negative to 0.1', -1 * (5.2 + 0.0005 * 100), 0.1, -5.2],
    ['L170 negative to 0.1', -1 * (5.2 + 0.0005 * 200), 0.1, -5.3],
    ['L175 to 5', 0.025 * 100, 5, 5],
    ['L179 to 5', 0.045 * 200, 5, 10],
  ];
  it.each(CASES)('%s: round(%d, %s)', (_src, v, to, want) => {
    expectValue(round(v, to), want);
  });
});

describe('clamp', () => {
  // functions.test L610: test_clamp -50, 0, 100.
  it('clamps as clamp/clamp_min/clamp_max (L617-L650)', () => {
    expect([-50, 0, 100].map((v) => clampMax(v, 75))).toEqual([-50, 0, 75]);
    expect([-50, 0, 100].map((v) => clampMin(v, -25))).toEqual([-25, 0, 100]);
    expect([-50, 0, 100].map((v) => clamp(v, -25, 75))).toEqual([-25, 0, 75]);
    expect([-50, 0, 100].map((v) => clampMax(clampMin(v, -20), 70))).toEqual([-20, 0, 70]);
    for (const v of [-50, 0, 100]) {
      expect(clamp(v, 0, NaN)).toBeNaN();
      expect(clamp(v, NaN, 0)).toBeNaN();
    }
  });

  it('drops the sample when max < min (L652)', () => {
    expect(clamp(0, 5, -5)).toBeUndefined();
  });
});

describe('DATE_FUNCTIONS', () => {
  // functions.test L1453-L1531.
  const CASES: readonly (readonly [string, number, number])[] = [
    ['year', 0, 1970],
    ['year', 1136239445, 2006],
    ['month', 0, 1],
    ['month', 1136239445, 1],
    ['day_of_month', 0, 1],
    ['day_of_month', 1136239445, 2],
    ['day_of_year', 0, 1],
    ['day_of_year', 1136239445, 2],
    ['day_of_week', 0, 4],
    ['day_of_week', 1136239445, 1],
    ['hour', 0, 0],
    ['hour', 1136239445, 22],
    ['minute', 0, 0],
    ['minute', 1136239445, 4],
    ['year', 1230767999, 2008],
    ['year', 1230768000, 2009],
    ['month', 1456790399, 2],
    ['day_of_month', 1456790399, 29],
    ['month', 1456790400, 3],
    ['day_of_month', 1456790400, 1],
    ['day_of_year', 1483191420, 366],
    ['day_of_year', 1672493820, 365],
    ['days_in_month', 1454284800, 29],
    ['days_in_month', 1485907200, 28],
    // Beyond the test scripts: before the epoch, and fractional seconds truncated toward zero as Go's int64().
    ['year', -1, 1969],
    ['day_of_week', -86400, 3],
    ['hour', -0.5, 0],
    ['year', 253402300800, 10000],
    ['days_in_month', 951782400, 29], // 2000-02-29: divisible by 400
    ['days_in_month', -2205100800, 28], // 1900-02-15: divisible by 100
  ];
  it.each(CASES)('%s(%d)', (fn, ts, want) => {
    expect(DATE_FUNCTIONS[fn]?.(ts)).toBe(want);
  });

  it('agrees with JS Date over a sweep of timestamps', () => {
    for (let t = -5e9; t < 5e9; t += 7_654_321.5) {
      const d = new Date(Math.trunc(t) * 1000);
      expect(DATE_FUNCTIONS['year']?.(t)).toBe(d.getUTCFullYear());
      expect(DATE_FUNCTIONS['month']?.(t)).toBe(d.getUTCMonth() + 1);
      expect(DATE_FUNCTIONS['day_of_month']?.(t)).toBe(d.getUTCDate());
      expect(DATE_FUNCTIONS['day_of_week']?.(t)).toBe(d.getUTCDay());
      expect(DATE_FUNCTIONS['hour']?.(t)).toBe(d.getUTCHours());
      expect(DATE_FUNCTIONS['minute']?.(t)).toBe(d.getUTCMinutes());
    }
  });

  it('returns NaN for non-finite input', () => {
    expect(DATE_FUNCTIONS['year']?.(NaN)).toBeNaN();
    expect(DATE_FUNCTIONS['hour']?.(Infinity)).toBeNaN();
  });
});
