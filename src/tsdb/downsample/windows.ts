// The arithmetic both downsampling steps share (upstream pkg/compact/downsample): window ends, how many output
// chunks a series gets, the per-window aggregator and the batch loop that emits one aggregate per window.

/** Resolutions in ms: raw, 5 minutes, 1 hour. */
export const RES_RAW = 0;
export const RES_5M = 5 * 60 * 1000;
export const RES_1H = 60 * 60 * 1000;

/** The end (inclusive) of the window of width `res` that holds t: t − (t mod res) + res − 1 (truncating mod). */
export function windowEnd(t: number, res: number): number {
  return t - (t % res) + res - 1;
}

/** Fraction of [mint, maxt] covered by `count` samples `step` apart, at most 1. */
function rangeFullness(mint: number, maxt: number, step: number, count: number): number {
  const f = count / ((maxt - mint) / step);
  return f > 1 ? 1 : f;
}

/** How many output chunks a series gets: the fewest for which each holds at most ~140 aggregate points. */
export function targetChunkCount(mint: number, maxt: number, inRes: number, outRes: number, count: number): number {
  const maxSamples = Math.trunc((maxt - mint) / outRes);
  const expected = Math.trunc(maxSamples * rangeFullness(mint, maxt, inRes, count)) + 1;
  let x = 1;
  while (Math.trunc(expected / x) > 140) x++;
  return x;
}

/** count/sum/min/max of the current window and the counter total since the batch started. */
export class WindowAggregator {
  total = 0;
  count = 0;
  sum = 0;
  min = Number.MAX_VALUE;
  max = -Number.MAX_VALUE;
  counter = 0;
  last = 0;

  resetWindow(): void {
    this.count = 0;
    this.sum = 0;
    this.min = Number.MAX_VALUE;
    this.max = -Number.MAX_VALUE;
  }

  add(v: number): void {
    if (this.total > 0) this.counter += v < this.last ? v : v - this.last;
    else this.counter = v;
    this.last = v;
    this.sum += v;
    this.count++;
    this.total++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
}

/**
 * Aggregates samples [from, to) window by window, calling `emit(t, aggregator)` at the end of each window with
 * t = min(window end, last timestamp of the batch) (so consecutive batches never overlap). Returns the last t.
 */
export function aggregateWindows(
  ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, to: number, res: number,
  emit: (t: number, a: WindowAggregator) => void,
): number {
  const a = new WindowAggregator();
  const lastT = ts[to - 1]!;
  let nextT = -1;
  for (let i = from; i < to; i++) {
    const t = ts[i]!;
    if (t > nextT) {
      if (nextT !== -1) emit(nextT, a);
      a.resetWindow();
      nextT = Math.min(windowEnd(t, res), lastT);
    }
    a.add(vs[i]!);
  }
  if (a.count > 0) emit(nextT, a);
  return nextT;
}

/** A growable pair of sample arrays, reused from series to series so memory tracks the largest series only. */
export class SampleBuffer {
  ts = new Float64Array(1024);
  vs = new Float64Array(1024);
  n = 0;

  clear(): void { this.n = 0; }

  push(t: number, v: number): void {
    if (this.n === this.ts.length) {
      const ts = new Float64Array(this.n * 2);
      const vs = new Float64Array(this.n * 2);
      ts.set(this.ts);
      vs.set(this.vs);
      this.ts = ts;
      this.vs = vs;
    }
    this.ts[this.n] = t;
    this.vs[this.n++] = v;
  }
}
