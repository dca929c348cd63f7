// Table tests of the range-vector functions, each case restating an eval of ../shared/promql-testdata/functions.test
// (line numbers given) with the series it loads, and a few edge cases of Prometheus's functions.go.

import { describe, expect, it } from 'vitest';
import {
  RANGE_FUNCTIONS,
  validateDoubleExponentialSmoothingArgs,
} from '../../../src/promql/functions/range-functions.js';
import { InvalidArgumentError } from '../../../src/runtime/errors.js';
import { almostEqual, windowOf } from './series-notation.js';

interface Case {
  /** functions.test line of the eval, or a short reason. */
  readonly src: string;
  readonly fn: string;
  readonly series: string;
  readonly interval: string;
  readonly at: string;
  readonly range: string;
  readonly offset?: string;
  readonly args?: readonly number[];
  /** undefined: the function must produce no sample. */
  readonly want: number | undefined;
}

const foo = '1 2 3 0 1 0 0 1 2 0';
const bar = '1 2 3 4 5 1 2 3 4 5';
const biz = '0 0 0 0 0 1 1 1 1 1';

const CASES: readonly Case[] = [
  // resets() / changes(), load 5m at the top of the file.
  { src: 'L10 empty window', fn: 'resets', series: foo, interval: '5m', at: '50m', range: '5m', want: undefined },
  { src: 'L12 foo', fn: 'resets', series: foo, interval: '5m', at: '50m', range: '10m', want: 0 },
  { src: 'L22 foo', fn: 'resets', series: foo, interval: '5m', at: '50m', range: '20m', want: 1 },
  { src: 'L32 foo', fn: 'resets', series: foo, interval: '5m', at: '50m', range: '32m', want: 2 },
  { src: 'L32 bar', fn: 'resets', series: bar, interval: '5m', at: '50m', range: '32m', want: 1 },
  { src: 'L37 foo', fn: 'resets', series: foo, interval: '5m', at: '50m', range: '50m', want: 3 },
  { src: 'L37 biz', fn: 'resets', series: biz, interval: '5m', at: '50m', range: '50m', want: 0 },
  { src: 'L62 foo', fn: 'changes', series: foo, interval: '5m', at: '50m', range: '20m', want: 2 },
  { src: 'L67 bar', fn: 'changes', series: bar, interval: '5m', at: '50m', range: '30m', want: 4 },
  { src: 'L72 foo', fn: 'changes', series: foo, interval: '5m', at: '50m', range: '50m', want: 7 },
  { src: 'L72 bar', fn: 'changes', series: bar, interval: '5m', at: '50m', range: '50m', want: 8 },
  { src: 'L72 biz', fn: 'changes', series: biz, interval: '5m', at: '50m', range: '50m', want: 1 },
  { src: 'L107 NaN→NaN', fn: 'changes', series: 'NaN NaN NaN', interval: '5m', at: '15m', range: '20m', want: 0 },
  { src: 'L107 0 NaN 0', fn: 'changes', series: '0 NaN 0', interval: '5m', at: '15m', range: '20m', want: 2 },
  // increase()
  { src: 'L120 foo', fn: 'increase', series: '0+10x10', interval: '5m', at: '50m', range: '50m', want: 100 },
  { src: 'L120 bar', fn: 'increase', series: '0+18x5 0+18x5', interval: '5m', at: '50m', range: '50m', want: 160 },
  { src: 'L120 dings', fn: 'increase', series: '10+10x10', interval: '5m', at: '50m', range: '50m', want: 100 },
  { src: 'L134 bar', fn: 'increase', series: '0+18x5 0+18x5', interval: '5m', at: '50m', range: '100m', want: 162 },
  { src: 'L134 dings', fn: 'increase', series: '10+10x10', interval: '5m', at: '50m', range: '100m', want: 105 },
  { src: 'L134 bumms', fn: 'increase', series: '1+10x10', interval: '5m', at: '50m', range: '100m', want: 101 },
  { src: 'L150 reset', fn: 'increase', series: '0 1 2 3 2 3 4', interval: '5m', at: '30m', range: '30m', want: 7 },
  // rate()
  { src: 'L162', fn: 'rate', series: '0+27x4 0+27x5', interval: '5m', at: '50m', range: '50m', want: 0.08 },
  { src: 'L166 one sample', fn: 'rate', series: '0+10x9 0 10', interval: '5m', at: '50m', range: '5m', want: undefined },
  { src: 'L168', fn: 'rate', series: '0+10x9 0 10', interval: '5m', at: '50m', range: '6m', want: 0 },
  { src: 'L179', fn: 'rate', series: '0+80x10', interval: '5m', at: '50m', range: '50m', want: 0.26666666666666666 },
  {
    src: 'L182 offset',
    fn: 'rate',
    series: '0+10x10',
    interval: '5m',
    at: '50m',
    range: '10m',
    offset: '5m',
    want: 0.03333333333333333,
  },
  { src: 'L199 0m', fn: 'rate', series: '0+240x10', interval: '4m', at: '10m', range: '20m', want: 0.5 },
  { src: 'L199 1m', fn: 'rate', series: '60+240x10', interval: '4m', at: '10m', range: '20m', want: 0.55 },
  { src: 'L199 2m', fn: 'rate', series: '120+240x10', interval: '4m', at: '10m', range: '20m', want: 0.6 },
  { src: 'L199 5m', fn: 'rate', series: '300+240x10', interval: '4m', at: '10m', range: '20m', want: 0.6 },
  { src: 'L208 0m', fn: 'rate', series: '0+240x10', interval: '4m', at: '50m', range: '20m', want: 0.6 },
  // irate() / idelta()
  { src: 'L230 foo', fn: 'irate', series: '0+10x10', interval: '5m', at: '50m', range: '50m', want: 1 / 30 },
  { src: 'L236 reset', fn: 'irate', series: '0+10x5 0+10x5', interval: '5m', at: '30m', range: '50m', want: 0 },
  { src: 'L241 5m', fn: 'irate', series: '1 NaN NaN 5 11', interval: '5m', at: '5m', range: '15m1s', want: NaN },
  { src: 'L241 15m', fn: 'irate', series: '1 NaN NaN 5 11', interval: '5m', at: '15m', range: '15m1s', want: NaN },
  { src: 'L241 20m', fn: 'irate', series: '1 NaN NaN 5 11', interval: '5m', at: '20m', range: '15m1s', want: 0.02 },
  { src: 'L241 0m', fn: 'irate', series: '1 NaN NaN 5 11', interval: '5m', at: '0m', range: '15m1s', want: undefined },
  // delta() / idelta()
  { src: 'L295 foo', fn: 'delta', series: '0 50 100 150 200', interval: '5m', at: '20m', range: '20m', want: 200 },
  { src: 'L295 bar', fn: 'delta', series: '200 150 100 50 0', interval: '5m', at: '20m', range: '20m', want: -200 },
  { src: 'L331 foo', fn: 'idelta', series: '0 50 100 150', interval: '5m', at: '20m', range: '20m', want: 50 },
  { src: 'L331 bar', fn: 'idelta', series: '0 50 100 50', interval: '5m', at: '20m', range: '20m', want: -50 },
  { src: 'L336 20m', fn: 'idelta', series: '1 NaN NaN 5 11', interval: '5m', at: '20m', range: '15m1s', want: 6 },
  { src: 'L336 10m', fn: 'idelta', series: '1 NaN NaN 5 11', interval: '5m', at: '10m', range: '15m1s', want: NaN },
  // deriv() / predict_linear()
  { src: 'L375', fn: 'deriv', series: '0+80x10', interval: '5m', at: '50m', range: '50m', want: 0.26666666666666666 },
  {
    src: 'L380',
    fn: 'deriv',
    series: '0+10x4 0+10x5',
    interval: '5m',
    at: '50m',
    range: '100m',
    want: 0.010606060606060607,
  },
  { src: 'L398 ±Inf', fn: 'deriv', series: '-Inf 0+80x10 Inf', interval: '5m', at: '100m', range: '100m', want: NaN },
  {
    src: 'L417',
    fn: 'predict_linear',
    series: '0+10x4 0+10x5',
    interval: '5m',
    at: '50m',
    range: '50m',
    args: [3600],
    want: 70,
  },
  {
    src: 'L460 ±Inf',
    fn: 'predict_linear',
    series: '-Inf 0+80x10 Inf',
    interval: '5m',
    at: '100m',
    range: '100m',
    args: [6000],
    want: NaN,
  },
  // double_exponential_smoothing()
  {
    src: 'L898 production/0',
    fn: 'double_exponential_smoothing',
    series: '0+10x1000 100+30x1000',
    interval: '10s',
    at: '8000s',
    range: '1m',
    args: [0.01, 0.1],
    want: 8000,
  },
  {
    src: 'L898 canary/0',
    fn: 'double_exponential_smoothing',
    series: '0+30x1000 300+80x1000',
    interval: '10s',
    at: '8000s',
    range: '1m',
    args: [0.01, 0.1],
    want: 24000,
  },
  {
    src: 'L926 production/0',
    fn: 'double_exponential_smoothing',
    series: '8000-10x1000',
    interval: '10s',
    at: '8000s',
    range: '1m',
    args: [0.01, 0.1],
    want: 0,
  },
  {
    src: 'L926 canary/1',
    fn: 'double_exponential_smoothing',
    series: '0-40x1000 0+40x1000',
    interval: '10s',
    at: '8000s',
    range: '1m',
    args: [0.01, 0.1],
    want: -32000,
  },
  // avg_over_time() / sum_over_time(): precision and infinities (load 10s at L936).
  { src: 'L955 none', fn: 'avg_over_time', series: '1 2 3 4 5', interval: '10s', at: '55s', range: '10s', want: undefined },
  { src: 'L958 one', fn: 'avg_over_time', series: '1 2 3 4 5', interval: '10s', at: '55s', range: '20s', want: 5 },
  { src: 'L962', fn: 'avg_over_time', series: '1 2 3 4 5', interval: '10s', at: '55s', range: '1m', want: 3 },
  { src: 'L967', fn: 'avg_over_time', series: '1 2 3 4 Inf', interval: '10s', at: '55s', range: '1m', want: Infinity },
  { src: 'L979', fn: 'avg_over_time', series: '1 2 3 Inf -Inf', interval: '10s', at: '55s', range: '1m', want: NaN },
  { src: 'L985', fn: 'avg_over_time', series: 'Inf 0 Inf', interval: '10s', at: '55s', range: '1m', want: Infinity },
  { src: 'L997', fn: 'avg_over_time', series: 'Inf Inf Inf -Inf', interval: '10s', at: '55s', range: '1m', want: NaN },
  { src: 'L1009', fn: 'avg_over_time', series: '-Inf 0 -Inf', interval: '10s', at: '55s', range: '1m', want: -Infinity },
  { src: 'L1021', fn: 'avg_over_time', series: '1 2 -Inf -Inf Inf', interval: '10s', at: '55s', range: '1m', want: NaN },
  {
    src: 'L1027 overflow',
    fn: 'avg_over_time',
    series: '9.988465674311579e+307 9.988465674311579e+307',
    interval: '10s',
    at: '55s',
    range: '1m',
    want: 9.988465674311579e307,
  },
  {
    src: 'L1031 overflow',
    fn: 'sum_over_time',
    series: '9.988465674311579e+307 9.988465674311579e+307',
    interval: '10s',
    at: '55s',
    range: '1m',
    want: Infinity,
  },
  {
    src: 'L1041',
    fn: 'avg_over_time',
    series: '-9.988465674311579e+307 9.988465674311579e+307',
    interval: '10s',
    at: '55s',
    range: '1m',
    want: 0,
  },
  { src: 'L1048', fn: 'avg_over_time', series: '1 2 3 NaN NaN', interval: '10s', at: '20s', range: '1m', want: 2 },
  { src: 'L1051', fn: 'avg_over_time', series: '1 2 3 NaN NaN', interval: '10s', at: '30s', range: '1m', want: NaN },
  { src: 'L1084 kahan', fn: 'sum_over_time', series: '1 1e100 1 -1e100', interval: '10s', at: '1m', range: '2m', want: 2 },
  { src: 'L1087', fn: 'avg_over_time', series: '1 1e100 1 -1e100', interval: '10s', at: '1m', range: '2m', want: 0.5 },
  {
    src: 'L1099',
    fn: 'avg_over_time',
    series: '1e10 1e-6 1e-6 1e-6 1e-6 1e-6',
    interval: '5s',
    at: '55s',
    range: '1m',
    want: 1.6666666666666675e9,
  },
  {
    src: 'L1102',
    fn: 'avg_over_time',
    series: '5.30921651659898 0.961118537914768 1.62091361305318 0.865089463758091 0.323055185914577 0.951811357687154',
    interval: '5s',
    at: '55s',
    range: '1m',
    want: 1.67186744582113,
  },
  {
    src: 'L1111',
    fn: 'avg_over_time',
    series: '1.78264E+50 0.76342771 1.9592258 2.258E+220 7.69805412 458.90154',
    interval: '5s',
    at: '55s',
    range: '1m',
    want: 3.76333333333333e219,
  },
  {
    src: 'L1134',
    fn: 'avg_over_time',
    series: '-1.78264E+219 0.76342771 1.9592258 2.3757689E+217 -2.3757689E+217 2.258E+220 7.69805412 1.78264E+219 -458.90154',
    interval: '5s',
    at: '55s',
    range: '1m',
    want: 2.5088888888888888e219,
  },
  {
    src: 'L1148 cancels to 0',
    fn: 'avg_over_time',
    series:
      '-2.258E+220 -1.78264E+219 0.76342771 1.9592258 2.3757689E+217 -2.3757689E+217 2.258E+220 7.69805412 1.78264E+219 -458.90154',
    interval: '5s',
    at: '55s',
    range: '1m',
    want: 0,
  },
  { src: 'L1183 exact', fn: 'avg_over_time', series: '52+0x100', interval: '10s', at: '10m', range: '130s', want: 52 },
  { src: 'L1204', fn: 'sum_over_time', series: '1+0x4000', interval: '1ms', at: '4s', range: '1000ms', want: 1000 },
  { src: 'L1228', fn: 'sum_over_time', series: '1+0x4000', interval: '1ms', at: '4s', range: '3003ms', want: 3003 },
  // stddev / stdvar / mad / quantile over time.
  { src: 'L1240', fn: 'stdvar_over_time', series: '0 8 8 2 3', interval: '10s', at: '1m', range: '2m', want: 10.56 },
  { src: 'L1243', fn: 'stddev_over_time', series: '0 8 8 2 3', interval: '10s', at: '1m', range: '2m', want: 3.249615 },
  {
    src: 'L1270 #4927',
    fn: 'stdvar_over_time',
    series: '1.5990505637277868 1.5990505637277868 1.5990505637277868',
    interval: '10s',
    at: '55s',
    range: '1m',
    want: 0,
  },
  { src: 'L1287', fn: 'mad_over_time', series: '4 6 2 1 999 1 2', interval: '10s', at: '70s', range: '70s', want: 1 },
  { src: 'L1292', fn: 'mad_over_time', series: '1 2 3 4 5', interval: '10s', at: '40s', range: '50s', want: 1 },
  { src: 'L1297', fn: 'mad_over_time', series: '7 7 7 7 7', interval: '10s', at: '40s', range: '50s', want: 0 },
  { src: 'L1302', fn: 'mad_over_time', series: '5', interval: '10s', at: '0s', range: '10s', want: 0 },
  { src: 'L1307', fn: 'mad_over_time', series: '1 2 NaN 4', interval: '10s', at: '30s', range: '40s', want: NaN },
  { src: 'L1315 mix', fn: 'mad_over_time', series: '1 1 1', interval: '10s', at: '70s', range: '70s', want: 0 },
  { src: 'L1388', fn: 'quantile_over_time', series: '0 1', interval: '10s', at: '1m', range: '2m', args: [0.5], want: 0.5 },
  { src: 'L1395', fn: 'quantile_over_time', series: '0 1 4', interval: '10s', at: '1m', range: '2m', args: [0.75], want: 2.5 },
  { src: 'L1402', fn: 'quantile_over_time', series: '0 1 4', interval: '10s', at: '1m', range: '2m', args: [0.8], want: 2.8 },
  { src: 'L1409', fn: 'quantile_over_time', series: '0 1 2', interval: '10s', at: '1m', range: '2m', args: [1], want: 2 },
  { src: 'L1416', fn: 'quantile_over_time', series: '0 1', interval: '10s', at: '1m', range: '2m', args: [-1], want: -Infinity },
  { src: 'L1423', fn: 'quantile_over_time', series: '0 1', interval: '10s', at: '1m', range: '2m', args: [2], want: Infinity },
  { src: 'NaN q', fn: 'quantile_over_time', series: '0 1', interval: '10s', at: '1m', range: '2m', args: [NaN], want: NaN },
  // ts_of_* over time (load 10s53ms at L1321 / L1332 / L1350).
  { src: 'L1324', fn: 'ts_of_min_over_time', series: '1 2 3 0 5 6 2 1 4', interval: '10s53ms', at: '90s', range: '90s', want: 30.159 },
  { src: 'L1327', fn: 'ts_of_max_over_time', series: '1 2 3 0 5 6 2 1 4', interval: '10s53ms', at: '90s', range: '90s', want: 50.265 },
  { src: 'L1337', fn: 'ts_of_last_over_time', series: '1 2 3 _ _', interval: '10s53ms', at: '90s', range: '90s', want: 20.106 },
  { src: 'L1354', fn: 'ts_of_first_over_time', series: '_ _ 1 2 3 _ _', interval: '10s53ms', at: '90s', range: '90s', want: 20.106 },
  { src: 'L1360', fn: 'ts_of_first_over_time', series: '_ _ 1 2 3 _ _', interval: '10s53ms', at: '15s', range: '90s', want: undefined },
  // min/max/last/first/count over time (load 10s at L1564).
  { src: 'L1585 numbers', fn: 'min_over_time', series: '2 0 3', interval: '10s', at: '1m', range: '2m', want: 0 },
  { src: 'L1585 some_nan', fn: 'min_over_time', series: '2 0 NaN', interval: '10s', at: '1m', range: '2m', want: 0 },
  { src: 'L1585 some_nan2', fn: 'min_over_time', series: '2 NaN 1', interval: '10s', at: '1m', range: '2m', want: 1 },
  { src: 'L1585 some_nan3', fn: 'min_over_time', series: 'NaN 0 1', interval: '10s', at: '1m', range: '2m', want: 0 },
  { src: 'L1585 only_nan', fn: 'min_over_time', series: 'NaN NaN NaN', interval: '10s', at: '1m', range: '2m', want: NaN },
  { src: 'L1602 sparse', fn: 'min_over_time', series: '_ 5 2 _ 4 _', interval: '10s', at: '1m', range: '2m', want: 2 },
  { src: 'L1605 some_nan2', fn: 'max_over_time', series: '2 NaN 1', interval: '10s', at: '1m', range: '2m', want: 2 },
  { src: 'L1605 some_nan3', fn: 'max_over_time', series: 'NaN 0 1', interval: '10s', at: '1m', range: '2m', want: 1 },
  { src: 'L1621 some_nan', fn: 'last_over_time', series: '2 0 NaN', interval: '10s', at: '1m', range: '2m', want: NaN },
  { src: 'L1621 sparse', fn: 'last_over_time', series: '_ 5 2 _ 4 _', interval: '10s', at: '1m', range: '2m', want: 4 },
  { src: 'L1633 some_nan3', fn: 'first_over_time', series: 'NaN 0 1', interval: '10s', at: '1m', range: '2m', want: NaN },
  { src: 'L1645 sparse', fn: 'count_over_time', series: '_ 5 2 _ 4 _', interval: '10s', at: '1m', range: '2m', want: 3 },
  { src: 'empty window', fn: 'count_over_time', series: '_ _ _', interval: '10s', at: '1m', range: '2m', want: undefined },
  { src: 'present', fn: 'present_over_time', series: '_ 5 _', interval: '10s', at: '1m', range: '2m', want: 1 },
];

describe('RANGE_FUNCTIONS', () => {
  it.each(CASES.map((c) => [`${c.fn} ${c.src}`, c] as const))('%s', (_name, c) => {
    const fn = RANGE_FUNCTIONS[c.fn];
    expect(fn, `function ${c.fn} is registered`).toBeDefined();
    const w = windowOf(c.series, c.interval, c.at, c.range, c.offset);
    const got = fn?.(w.samples, w.start, w.end, c.args ?? [], w.evalTs);
    if (c.want === undefined) {
      expect(got).toBeUndefined();
      return;
    }
    expect(got).toBeTypeOf('number');
    expect(almostEqual(got as number, c.want), `got ${String(got)}, want ${String(c.want)}`).toBe(true);
  });

  it('predict_linear anchors at the evaluation time, not the range end (L426-L440, `@ 3000`)', () => {
    const series = '0+10x4 0+10x5';
    const fn = RANGE_FUNCTIONS['predict_linear'];
    // `[55m] @ 3000` selects the same window whatever the evaluation time; only evalTs moves the prediction.
    const w = windowOf(series, '5m', '50m', '55m');
    expect(fn?.(w.samples, w.start, w.end, [3600], 3_000_000)).toBeCloseTo(76.81818181818181, 9);
    expect(fn?.(w.samples, w.start, w.end, [3600], 600_000)).toBeCloseTo(51.36363636363637, 9);
    expect(fn?.(w.samples, w.start, w.end, [3600], 4_200_000)).toBeCloseTo(89.54545454545455, 9);
    // Without evalTs the range end is used.
    expect(fn?.(w.samples, w.start, w.end, [3600])).toBeCloseTo(76.81818181818181, 9);
  });

  it('double_exponential_smoothing rejects factors outside (0, 1) with Prometheus text', () => {
    expect(validateDoubleExponentialSmoothingArgs(0.5, 0.5)).toBeUndefined();
    expect(validateDoubleExponentialSmoothingArgs(0, 0.5)).toBe(
      'invalid smoothing factor. Expected: 0 < sf < 1, got: 0.000000',
    );
    expect(validateDoubleExponentialSmoothingArgs(0.5, 1)).toBe(
      'invalid trend factor. Expected: 0 < tf < 1, got: 1.000000',
    );
    expect(validateDoubleExponentialSmoothingArgs(NaN, 0.5)).toBe(
      'invalid smoothing factor. Expected: 0 < sf < 1, got: NaN',
    );
    const w = windowOf('1 2 3', '10s', '30s', '1m');
    expect(() => RANGE_FUNCTIONS['double_exponential_smoothing']?.(w.samples, w.start, w.end, [1.5, 0.5])).toThrow(
      InvalidArgumentError,
    );
    // Fewer than two samples: no output, but the factors are still checked as soon as the series has a sample.
    const one = windowOf('1', '10s', '0s', '1m');
    expect(RANGE_FUNCTIONS['double_exponential_smoothing']?.(one.samples, one.start, one.end, [0.5, 0.5])).toBeUndefined();
  });
});
