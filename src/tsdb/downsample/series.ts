// Downsampling of one series, as upstream's DownsampleRaw (raw → 5m) and downsampleAggr (5m → 1h): samples in,
// aggregate chunks (encoding 0xFF) out. Counter sub-chunks are framed by the batch's first raw sample and, at the
// last window's timestamp again, its true last raw value, so resets between chunks stay visible at query time.
// Spec: compact-receive-rule.md §1.9.

import { InvalidArgumentError } from '../../runtime/errors.js';
import type { EncodedChunk } from '../block/writer.js';
import { AGGR_CHUNK_ENCODING, AggrType, type AggrEntries, type SubChunk, decodeAggrChunk, encodeAggrChunk } from '../chunkenc/aggr.js';
import { CounterResetsIterator } from '../chunkenc/aggr-iterators.js';
import { Encoding, isStaleNaN, type SampleIterator } from '../chunkenc/chunk.js';
import { XorAppender, XorIterator, xorNumSamples } from '../chunkenc/xor.js';
import type { SampleBuffer} from './windows.js';
import { RES_5M, aggregateWindows, targetChunkCount, windowEnd, type WindowAggregator } from './windows.js';

/** Upstream assumes one-minute raw spacing when sizing output chunks. */
const ASSUMED_RAW_STEP = 60_000;

/** Appends a chunk's samples to `buf`, dropping stale markers and samples going back in time within the chunk. */
export function expandInto(it: SampleIterator, buf: SampleBuffer): void {
  let lastT = 0;
  while (it.next()) {
    const t = it.atT();
    const v = it.atF();
    if (isStaleNaN(v)) continue;
    if (t >= lastT) { buf.push(t, v); lastT = t; }
  }
  const err = it.err();
  if (err) throw err;
}

function xorSub(a: XorAppender | undefined): SubChunk | undefined {
  return a === undefined || a.numSamples() === 0 ? undefined : { encoding: Encoding.XOR, data: a.bytes() };
}

/** One raw batch (no NaNs) → one aggregate chunk. */
function rawBatchChunk(ts: Float64Array, vs: Float64Array, from: number, to: number, res: number): EncodedChunk {
  const apps = [new XorAppender(), new XorAppender(), new XorAppender(), new XorAppender(), new XorAppender()] as const;
  let mint = Infinity, maxt = -Infinity;
  apps[AggrType.Counter].append(ts[from]!, vs[from]!);
  const lastT = aggregateWindows(ts, vs, from, to, res, (t, a) => {
    if (t < mint) mint = t;
    if (t > maxt) maxt = t;
    apps[AggrType.Count].append(t, a.count);
    apps[AggrType.Sum].append(t, a.sum);
    apps[AggrType.Min].append(t, a.min);
    apps[AggrType.Max].append(t, a.max);
    apps[AggrType.Counter].append(t, a.counter);
  });
  apps[AggrType.Counter].append(lastT, vs[to - 1]!);
  const entries: AggrEntries = [xorSub(apps[0]), xorSub(apps[1]), xorSub(apps[2]), xorSub(apps[3]), xorSub(apps[4])];
  return { minTime: mint, maxTime: maxt, encoding: AGGR_CHUNK_ENCODING, data: encodeAggrChunk(entries) };
}

/**
 * Raw samples [0, buf.n) of one series (time order) → aggregate chunks at `res`. Batches never split a window;
 * NaNs (stale markers and others) are dropped after batching, as upstream does.
 */
export function downsampleRaw(buf: SampleBuffer, res: number, out: EncodedChunk[] = []): EncodedChunk[] {
  const n = buf.n;
  if (n === 0) return out;
  const { ts, vs } = buf;
  const numChunks = targetChunkCount(ts[0]!, ts[n - 1]!, ASSUMED_RAW_STEP, res, n);
  const batchSize = Math.trunc(n / numChunks) + 1;
  let btArr = new Float64Array(Math.min(n, batchSize * 2 + 64));
  let bvArr = new Float64Array(btArr.length);
  let i = 0;
  while (i < n) {
    let j = Math.min(i + batchSize, n);
    const curW = windowEnd(ts[j - 1]!, res);
    while (j < n && ts[j]! <= curW) j++;
    if (btArr.length < j - i) { btArr = new Float64Array(j - i); bvArr = new Float64Array(j - i); }
    let k = 0;
    for (let x = i; x < j; x++) {
      const v = vs[x]!;
      if (v !== v) continue;
      btArr[k] = ts[x]!;
      bvArr[k++] = v;
    }
    i = j;
    if (k > 0) out.push(rawBatchChunk(btArr, bvArr, 0, k, res));
  }
  return out;
}

/** The stored chunks of one series of a downsampled block (aggregate chunks; stray raw XOR chunks allowed). */
export interface StoredChunk {
  readonly minTime: number;
  readonly maxTime: number;
  readonly encoding: number;
  readonly data: Uint8Array;
}

interface AggrInput {
  readonly minTime: number;
  readonly maxTime: number;
  readonly entries: AggrEntries;
}

function isHistogramAggr(e: AggrEntries): boolean {
  const c = e[AggrType.Counter];
  return c !== undefined && (c.encoding === Encoding.Histogram || c.encoding === Encoding.FloatHistogram);
}

/** Re-aggregates one entry type of a batch of chunks into `res` windows; undefined when no chunk has it. */
function reaggregate(
  part: readonly AggrInput[], at: AggrType, res: number, buf: SampleBuffer, it: XorIterator,
  pick: (a: WindowAggregator) => number, range: { mint: number; maxt: number },
): SubChunk | undefined {
  buf.clear();
  for (const c of part) {
    const e = c.entries[at];
    if (e === undefined) continue;
    if (e.encoding !== Encoding.XOR) throw new InvalidArgumentError(`aggregate chunk entry with encoding ${e.encoding} where XOR was expected`);
    expandInto(it.reset(e.data), buf);
  }
  if (buf.n === 0) return undefined;
  const app = new XorAppender();
  aggregateWindows(buf.ts, buf.vs, 0, buf.n, res, (t, a) => {
    if (t < range.mint) range.mint = t;
    if (t > range.maxt) range.maxt = t;
    app.append(t, pick(a));
  });
  return xorSub(app);
}

/** One batch of whole input chunks → one aggregate chunk at `res` (upstream downsampleFloatAggrBatch). */
function aggrBatchChunk(part: readonly AggrInput[], res: number, buf: SampleBuffer): EncodedChunk {
  const range = { mint: Infinity, maxt: -Infinity };
  const it = new XorIterator();
  const count = reaggregate(part, AggrType.Count, res, buf, it, (a) => a.sum, range);
  const sum = reaggregate(part, AggrType.Sum, res, buf, it, (a) => a.sum, range);
  const min = reaggregate(part, AggrType.Min, res, buf, it, (a) => a.min, range);
  const max = reaggregate(part, AggrType.Max, res, buf, it, (a) => a.max, range);
  // Counters: first undo the resets across the input chunks, then re-aggregate the monotonic series.
  const its: XorIterator[] = [];
  for (const c of part) {
    const e = c.entries[AggrType.Counter];
    if (e !== undefined) its.push(new XorIterator(e.data));
  }
  const applied = new CounterResetsIterator(its);
  buf.clear();
  expandInto(applied, buf);
  let counter: SubChunk | undefined;
  if (buf.n > 0) {
    const app = new XorAppender();
    app.append(buf.ts[0]!, buf.vs[0]!);
    const lastT = aggregateWindows(buf.ts, buf.vs, 0, buf.n, res, (t, a) => {
      if (t < range.mint) range.mint = t;
      if (t > range.maxt) range.maxt = t;
      app.append(t, a.counter);
    });
    app.append(lastT, applied.lastRaw);
    counter = xorSub(app);
  }
  if (range.mint === Infinity) {
    throw new InvalidArgumentError(`invalid range for downsampled aggregate chunk: no aggregate in the ${part.length} input chunks`);
  }
  return { minTime: range.mint, maxTime: range.maxt, encoding: AGGR_CHUNK_ENCODING, data: encodeAggrChunk([count, sum, min, max, counter]) };
}

/**
 * The chunks of one series of a block at `inRes` → aggregate chunks at `outRes`. Input chunks are batched whole, so
 * chunk boundaries (where the true first and last raw counter values live) survive. Empty raw XOR chunks (#5272) are
 * skipped; non-empty raw ones are first downsampled to 5m. Native-histogram aggregates are refused.
 */
export function downsampleAggr(chunks: readonly StoredChunk[], inRes: number, outRes: number, buf: SampleBuffer, where: string): EncodedChunk[] {
  const inputs: AggrInput[] = [];
  let numSamples = 0;
  for (const c of chunks) {
    if (c.encoding === AGGR_CHUNK_ENCODING) {
      const entries = decodeAggrChunk(c.data, where);
      if (isHistogramAggr(entries)) throw new InvalidArgumentError(`${where}: native-histogram aggregate chunks are not downsampled by this build`);
      inputs.push({ minTime: c.minTime, maxTime: c.maxTime, entries });
      const cnt = entries[AggrType.Count];
      numSamples += cnt ? xorNumSamples(cnt.data) : 0;
      continue;
    }
    if (c.encoding !== Encoding.XOR) throw new InvalidArgumentError(`${where}: unexpected chunk encoding ${c.encoding} in a downsampled block`);
    if (xorNumSamples(c.data) === 0) continue;
    buf.clear();
    expandInto(new XorIterator(c.data), buf);
    for (const d of downsampleRaw(buf, RES_5M)) {
      const entries = decodeAggrChunk(d.data, where);
      inputs.push({ minTime: d.minTime, maxTime: d.maxTime, entries });
      const cnt = entries[AggrType.Count];
      numSamples += cnt ? xorNumSamples(cnt.data) : 0;
    }
  }
  if (inputs.length === 0) return [];
  const numChunks = targetChunkCount(inputs[0]!.minTime, inputs[inputs.length - 1]!.maxTime, inRes, outRes, numSamples);
  // Upstream divides without a floor of 1 (and would loop forever); one chunk per batch is the least.
  const batchSize = Math.max(1, Math.trunc(inputs.length / numChunks));
  const out: EncodedChunk[] = [];
  for (let i = 0; i < inputs.length; i += batchSize) out.push(aggrBatchChunk(inputs.slice(i, i + batchSize), outRes, buf));
  return out;
}
