// One in-memory head series: its labels, the full chunks (in the head's chunk arena) and the open chunk being
// appended to, cut exactly where Prometheus 2.42's head cuts (shared reference §3.8).

import { Encoding } from '../chunkenc/chunk.js';
import { SAMPLES_PER_CHUNK, computeChunkEndTime, rangeForTimestamp } from '../chunkenc/cutter.js';
import { XorAppender } from '../chunkenc/xor.js';
import type { Labels } from '../labels/labels.js';
import type { ChunkArena } from './chunk-arena.js';
import { frozenOpenBytes, thawOpenChunk } from './frozen-chunks.js';

/** A chunk of a head series as handed to readers. */
export interface HeadChunk {
  readonly minTime: number;
  readonly maxTime: number;
  readonly encoding: number;
  readonly data: Uint8Array;
}

/** Numbers kept per full chunk in `MemSeries.full`: minTime, maxTime, arena location, byte length. */
const F = 4;

export class MemSeries {
  /** Full chunks, F numbers each, in time order. */
  full: number[] = [];
  /** The open chunk; undefined before the first sample and after truncation emptied the series. */
  open: XorAppender | undefined;
  openMint = 0;
  /** Newest sample time (-Infinity when the series never had a sample) and its value. */
  maxTime = -Infinity;
  lastValue = 0;
  nextAt = 0;
  /** A row of arena.frozen holding the open chunk instead of `open` (after a worker replay), or -1. */
  frozen = -1;

  constructor(readonly ref: number, readonly labels: Labels) {}

  /** Oldest sample time held, or Infinity when empty. */
  get minTime(): number {
    if (this.full.length > 0) return this.full[0]!;
    return this.frozen >= 0 || (this.open && this.open.numSamples() > 0) ? this.openMint : Infinity;
  }

  get empty(): boolean {
    return this.full.length === 0 && this.frozen < 0 && (!this.open || this.open.numSamples() === 0);
  }

  /** Appends a sample known to be after maxTime, cutting a new chunk where Prometheus would. */
  append(t: number, v: number, chunkRange: number, arena: ChunkArena): void {
    if (this.frozen >= 0) { this.open = thawOpenChunk(arena.frozen!, this.frozen); this.frozen = -1; }
    let app = this.open;
    if (!app) {
      app = this.open = new XorAppender();
    }
    const n = app.numSamples();
    if (n === 0) {
      this.openMint = t;
      this.nextAt = rangeForTimestamp(t, chunkRange);
    } else {
      if (n === SAMPLES_PER_CHUNK / 4) this.nextAt = computeChunkEndTime(this.openMint, this.maxTime, this.nextAt);
      if (t >= this.nextAt || n >= SAMPLES_PER_CHUNK * 2) {
        const data = app.view();
        this.full.push(this.openMint, this.maxTime, arena.add(data), data.length);
        app.reset();
        this.openMint = t;
        this.nextAt = rangeForTimestamp(t, chunkRange);
      }
    }
    app.append(t, v);
    this.maxTime = t;
    this.lastValue = v;
  }

  /** Chunks overlapping [mint, maxt] (inclusive), copied for the caller. */
  chunks(mint: number, maxt: number, arena: ChunkArena): HeadChunk[] {
    const out: HeadChunk[] = [];
    const f = this.full;
    for (let i = 0; i < f.length; i += F) {
      if (f[i + 1]! < mint || f[i]! > maxt) continue;
      out.push({ minTime: f[i]!, maxTime: f[i + 1]!, encoding: Encoding.XOR, data: arena.view(f[i + 2]!, f[i + 3]!).slice() });
    }
    if (this.frozen >= 0 && this.maxTime >= mint && this.openMint <= maxt) {
      out.push({ minTime: this.openMint, maxTime: this.maxTime, encoding: Encoding.XOR, data: frozenOpenBytes(arena.frozen!, this.frozen).slice() });
    }
    const app = this.open;
    if (app && app.numSamples() > 0 && this.maxTime >= mint && this.openMint <= maxt) {
      out.push({ minTime: this.openMint, maxTime: this.maxTime, encoding: Encoding.XOR, data: app.bytes() });
    }
    return out;
  }

  /**
   * Drops full chunks that end before `mint` (and the open chunk too when it does); returns whether the series is
   * now empty. The newest sample time is kept so later appends are still checked against it.
   */
  truncateBefore(mint: number, arena: ChunkArena): boolean {
    const f = this.full;
    let k = 0;
    while (k < f.length && f[k + 1]! < mint) { arena.release(f[k + 2]!, f[k + 3]!); k += F; }
    if (k > 0) this.full = f.slice(k);
    if (this.open && this.open.numSamples() > 0 && this.maxTime < mint) this.open = undefined;
    if (this.frozen >= 0 && this.maxTime < mint) this.frozen = -1;
    return this.empty;
  }
}
