// The hottest range functions read in place: the window is [lo, hi) of a series' sample arrays, so the evaluator
// neither copies nor slices each step's window. Same arithmetic, in the same order, as range-functions.ts.

/**
 * A range function over samples [lo, hi) of `ts`/`vs` in the left-open window (rangeStartMs, rangeEndMs].
 * `resets`, when given, is the series' counterResets prefix: windows without a reset skip the scan for them.
 */
export type WindowFunction = (
  ts: Float64Array, vs: Float64Array, lo: number, hi: number, rangeStartMs: number, rangeEndMs: number,
  resets?: Int32Array,
) => number | undefined;

/** Functions that read counter resets and so profit from a counterResets prefix. */
export const RESET_WINDOW_FUNCTIONS: ReadonlySet<string> = new Set(['rate', 'increase']);

/**
 * out[k] = how many i in [1, k] have vs[i] < vs[i-1] (a counter reset), for k < n; returns `out` or a larger
 * replacement. A window [lo, hi) holds a reset iff out[hi-1] !== out[lo].
 */
export function counterResets(vs: Float64Array, n: number, out: Int32Array): Int32Array {
  if (out.length < n) out = new Int32Array(Math.max(n, out.length * 2));
  let c = 0;
  if (n > 0) out[0] = 0;
  for (let i = 1; i < n; i++) {
    if (vs[i]! < vs[i - 1]!) c++;
    out[i] = c;
  }
  return out;
}

/**
 * rate/increase/delta: the difference between the last and first sample (plus the value before each counter
 * reset for counters), extrapolated towards the window's edges. Extrapolation reaches an edge only when the gap
 * is below 1.1× the average sample interval, otherwise it extends by half an interval; counters are never
 * extrapolated below zero.
 */
export function extrapolatedRateIn(
  ts: Float64Array, vs: Float64Array, lo: number, hi: number,
  rangeStart: number, rangeEnd: number, isCounter: boolean, isRate: boolean, resets?: Int32Array,
): number | undefined {
  const n = hi - lo;
  if (n < 2) return undefined;
  const firstT = ts[lo]!;
  const lastT = ts[hi - 1]!;
  const firstV = vs[lo]!;
  let result = vs[hi - 1]! - firstV;
  // Adding the value before each reset, in order; with no reset in the window there is nothing to add.
  if (isCounter && (resets === undefined || resets[hi - 1] !== resets[lo])) {
    let prev = firstV;
    for (let i = lo + 1; i < hi; i++) {
      const cur = vs[i]!;
      if (cur < prev) result += prev;
      prev = cur;
    }
  }

  let durationToStart = (firstT - rangeStart) / 1000;
  let durationToEnd = (rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageInterval = sampledInterval / (n - 1);
  const threshold = averageInterval * 1.1;

  if (durationToStart >= threshold) durationToStart = averageInterval / 2;
  if (isCounter && result > 0 && firstV >= 0) {
    // The extrapolated zero point of the counter, if it lies inside the extrapolated span, bounds it.
    const durationToZero = sampledInterval * (firstV / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = averageInterval / 2;

  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= (rangeEnd - rangeStart) / 1000;
  return result * factor;
}

/** max_over_time (isMax) or min_over_time: a NaN current extreme is always replaced. */
export function extremeIn(vs: Float64Array, lo: number, hi: number, isMax: boolean): number | undefined {
  if (hi <= lo) return undefined;
  let m = vs[lo]!;
  for (let i = lo; i < hi; i++) {
    const v = vs[i]!;
    if ((isMax ? v > m : v < m) || Number.isNaN(m)) m = v;
  }
  return m;
}

export const WINDOW_FUNCTIONS: Readonly<Record<string, WindowFunction>> = Object.freeze({
  rate: (ts, vs, lo, hi, a, b, resets) => extrapolatedRateIn(ts, vs, lo, hi, a, b, true, true, resets),
  increase: (ts, vs, lo, hi, a, b, resets) => extrapolatedRateIn(ts, vs, lo, hi, a, b, true, false, resets),
  delta: (ts, vs, lo, hi, a, b) => extrapolatedRateIn(ts, vs, lo, hi, a, b, false, false),
  max_over_time: (_ts, vs, lo, hi) => extremeIn(vs, lo, hi, true),
  min_over_time: (_ts, vs, lo, hi) => extremeIn(vs, lo, hi, false),
  count_over_time: (_ts, _vs, lo, hi) => (hi <= lo ? undefined : hi - lo),
  last_over_time: (_ts, vs, lo, hi) => (hi <= lo ? undefined : vs[hi - 1]),
  present_over_time: (_ts, _vs, lo, hi) => (hi <= lo ? undefined : 1),
});
