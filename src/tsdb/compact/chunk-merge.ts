// Series-level merge for compaction: the hook's types and Prometheus's default, the compacting chunk merger
// (storage.NewCompactingChunkSeriesMerger over ChainedSeriesMerge, 2.42): 1:1 duplicate chunks dropped, overlapping
// chunks decoded, merged by timestamp (one sample per timestamp) and re-cut every 120 samples.

import { InvalidArgumentError } from '../../runtime/errors.js';
import { Encoding, encodingName } from '../chunkenc/chunk.js';
import { XorAppender, XorIterator } from '../chunkenc/xor.js';
import type { EncodedChunk } from '../block/writer.js';
import type { Labels } from '../labels/labels.js';
import { formatLabels } from '../labels/labels.js';

/** One input block's chunks of a series (time order, no overlap within the block). */
export interface SeriesMergeInput {
  /** Labels as stored in the input block (before any label was dropped). */
  readonly labels: Labels;
  /** Index of the input block in the compaction's input list. */
  readonly block: number;
  readonly chunks: readonly EncodedChunk[];
}

/**
 * Merges the chunks of one output series from the inputs that hold it (more than one, or one whose chunks
 * overlap). Returns chunks in time order without overlap. `labels` is the output label set. A replacement (e.g.
 * Thanos's penalty deduplication of replicas) is plugged in through the compactor's `mergeFunc` option.
 */
export type SeriesMergeFunc = (labels: Labels, inputs: readonly SeriesMergeInput[]) => readonly EncodedChunk[];

/** Samples per chunk when merged samples are re-encoded (Prometheus's seriesToChunkEncoderSplit). */
export const MERGED_SAMPLES_PER_CHUNK = 120;

interface QueuedChunk {
  readonly c: EncodedChunk;
  /** Tie-breaker: the order chunks entered the queue. */
  readonly seq: number;
}

function before(a: QueuedChunk, b: QueuedChunk): boolean {
  if (a.c.minTime !== b.c.minTime) return a.c.minTime < b.c.minTime;
  if (a.c.maxTime !== b.c.maxTime) return a.c.maxTime < b.c.maxTime;
  return a.seq < b.seq;
}

/** A binary min-heap of chunks by (minTime, maxTime), as Prometheus's chunk iterator heap orders them. */
class ChunkHeap {
  private readonly h: QueuedChunk[] = [];
  private seq = 0;

  get size(): number { return this.h.length; }
  peek(): EncodedChunk { return this.h[0]!.c; }

  push(c: EncodedChunk): void {
    const h = this.h;
    h.push({ c, seq: this.seq++ });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): EncodedChunk {
    const h = this.h;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top.c;
  }
}

function sameChunk(a: EncodedChunk, b: EncodedChunk): boolean {
  if (a.minTime !== b.minTime || a.maxTime !== b.maxTime || a.encoding !== b.encoding || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/** True when the chunks are in time order and none overlaps the one before. */
export function chunksInOrder(chunks: readonly EncodedChunk[]): boolean {
  for (let i = 1; i < chunks.length; i++) if (chunks[i]!.minTime <= chunks[i - 1]!.maxTime) return false;
  return true;
}

/**
 * The inputs' chunks in time order when no chunk overlaps another (the common case of blocks side by side), which
 * are then copied as they are; undefined when the merge function must run.
 */
export function disjointChunks(inputs: readonly SeriesMergeInput[]): readonly EncodedChunk[] | undefined {
  if (inputs.length === 1) return chunksInOrder(inputs[0]!.chunks) ? inputs[0]!.chunks : undefined;
  const byTime = [...inputs].sort((a, b) => a.chunks[0]!.minTime - b.chunks[0]!.minTime);
  const out: EncodedChunk[] = [];
  for (const inp of byTime) {
    if (!chunksInOrder(inp.chunks)) return undefined;
    if (out.length > 0 && inp.chunks[0]!.minTime <= out[out.length - 1]!.maxTime) return undefined;
    for (const c of inp.chunks) out.push(c);
  }
  return out;
}

/**
 * Decodes chunks and merges their samples by timestamp: one sample per timestamp, taken from the earliest chunk in
 * `chunks` that has it. Returns parallel arrays (values keep their bit patterns, so stale markers survive).
 */
export function mergeSamples(labels: Labels, chunks: readonly EncodedChunk[]): { ts: Float64Array; vs: Float64Array } {
  const decoded = chunks.map((c) => {
    if (c.encoding !== Encoding.XOR) {
      throw new InvalidArgumentError(`series ${formatLabels(labels)}: cannot merge overlapping ${encodingName(c.encoding)} chunks (only XOR float chunks)`);
    }
    const it = new XorIterator(c.data);
    const ts: number[] = [];
    const vs = new Float64Array(c.data.length >= 2 ? (c.data[0]! << 8) | c.data[1]! : 0);
    while (it.next()) { vs[ts.length] = it.atF(); ts.push(it.atT()); }
    const err = it.err();
    if (err) throw err;
    return { ts, vs, i: 0 };
  });
  let total = 0;
  for (const d of decoded) total += d.ts.length;
  const ts = new Float64Array(total);
  const vs = new Float64Array(total);
  let n = 0;
  for (;;) {
    let best = -1;
    let bestT = Infinity;
    for (let k = 0; k < decoded.length; k++) {
      const d = decoded[k]!;
      if (d.i < d.ts.length && d.ts[d.i]! < bestT) { bestT = d.ts[d.i]!; best = k; }
    }
    if (best < 0) break;
    ts[n] = bestT;
    vs[n] = decoded[best]!.vs[decoded[best]!.i]!;
    n++;
    for (const d of decoded) while (d.i < d.ts.length && d.ts[d.i] === bestT) d.i++;
  }
  return { ts: ts.subarray(0, n), vs: vs.subarray(0, n) };
}

/** Encodes samples into XOR chunks of at most MERGED_SAMPLES_PER_CHUNK samples. */
export function encodeSamples(ts: ArrayLike<number>, vs: ArrayLike<number>): EncodedChunk[] {
  const out: EncodedChunk[] = [];
  const a = new XorAppender();
  for (let from = 0; from < ts.length; from += MERGED_SAMPLES_PER_CHUNK) {
    const to = Math.min(ts.length, from + MERGED_SAMPLES_PER_CHUNK);
    a.reset();
    for (let i = from; i < to; i++) a.append(ts[i]!, vs[i]!);
    out.push({ minTime: ts[from]!, maxTime: ts[to - 1]!, encoding: Encoding.XOR, data: a.bytes() });
  }
  return out;
}

/**
 * Prometheus's compacting chunk merge: chunks in (minTime, maxTime) order; a chunk identical to the previous one
 * of an overlapping run (same range and bytes) is dropped; a run of overlapping chunks is merged sample by sample
 * and re-encoded in chunks of 120 samples, the first emitted and the rest queued again. Chunks that overlap nothing
 * pass through untouched.
 */
export const compactingChunkMerge: SeriesMergeFunc = (labels, inputs) => {
  const disjoint = disjointChunks(inputs);
  if (disjoint) return disjoint;
  const heap = new ChunkHeap();
  for (const inp of inputs) for (const c of inp.chunks) heap.push(c);
  const out: EncodedChunk[] = [];
  while (heap.size > 0) {
    const curr = heap.pop();
    const overlapping: EncodedChunk[] = [];
    let oMaxTime = curr.maxTime;
    let prev = curr;
    while (heap.size > 0 && heap.peek().minTime <= oMaxTime) {
      const next = heap.pop();
      if (sameChunk(next, prev)) continue;
      overlapping.push(next);
      if (next.maxTime > oMaxTime) oMaxTime = next.maxTime;
      prev = next;
    }
    if (overlapping.length === 0) { out.push(curr); continue; }
    overlapping.push(curr);
    const { ts, vs } = mergeSamples(labels, overlapping);
    const merged = encodeSamples(ts, vs);
    if (merged.length === 0) continue;
    out.push(merged[0]!);
    for (let i = 1; i < merged.length; i++) heap.push(merged[i]!);
  }
  return out;
};
