// Implementations of PromQL's functions over a range vector (float samples), one window at a time, with
// Prometheus 3's exact semantics (promql/functions.go). The engine selects the window and calls these per series.

import { InvalidArgumentError } from '../../runtime/errors.js';
import { kahanCompensation } from './aggregation-math.js';
import {
  avgOverTime,
  madOverTime,
  maxOverTime,
  minOverTime,
  quantileOverTime,
  sumOverTime,
  tsOfExtremeOverTime,
  varianceOverTime,
} from './over-time-functions.js';
import { formatGoFixed } from '../../runtime/go-float.js';
import { extrapolatedRateIn } from './window-functions.js';

/**
 * The float samples of one series inside one window: ms timestamps ascending, only samples in the left-open
 * window (rangeStartMs, rangeEndMs], stale markers removed. Index i < length; the arrays may be longer (reused).
 */
export interface RangeSamples {
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  readonly length: number;
}

/**
 * One range function. `args` are the scalar arguments in call order without the matrix (quantile_over_time(q, m)
 * gets [q], predict_linear(m, t) gets [t], double_exponential_smoothing(m, sf, tf) gets [sf, tf]).
 * `evalTsMs` is the evaluation step's timestamp (before offset and `@`); only predict_linear reads it, because
 * Prometheus anchors its prediction at the evaluation time. It defaults to rangeEndMs.
 * Returns undefined when the series produces no output sample for this step.
 */
export type RangeFunction = (
  s: RangeSamples,
  rangeStartMs: number,
  rangeEndMs: number,
  args: readonly number[],
  evalTsMs?: number,
) => number | undefined;

/** rate/increase/delta over a whole RangeSamples (see extrapolatedRateIn). */
function extrapolatedRate(
  s: RangeSamples,
  rangeStart: number,
  rangeEnd: number,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  return extrapolatedRateIn(s.ts, s.vs, 0, s.length, rangeStart, rangeEnd, isCounter, isRate);
}

/** irate/idelta: the last two samples only; a counter reset makes irate use the last value as the increase. */
function instantValue(s: RangeSamples, isRate: boolean): number | undefined {
  const n = s.length;
  if (n < 2) return undefined;
  const t0 = s.ts[n - 2] as number;
  const t1 = s.ts[n - 1] as number;
  const v0 = s.vs[n - 2] as number;
  const v1 = s.vs[n - 1] as number;
  const interval = t1 - t0;
  if (interval === 0) return undefined;
  let result = v1;
  if (!isRate || !(v1 < v0)) result = v1 - v0;
  if (isRate) result /= interval / 1000;
  return result;
}

/** A least-squares line: value = intercept + slope × (seconds since the intercept time). */
interface Regression {
  readonly slope: number;
  readonly intercept: number;
}

/**
 * Least-squares fit of value over time (seconds relative to interceptTime), with compensated sums. A constant
 * series has slope 0 (or NaN when the constant is infinite) and its value as the intercept.
 */
function linearRegression(s: RangeSamples, interceptTime: number): Regression {
  const n = s.length;
  const ts = s.ts;
  const vs = s.vs;
  const initY = vs[0] as number;
  let constY = true;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  for (let i = 0; i < n; i++) {
    const y = vs[i] as number;
    if (constY && i > 0 && y !== initY) constY = false;
    const x = ((ts[i] as number) - interceptTime) / 1e3;
    let t = sumX + x;
    cX = kahanCompensation(sumX, x, t, cX);
    sumX = t;
    t = sumY + y;
    cY = kahanCompensation(sumY, y, t, cY);
    sumY = t;
    const xy = x * y;
    t = sumXY + xy;
    cXY = kahanCompensation(sumXY, xy, t, cXY);
    sumXY = t;
    const xx = x * x;
    t = sumX2 + xx;
    cX2 = kahanCompensation(sumX2, xx, t, cX2);
    sumX2 = t;
  }
  if (constY) {
    return initY === Infinity || initY === -Infinity ? { slope: NaN, intercept: NaN } : { slope: 0, intercept: initY };
  }
  // Prometheus adds the compensations unconditionally here (unlike sum_over_time).
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return { slope, intercept: sumY / n - (slope * sumX) / n };
}

function deriv(s: RangeSamples): number | undefined {
  if (s.length < 2) return undefined;
  // Regressing around the first sample's time keeps the numbers small (prometheus issue 2674).
  return linearRegression(s, s.ts[0] as number).slope;
}

function predictLinear(
  s: RangeSamples,
  _start: number,
  rangeEnd: number,
  args: readonly number[],
  evalTsMs?: number,
): number | undefined {
  if (s.length < 2 || args.length < 1) return undefined;
  const duration = args[0] as number;
  const { slope, intercept } = linearRegression(s, evalTsMs ?? rangeEnd);
  return slope * duration + intercept;
}

/** How many neighbouring sample pairs `step` holds for (resets and changes); undefined for no samples. */
function countSteps(s: RangeSamples, step: (prev: number, cur: number) => boolean): number | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  let count = 0;
  let prev = s.vs[0] as number;
  for (let i = 1; i < n; i++) {
    const cur = s.vs[i] as number;
    if (step(prev, cur)) count++;
    prev = cur;
  }
  return count;
}

function resets(s: RangeSamples): number | undefined {
  return countSteps(s, (prev, cur) => cur < prev);
}

function changes(s: RangeSamples): number | undefined {
  // NaN to NaN is no change; anything else unequal (including NaN to a number) is one.
  return countSteps(s, (prev, cur) => cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev)));
}

/**
 * The error Prometheus raises for double_exponential_smoothing's factors (both must lie strictly between 0 and
 * 1), or undefined when they are valid. Prometheus raises it only when a series has samples in the window.
 */
export function validateDoubleExponentialSmoothingArgs(sf: number, tf: number): string | undefined {
  if (!(sf > 0 && sf < 1)) return `invalid smoothing factor. Expected: 0 < sf < 1, got: ${formatGoFixed(sf)}`;
  if (!(tf > 0 && tf < 1)) return `invalid trend factor. Expected: 0 < tf < 1, got: ${formatGoFixed(tf)}`;
  return undefined;
}

/** Holt's linear smoothing; throws InvalidArgumentError with Prometheus's text for out-of-range factors. */
function doubleExponentialSmoothing(
  s: RangeSamples,
  _a: number,
  _b: number,
  args: readonly number[],
): number | undefined {
  const n = s.length;
  if (n === 0 || args.length < 2) return undefined;
  const sf = args[0] as number;
  const tf = args[1] as number;
  const invalid = validateDoubleExponentialSmoothingArgs(sf, tf);
  if (invalid !== undefined) throw new InvalidArgumentError(invalid);
  if (n < 2) return undefined;
  const vs = s.vs;
  let s0 = 0;
  let s1 = vs[0] as number;
  let b = (vs[1] as number) - (vs[0] as number);
  for (let i = 1; i < n; i++) {
    const x = sf * (vs[i] as number);
    // The trend of the first step is the initial difference; later ones blend the last smoothing step in.
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

export const RANGE_FUNCTIONS: Readonly<Record<string, RangeFunction>> = Object.freeze({
  rate: (s, a, b) => extrapolatedRate(s, a, b, true, true),
  increase: (s, a, b) => extrapolatedRate(s, a, b, true, false),
  delta: (s, a, b) => extrapolatedRate(s, a, b, false, false),
  irate: (s) => instantValue(s, true),
  idelta: (s) => instantValue(s, false),
  deriv: (s) => deriv(s),
  predict_linear: predictLinear,
  resets: (s) => resets(s),
  changes: (s) => changes(s),
  avg_over_time: (s) => avgOverTime(s),
  min_over_time: (s) => minOverTime(s),
  max_over_time: (s) => maxOverTime(s),
  sum_over_time: (s) => sumOverTime(s),
  count_over_time: (s) => (s.length === 0 ? undefined : s.length),
  quantile_over_time: quantileOverTime,
  stddev_over_time: (s) => {
    const v = varianceOverTime(s);
    return v === undefined ? undefined : Math.sqrt(v);
  },
  stdvar_over_time: (s) => varianceOverTime(s),
  last_over_time: (s) => (s.length === 0 ? undefined : s.vs[s.length - 1]),
  present_over_time: (s) => (s.length === 0 ? undefined : 1),
  mad_over_time: (s) => madOverTime(s),
  double_exponential_smoothing: doubleExponentialSmoothing,
  // Experimental in Prometheus 3 (enabled by --enable-feature=promql-experimental-functions).
  first_over_time: (s) => (s.length === 0 ? undefined : s.vs[0]),
  ts_of_first_over_time: (s) => (s.length === 0 ? undefined : (s.ts[0] as number) / 1000),
  ts_of_last_over_time: (s) => (s.length === 0 ? undefined : (s.ts[s.length - 1] as number) / 1000),
  ts_of_max_over_time: (s) => tsOfExtremeOverTime(s, true),
  ts_of_min_over_time: (s) => tsOfExtremeOverTime(s, false),
});
