// Where Prometheus's head cuts float chunks (2.42 rules): at the chunk range boundary after the first sample,
// re-estimated at 30 samples to spread ~120 per chunk, and at 240 samples at the latest. Shared reference §3.8.

/** Default target samples per chunk. */
export const SAMPLES_PER_CHUNK = 120;

/** The end of the chunk range holding t: Go's (t / width) * width + width with truncating division. */
export function rangeForTimestamp(t: number, width: number): number {
  return Math.trunc(t / width) * width + width;
}

export function computeChunkEndTime(start: number, cur: number, max: number): number {
  const n = Math.trunc((max - start) / ((cur - start + 1) * 4));
  if (n <= 1) return max;
  return start + Math.trunc((max - start) / n);
}

/**
 * Splits samples `ts[0, n)` (strictly increasing) into chunks as the head does with the given chunk range, calling
 * `emit(from, to)` with half-open index ranges in order.
 */
export function cutChunks(ts: ArrayLike<number>, n: number, chunkRange: number, emit: (from: number, to: number) => void): void {
  if (n === 0) return;
  let start = 0;
  let nextAt = rangeForTimestamp(ts[0]!, chunkRange);
  for (let i = 1; i < n; i++) {
    const count = i - start;
    const t = ts[i]!;
    if (count === SAMPLES_PER_CHUNK / 4) nextAt = computeChunkEndTime(ts[start]!, ts[i - 1]!, nextAt);
    if (t >= nextAt || count >= SAMPLES_PER_CHUNK * 2) {
      emit(start, i);
      start = i;
      nextAt = rangeForTimestamp(t, chunkRange);
    }
  }
  emit(start, n);
}
