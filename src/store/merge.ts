// K-way merge of sorted Series streams with a loser tree (as upstream's pkg/losertree): one comparison per level
// per emitted series. Frames with identical labels, from one stream or several, become one series whose chunks
// are sorted by time with exact duplicates (replicated chunks) dropped. Non-series frames pass straight through.

import { groupsOfOne } from '../runtime/async.js';
import { compareLabels, labelsEqual } from '../tsdb/labels/labels.js';
import type { AggrChunk, Series, SeriesResponse } from './store-api.js';

/**
 * One input's cursor: the current head series, or undefined once exhausted. Inputs arrive in groups of frames (a
 * gRPC message holds many series), so moving within a group needs no await.
 */
class Cursor {
  head: Series | undefined;
  private readonly it: AsyncIterator<readonly SeriesResponse[]>;
  private group: readonly SeriesResponse[] = [];
  private next = 0;

  constructor(source: AsyncIterable<readonly SeriesResponse[]>, private readonly passThrough: (f: SeriesResponse) => void) {
    this.it = source[Symbol.asyncIterator]();
  }

  /**
   * Moves to the next series frame, handing warnings and hints to passThrough on the way: at once (undefined) when
   * the current group holds one, else the returned promise settles when the input has answered.
   */
  advance(): Promise<void> | undefined {
    return this.takeFromGroup() ? undefined : this.refill();
  }

  private takeFromGroup(): boolean {
    while (this.next < this.group.length) {
      const f = this.group[this.next++]!;
      if (f.type === 'series') {
        this.head = f.series;
        return true;
      }
      this.passThrough(f);
    }
    return false;
  }

  private async refill(): Promise<void> {
    for (;;) {
      const r = await this.it.next();
      if (r.done) {
        this.head = undefined;
        this.group = [];
        this.next = 0;
        return;
      }
      this.group = r.value;
      this.next = 0;
      if (this.takeFromGroup()) return;
    }
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/**
 * A loser tree over k cursors: `tree[0]` is the index of the cursor with the smallest head; internal node n
 * (1..k-1) holds the loser of the match played there. Leaves sit at positions k..2k-1, so any k works.
 */
class LoserTree {
  private readonly tree: number[];

  constructor(private readonly cursors: readonly Cursor[]) {
    const k = cursors.length;
    this.tree = new Array<number>(Math.max(1, k)).fill(0);
    if (k > 1) this.tree[0] = this.build(1);
  }

  get winner(): number {
    return this.tree[0]!;
  }

  /** After the winner's cursor advanced, replays its path to the root. */
  replay(): void {
    const k = this.cursors.length;
    let w = this.tree[0]!;
    for (let n = (w + k) >> 1; n >= 1; n >>= 1) {
      const l = this.tree[n]!;
      if (this.less(l, w)) {
        this.tree[n] = w;
        w = l;
      }
    }
    this.tree[0] = w;
  }

  private build(n: number): number {
    const k = this.cursors.length;
    if (n >= k) return n - k;
    const a = this.build(2 * n);
    const b = this.build(2 * n + 1);
    if (this.less(a, b)) {
      this.tree[n] = b;
      return a;
    }
    this.tree[n] = a;
    return b;
  }

  /** Exhausted cursors lose to everything; ties go to the lower index so the merge is stable. */
  private less(a: number, b: number): boolean {
    const x = this.cursors[a]!.head;
    const y = this.cursors[b]!.head;
    if (x === undefined) return false;
    if (y === undefined) return true;
    const c = compareLabels(x.labels, y.labels);
    return c < 0 || (c === 0 && a < b);
  }
}

function sameChunk(a: AggrChunk, b: AggrChunk): boolean {
  if (a.minTime !== b.minTime || a.maxTime !== b.maxTime) return false;
  const x = a.raw?.data;
  const y = b.raw?.data;
  if (x === undefined || y === undefined || x.length !== y.length) return false;
  // Decoded chunk data are views into the gRPC message Buffers: compare without wrapping them again.
  return (Buffer.isBuffer(x) ? x : Buffer.from(x.buffer, x.byteOffset, x.byteLength)).equals(y);
}

const byTime = (a: AggrChunk, b: AggrChunk): number => a.minTime - b.minTime || a.maxTime - b.maxTime;

function isSortedByTime(chunks: readonly AggrChunk[]): boolean {
  for (let i = 1; i < chunks.length; i++) if (byTime(chunks[i - 1]!, chunks[i]!) > 0) return false;
  return true;
}

/** Chunks of several frames of one series, ordered by (minTime, maxTime), exact duplicates removed. */
export function mergeChunks(parts: readonly (readonly AggrChunk[])[]): AggrChunk[] {
  const a = parts[0];
  const b = parts[1];
  if (parts.length === 2 && a !== undefined && b !== undefined && isSortedByTime(a) && isSortedByTime(b)) {
    // The usual case, one series from two replicas, each in time order: one merge pass instead of a sort, taking
    // ties from the first part as the stable sort below would.
    const out: AggrChunk[] = [];
    for (let i = 0, j = 0; i < a.length || j < b.length;) {
      const c = j >= b.length || (i < a.length && byTime(a[i]!, b[j]!) <= 0) ? a[i++]! : b[j++]!;
      const prev = out[out.length - 1];
      if (prev && sameChunk(prev, c)) continue;
      out.push(c);
    }
    return out;
  }
  const all = parts.flat();
  all.sort(byTime);
  const out: AggrChunk[] = [];
  for (const c of all) {
    const prev = out[out.length - 1];
    if (prev && sameChunk(prev, c)) continue;
    out.push(c);
  }
  return out;
}

/** Most frames one output group holds: enough to make the per-group await rare, few enough to keep streaming. */
const MAX_GROUP = 256;

/**
 * Merges streams that are each sorted by labels into one sorted stream, in groups of frames: a group is handed on
 * when it is full or before the merge has to wait on an input, so nothing ready is held back. All inputs are started
 * at once (so remote stores work in parallel); after that an input is pulled only when its head was emitted, so
 * memory stays at one group per input plus whatever each transport buffers. Errors from an input propagate (callers
 * wrap inputs to turn failures into warnings); returning early closes every input.
 */
export async function* mergeSeriesGroups(sources: readonly AsyncIterable<readonly SeriesResponse[]>[]): AsyncGenerator<SeriesResponse[]> {
  let out: SeriesResponse[] = [];
  const passThrough = (f: SeriesResponse): void => {
    out.push(f);
  };
  const cursors = sources.map((s) => new Cursor(s, passThrough));
  try {
    // allSettled first so that a failing input does not leave the others' first reads unobserved.
    const started = await Promise.allSettled(cursors.map(async (c) => c.advance()));
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    const tree = new LoserTree(cursors);
    for (;;) {
      const first = cursors[tree.winner];
      if (first?.head === undefined) break;
      const labels = first.head.labels;
      const parts: (readonly AggrChunk[])[] = [];
      // Pop every head equal to `labels` (same store split over frames, or the same series from several stores).
      for (;;) {
        const c = cursors[tree.winner]!;
        if (c.head === undefined || !labelsEqual(c.head.labels, labels)) break;
        parts.push(c.head.chunks);
        const wait = c.advance();
        if (wait) {
          if (out.length > 0) {
            yield out;
            out = [];
          }
          await wait;
        }
        tree.replay();
      }
      // Warnings met while advancing were appended to `out` already, so they still precede this series.
      out.push({ type: 'series', series: { labels, chunks: parts.length === 1 ? parts[0]! : mergeChunks(parts) } });
      if (out.length >= MAX_GROUP) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  } finally {
    await Promise.allSettled(cursors.map((c) => c.close()));
  }
}

/** mergeSeriesGroups over frame-at-a-time streams, one frame at a time. */
export async function* mergeSeries(sources: readonly AsyncIterable<SeriesResponse>[]): AsyncGenerator<SeriesResponse> {
  for await (const group of mergeSeriesGroups(sources.map(groupsOfOne))) yield* group;
}
