// histogram_quantile() and histogram_fraction() over classic (`le`-labelled) buckets with Prometheus's bucket
// fixing (promql/quantile.go BucketQuantile/BucketFraction): sort, coalesce equal bounds, absorb float noise,
// force monotonic counts, require a +Inf bucket, interpolate linearly (from 0 in the first bucket if positive).


export interface ClassicBucket {
  readonly upperBound: number;
  readonly count: number;
}

export interface HistogramQuantileResult {
  readonly value: number;
  /** Some bucket count had to be raised to its predecessor's: Prometheus adds an info annotation. */
  readonly forcedMonotonic: boolean;
  /** Differences below 1e-12 (relative) between neighbouring counts were ignored as float noise. */
  readonly fixedPrecision: boolean;
  /** Lowest and highest upper bound whose count was raised, and the largest raise (0, 0, 0 when none). */
  readonly minBucket: number;
  readonly maxBucket: number;
  readonly maxDiff: number;
}

/** Relative tolerance under which two neighbouring bucket counts are taken as equal (smallDeltaTolerance). */
const SMALL_DELTA_TOLERANCE = 1e-12;
const MIN_NORMAL = 2.2250738585072014e-308;

/** Prometheus's util/almost.Equal: NaN equals NaN, near-zero values compare absolutely. */
function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

function nanResult(value: number): HistogramQuantileResult {
  return { value, forcedMonotonic: false, fixedPrecision: false, minBucket: 0, maxBucket: 0, maxDiff: 0 };
}

/** Sorted copies of the bounds and counts with equal bounds merged (counts summed); undefined without +Inf. */
function sortedCoalesced(buckets: readonly ClassicBucket[]): { ub: number[]; counts: number[] } | undefined {
  const sorted = buckets.slice().sort((a, b) => (a.upperBound < b.upperBound ? -1 : a.upperBound > b.upperBound ? 1 : 0));
  const last = sorted[sorted.length - 1];
  if (last === undefined || last.upperBound !== Infinity) return undefined;
  const ub: number[] = [];
  const counts: number[] = [];
  for (const b of sorted) {
    const n = ub.length;
    if (n > 0 && ub[n - 1] === b.upperBound) counts[n - 1] = (counts[n - 1] as number) + b.count;
    else {
      ub.push(b.upperBound);
      counts.push(b.count);
    }
  }
  return { ub, counts };
}

/**
 * The φ-quantile of classic buckets. q NaN → NaN, q < 0 → -Inf, q > 1 → +Inf; NaN without a +Inf bucket, with
 * fewer than two buckets (after merging) or with no observations. A quantile in the +Inf bucket returns the
 * second-highest bound; one in a first bucket whose bound is <= 0 returns that bound.
 */
export function histogramQuantile(q: number, buckets: readonly ClassicBucket[]): HistogramQuantileResult {
  if (Number.isNaN(q)) return nanResult(NaN);
  if (q < 0) return nanResult(-Infinity);
  if (q > 1) return nanResult(Infinity);
  const merged = sortedCoalesced(buckets);
  if (merged === undefined) return nanResult(NaN);
  const { ub, counts } = merged;
  const n = ub.length;

  // Absorb float noise in either direction, then lift every remaining decrease to the last accepted count.
  let forcedMonotonic = false;
  let fixedPrecision = false;
  let minBucket = Infinity;
  let maxBucket = -Infinity;
  let maxDiff = 0;
  let prev = counts[0] as number;
  for (let i = 1; i < n; i++) {
    const cur = counts[i] as number;
    if (cur === prev) continue;
    if (almostEqual(prev, cur, SMALL_DELTA_TOLERANCE)) {
      counts[i] = prev;
      fixedPrecision = true;
      continue;
    }
    if (cur < prev) {
      counts[i] = prev;
      forcedMonotonic = true;
      const bound = ub[i] as number;
      if (bound < minBucket) minBucket = bound;
      if (bound > maxBucket) maxBucket = bound;
      if (prev - cur > maxDiff) maxDiff = prev - cur;
      continue;
    }
    prev = cur;
  }
  if (!forcedMonotonic) {
    minBucket = 0;
    maxBucket = 0;
  }
  const result = (value: number): HistogramQuantileResult => ({
    value,
    forcedMonotonic,
    fixedPrecision,
    minBucket,
    maxBucket,
    maxDiff,
  });

  if (n < 2) return nanResult(NaN);
  const observations = counts[n - 1] as number;
  if (observations === 0) return result(NaN);
  let rank = q * observations;
  // First bucket among all but the +Inf one whose cumulative count reaches the rank (n-1 if none).
  let b = 0;
  while (b < n - 1 && !((counts[b] as number) >= rank)) b++;
  if (b === n - 1) return result(ub[n - 2] as number);
  if (b === 0 && (ub[0] as number) <= 0) return result(ub[0] as number);
  let bucketStart = 0;
  const bucketEnd = ub[b] as number;
  let count = counts[b] as number;
  if (b > 0) {
    bucketStart = ub[b - 1] as number;
    count -= counts[b - 1] as number;
    rank -= counts[b - 1] as number;
  }
  return result(bucketStart + (bucketEnd - bucketStart) * (rank / count));
}

/**
 * histogram_fraction(lower, upper) over classic buckets: the estimated share of observations in (lower, upper],
 * interpolating linearly inside buckets (the first bucket starts at 0 when its bound is positive, else at
 * -Inf, where nothing is interpolated). NaN without +Inf bucket, without observations or for a NaN bound;
 * 0 when lower >= upper.
 */
export function bucketFraction(lower: number, upper: number, buckets: readonly ClassicBucket[]): number {
  const merged = sortedCoalesced(buckets);
  if (merged === undefined) return NaN;
  const { ub, counts } = merged;
  const total = counts[counts.length - 1] as number;
  if (total === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return NaN;
  if (lower >= upper) return 0;

  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  let lowerBound = (ub[0] as number) <= 0 ? -Infinity : 0;
  for (let i = 0; i < ub.length; i++) {
    if (i > 0) lowerBound = ub[i - 1] as number;
    const upperBound = ub[i] as number;
    const c = counts[i] as number;
    // Counts are cumulative, so this bucket holds c - rank observations.
    const interpolate = (v: number): number =>
      lowerBound === -Infinity ? c : rank + ((c - rank) * (v - lowerBound)) / (upperBound - lowerBound);
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interpolate(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interpolate(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = c;
  }
  if (!lowerSet || lowerRank > total) lowerRank = total;
  if (!upperSet || upperRank > total) upperRank = total;
  return (upperRank - lowerRank) / total;
}
