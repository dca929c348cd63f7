// The *_over_time aggregations of one series' samples in one window (float samples), with Prometheus 3's
// numerics: compensated sums, the sum-then-incremental mean, compensated Welford variance, NaN-first quantiles.

import { kahanCompensation, quantile } from './aggregation-math.js';
import type { RangeSamples } from './range-functions.js';
import { extremeIn } from './window-functions.js';

// Reused across calls (single-threaded): no allocation per sample or per window.
let scratch = new Float64Array(256);

function scratchOf(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  return scratch;
}

/**
 * The mean as avg_over_time computes it: a compensated direct sum while it stays finite, then, from the sample
 * that would overflow it, a compensated incremental mean (prometheus issue 16714).
 */
export function avgOverTime(s: RangeSamples): number | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  const vs = s.vs;
  let sum = vs[0] as number;
  let c = 0;
  let mean = 0;
  let incremental = false;
  for (let i = 1; i < n; i++) {
    const f = vs[i] as number;
    const count = i + 1;
    if (!incremental) {
      const t = sum + f;
      if (t !== Infinity && t !== -Infinity) {
        c = kahanCompensation(sum, f, t, c);
        sum = t;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    const base = q * mean;
    const inc = f / count;
    const t = base + inc;
    c = kahanCompensation(base, inc, t, q * c);
    mean = t;
  }
  return incremental ? mean + c : sum / n + c / n;
}

export function sumOverTime(s: RangeSamples): number | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  const vs = s.vs;
  let sum = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const f = vs[i] as number;
    const t = sum + f;
    c = kahanCompensation(sum, f, t, c);
    sum = t;
  }
  return sum === Infinity || sum === -Infinity ? sum : sum + c;
}

export function maxOverTime(s: RangeSamples): number | undefined {
  return extremeIn(s.vs, 0, s.length, true);
}

export function minOverTime(s: RangeSamples): number | undefined {
  return extremeIn(s.vs, 0, s.length, false);
}

/** Timestamp (s) of the last maximum (or minimum) sample; a NaN current extreme is always replaced. */
export function tsOfExtremeOverTime(s: RangeSamples, isMax: boolean): number | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  let m = s.vs[0] as number;
  let t = s.ts[0] as number;
  for (let i = 0; i < n; i++) {
    const v = s.vs[i] as number;
    if ((isMax ? v >= m : v <= m) || Number.isNaN(m)) {
      m = v;
      t = s.ts[i] as number;
    }
  }
  return t / 1000;
}

/** Population variance by Welford's method with compensated mean and sum of squares, as varianceOverTime. */
export function varianceOverTime(s: RangeSamples): number | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  const vs = s.vs;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = 0; i < n; i++) {
    const f = vs[i] as number;
    const delta = f - (mean + cMean);
    const step = delta / (i + 1);
    let t = mean + step;
    cMean = kahanCompensation(mean, step, t, cMean);
    mean = t;
    const sq = delta * (f - (mean + cMean));
    t = aux + sq;
    cAux = kahanCompensation(aux, sq, t, cAux);
    aux = t;
  }
  return (aux + cAux) / n;
}

export function quantileOverTime(s: RangeSamples, _a: number, _b: number, args: readonly number[]): number | undefined {
  const n = s.length;
  if (n === 0 || args.length < 1) return undefined;
  const buf = scratchOf(n);
  buf.set(s.vs.subarray(0, n));
  return quantile(args[0] as number, buf, n);
}

export function madOverTime(s: RangeSamples): number | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  const buf = scratchOf(n);
  for (let i = 0; i < n; i++) {
    const v = s.vs[i] as number;
    // A NaN makes the median, and so the deviation, undefined: Prometheus returns NaN rather than drop it.
    if (Number.isNaN(v)) return NaN;
    buf[i] = v;
  }
  const median = quantile(0.5, buf, n);
  for (let i = 0; i < n; i++) buf[i] = Math.abs((buf[i] as number) - median);
  return quantile(0.5, buf, n);
}
