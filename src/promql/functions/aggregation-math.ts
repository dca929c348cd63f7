// Float arithmetic shared by aggregations and *_over_time functions, with Prometheus's exact numerics:
// compensated (Kahan–Babuška/Neumaier) sums, the sum-then-incremental mean, Welford variance and quantile().

import { formatFloatGoG } from '../../runtime/go-float.js';


/**
 * The compensation after one Neumaier step `t = sum + inc` (Prometheus's kahansum.Inc returns t and this): the
 * compensation resets to 0 when t is infinite. Returning one number lets hot loops keep sum and c in locals.
 */
export function kahanCompensation(sum: number, inc: number, t: number, c: number): number {
  if (t === Infinity || t === -Infinity) return 0;
  return Math.abs(sum) >= Math.abs(inc) ? c + (sum - t + inc) : c + (inc - t + sum);
}

/**
 * Neumaier-compensated running sum, as Prometheus's kahansum.Inc: the compensation is dropped once the running
 * sum is infinite, so an Inf sum is returned as is rather than Inf + NaN compensation.
 */
export class KahanSum {
  sum = 0;
  c = 0;

  add(inc: number): void {
    const sum = this.sum;
    const t = sum + inc;
    if (t === Infinity || t === -Infinity) {
      this.c = 0;
    } else if (Math.abs(sum) >= Math.abs(inc)) {
      this.c += sum - t + inc;
    } else {
      this.c += inc - t + sum;
    }
    this.sum = t;
  }

  value(): number {
    const s = this.sum;
    if (s === Infinity || s === -Infinity) return s;
    return s + this.c;
  }

  reset(): void {
    this.sum = 0;
    this.c = 0;
  }
}

/**
 * Mean as avg() and avg_over_time() compute it: a compensated direct sum while the sum stays finite, switching
 * to a compensated incremental mean from the sample that would overflow it (prometheus issue 16714).
 */
export class MeanAccumulator {
  private sum = 0;
  private c = 0;
  private mean = 0;
  private n = 0;
  private incremental = false;

  reset(): void {
    this.sum = 0;
    this.c = 0;
    this.mean = 0;
    this.n = 0;
    this.incremental = false;
  }

  get count(): number {
    return this.n;
  }

  add(f: number): void {
    if (this.n === 0) {
      this.n = 1;
      this.sum = f;
      this.mean = f;
      this.c = 0;
      return;
    }
    const count = ++this.n;
    if (!this.incremental) {
      const t = this.sum + f;
      if (t !== Infinity && t !== -Infinity) {
        this.c = kahanCompensation(this.sum, f, t, this.c);
        this.sum = t;
        return;
      }
      this.incremental = true;
      this.mean = this.sum / (count - 1);
      this.c /= count - 1;
    }
    const q = (count - 1) / count;
    const base = q * this.mean;
    const inc = f / count;
    const t = base + inc;
    this.c = kahanCompensation(base, inc, t, q * this.c);
    this.mean = t;
  }

  value(): number {
    if (this.incremental) return this.mean + this.c;
    return this.sum / this.n + this.c / this.n;
  }
}

/**
 * stddev/stdvar as the aggregation operators compute them (plain Welford, no compensation). The first sample
 * sets the mean; a first sample that is NaN or ±Inf makes the result NaN.
 */
export class WelfordVariance {
  private n = 0;
  private mean = 0;
  private m2 = 0;

  reset(): void {
    this.n = 0;
    this.mean = 0;
    this.m2 = 0;
  }

  add(f: number): void {
    if (this.n === 0) {
      this.n = 1;
      this.mean = f;
      this.m2 = Number.isFinite(f) ? 0 : NaN;
      return;
    }
    this.n++;
    const delta = f - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (f - this.mean);
  }

  /** Population variance (stdvar). */
  variance(): number {
    return this.m2 / this.n;
  }

  /** Population standard deviation (stddev). */
  stddev(): number {
    return Math.sqrt(this.m2 / this.n);
  }
}

/**
 * Sorts ascending in place with NaN first, the order Prometheus's quantile() sees (its heap's Less says a NaN
 * is smaller than anything). Returns the input.
 */
export function sortNaNFirst<T extends Float64Array | number[]>(values: T, length = values.length): T {
  if (values instanceof Float64Array) {
    const view = length === values.length ? values : values.subarray(0, length);
    view.sort(); // typed-array sort is numeric and puts NaN last
    let nans = 0;
    while (nans < length && Number.isNaN(view[length - 1 - nans])) nans++;
    if (nans > 0 && nans < length) {
      view.copyWithin(nans, 0, length - nans);
      view.fill(NaN, 0, nans);
    }
    return values;
  }
  if (length !== values.length) throw new RangeError('sortNaNFirst: length must equal the array length for number[]');
  values.sort(compareNaNFirst);
  return values;
}

function compareNaNFirst(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Prometheus's quantile(): NaN for no values or NaN q, -Inf for q < 0, +Inf for q > 1, otherwise linear
 * interpolation between the two closest ranks (rank = q·(n−1)). Sorts `values` in place (NaN first).
 * `length` lets a caller pass a reused, larger scratch buffer.
 */
export function quantile(q: number, values: Float64Array | number[], length = values.length): number {
  if (length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  sortNaNFirst(values, length);
  return quantileOfSorted(q, values, length);
}

/** quantile() over values already sorted by sortNaNFirst; q must be within [0, 1]. */
export function quantileOfSorted(q: number, sorted: Float64Array | number[], length = sorted.length): number {
  const n = length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  // Written as Prometheus does: with weight 0 an infinite upper neighbour still yields NaN (Inf·0).
  return (sorted[lower] as number) * (1 - weight) + (sorted[upper] as number) * weight;
}

/** The warning Prometheus adds when a quantile parameter is outside [0, 1] or NaN (undefined when valid). */
export function invalidQuantileWarning(q: number): string | undefined {
  if (Number.isNaN(q) || q < 0 || q > 1) {
    return `PromQL warning: quantile value should be between 0 and 1, got ${formatFloatGoG(q)}`;
  }
  return undefined;
}
