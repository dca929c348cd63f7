// The head: the appendable in-memory part of a TSDB (Prometheus tsdb.Head). Series are found by labels or ref,
// indexed by sorted postings, and read through the same interface as persisted blocks (select / labelNames /
// labelValues / meta), so a store can serve head and blocks together.

import { InvalidArgumentError } from '../../runtime/errors.js';
import type { BlockSeries, SelectOptions, SeriesBlock } from '../block/reader.js';
import { DEFAULT_CHUNK_RANGE } from '../block/writer.js';
import { rangeForTimestamp } from '../chunkenc/cutter.js';
import type { Label, Labels } from '../labels/labels.js';
import { compareLabels, formatLabels, labelsEqual } from '../labels/labels.js';
import type { Matcher } from '../labels/matcher.js';
import { matchesAll } from '../labels/matcher.js';
import type { WalWriter } from '../wal/writer.js';
import { HeadAppender } from './appender.js';
import { ChunkArena } from './chunk-arena.js';
import { MemPostings } from './postings.js';
import { MemSeries } from './series.js';

export interface HeadOptions {
  /** Chunk range and block range of the head (Prometheus's min block duration), default 2h. */
  readonly chunkRange?: number;
  /**
   * Upstream's `tsdb.out-of-order.time-window`. Only 0 (out-of-order samples refused) is supported so far: any
   * other value is refused when the head is made.
   */
  readonly outOfOrderTimeWindow?: number;
}

/** A head series chunk ref: series ref << 24 | chunk index, as Prometheus's HeadChunkRef. */
const CHUNK_ID_SPAN = 0x100_0000;

export class Head implements SeriesBlock {
  readonly chunkRange: number;
  /** Oldest and newest sample time held; Infinity / -Infinity while empty. */
  minTime = Infinity;
  maxTime = -Infinity;
  /** Samples before this are refused (they belong to blocks); -Infinity when there are no blocks. */
  minValidTime = -Infinity;
  /** The WAL that commits write to (none while replaying, or for a read-only head). */
  wal: WalWriter | undefined;
  readonly arena = new ChunkArena();
  private readonly byRef = new Map<number, MemSeries>();
  /**
   * Series by labelsHash: one series, or several when their hashes collide. A number key instead of a string of
   * the labels keeps no per-series key string and hashes without building one.
   */
  private readonly byHash = new Map<number, MemSeries | MemSeries[]>();
  readonly postings = new MemPostings();
  private readonly strings = new Map<string, string>();
  private nextRef = 1;
  /** Commits so far: an appender re-checks its batch when others committed after it started. */
  commits = 0;
  /** Series removed by truncation → the WAL segment current then; their series records stay in checkpoints. */
  readonly deleted = new Map<number, number>();

  constructor(opts: HeadOptions = {}) {
    this.chunkRange = opts.chunkRange ?? DEFAULT_CHUNK_RANGE;
    const ooo = opts.outOfOrderTimeWindow ?? 0;
    if (ooo !== 0) {
      throw new InvalidArgumentError(`out-of-order time window ${ooo}ms: accepting out-of-order samples is not supported yet (use 0)`);
    }
  }

  get numSeries(): number {
    return this.byRef.size;
  }

  /** For the reader interface: the head as a block with an exclusive end. */
  get meta(): { ulid: string; minTime: number; maxTime: number } {
    return this.minTime === Infinity
      ? { ulid: 'head', minTime: Number.MAX_SAFE_INTEGER, maxTime: Number.MIN_SAFE_INTEGER }
      : { ulid: 'head', minTime: this.minTime, maxTime: this.maxTime + 1 };
  }

  readonly dir = undefined;

  get(ref: number): MemSeries | undefined {
    return this.byRef.get(ref);
  }

  /** The head's one copy of a label string. */
  intern(s: string): string {
    const got = this.strings.get(s);
    if (got !== undefined) return got;
    this.strings.set(s, s);
    return s;
  }

  /** The series with these labels (sorted, unique names), created when missing; `ref` forces the ref (replay). */
  getOrCreate(labels: Labels, ref?: number): { series: MemSeries; created: boolean } {
    const h = labelsHash(labels);
    const got = this.find(labels, h);
    if (got) return { series: got, created: false };
    const own: Label[] = labels.map((l) => ({ name: this.intern(l.name), value: this.intern(l.value) }));
    return { series: this.create(own, h, ref), created: true };
  }

  /**
   * As getOrCreate for replay, taking `labels` over as they are (no copy): their strings must come from intern().
   * The series with these labels, or undefined when a new one was made under `ref`.
   */
  adoptOrFind(labels: Label[], ref: number): MemSeries | undefined {
    const h = labelsHash(labels);
    const got = this.find(labels, h);
    if (got) return got;
    this.create(labels, h, ref);
    return undefined;
  }

  private find(labels: Labels, h: number): MemSeries | undefined {
    const got = this.byHash.get(h);
    if (got === undefined) return undefined;
    if (!Array.isArray(got)) return labelsEqual(got.labels, labels) ? got : undefined;
    for (const s of got) if (labelsEqual(s.labels, labels)) return s;
    return undefined;
  }

  private create(own: Labels, h: number, ref: number | undefined): MemSeries {
    validateLabels(own);
    const r = ref ?? this.nextRef;
    if (this.byRef.has(r)) throw new InvalidArgumentError(`series ref ${r} already used by ${formatLabels(this.byRef.get(r)!.labels)}`);
    this.nextRef = Math.max(this.nextRef, r + 1);
    const s = new MemSeries(r, own);
    this.byRef.set(r, s);
    const same = this.byHash.get(h);
    if (same === undefined) this.byHash.set(h, s);
    else if (Array.isArray(same)) same.push(s);
    else this.byHash.set(h, [same, s]);
    this.postings.add(r, own);
    return s;
  }

  private forget(s: MemSeries): void {
    const h = labelsHash(s.labels);
    const same = this.byHash.get(h);
    if (same === s) this.byHash.delete(h);
    else if (Array.isArray(same)) {
      const rest = same.filter((x) => x !== s);
      if (rest.length === 1) this.byHash.set(h, rest[0]!);
      else this.byHash.set(h, rest);
    }
  }

  /** An appender for one batch: Commit applies all its samples or none. */
  appender(): HeadAppender {
    return new HeadAppender(this, this.appendableMinValidTime());
  }

  /** Prometheus's appendableMinValidTime: nothing older than half a chunk range before the newest sample. */
  appendableMinValidTime(): number {
    if (this.maxTime === -Infinity) return this.minValidTime;
    return Math.max(this.minValidTime, this.maxTime - this.chunkRange / 2);
  }

  /** Updates min/max time after samples in [mint, maxt] were added. */
  noteRange(mint: number, maxt: number): void {
    if (mint < this.minTime) this.minTime = mint;
    if (maxt > this.maxTime) this.maxTime = maxt;
  }

  /** Whether the head spans more than 1.5 chunk ranges (Prometheus's compactable). */
  compactable(): boolean {
    return this.minTime !== Infinity && this.maxTime - this.minTime > (this.chunkRange / 2) * 3;
  }

  /** The range the next head compaction writes: [minTime, end of its chunk range). */
  compactionRange(): { mint: number; maxt: number } {
    return { mint: this.minTime, maxt: rangeForTimestamp(this.minTime, this.chunkRange) };
  }

  /** Series refs matching all matchers, sorted by labels. */
  private matching(matchers: readonly Matcher[]): MemSeries[] {
    let candidates: Iterable<MemSeries> = this.byRef.values();
    for (const m of matchers) {
      if (m.type === '=' && m.value !== '') {
        const refs = this.postings.get(m.name, m.value);
        candidates = refs.map((r) => this.byRef.get(r)!);
        break;
      }
    }
    const out: MemSeries[] = [];
    for (const s of candidates) if (matchesAll(matchers, s.labels)) out.push(s);
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }

  async *select(matchers: readonly Matcher[], mint = -Infinity, maxt = Infinity, opts: SelectOptions = {}): AsyncGenerator<BlockSeries> {
    const lo = Math.max(mint, this.minTime);
    for (const s of this.matching(matchers)) {
      opts.signal?.throwIfAborted();
      const chunks = s.chunks(lo, maxt, this.arena);
      if (chunks.length === 0) continue;
      if (opts.skipChunks) { yield { labels: s.labels, chunks: [] }; continue; }
      yield { labels: s.labels, chunks: chunks.map((c, i) => ({ ...c, ref: s.ref * CHUNK_ID_SPAN + i })) };
    }
  }

  /** Series with samples in [mint, maxt) in label order, for head compaction. */
  seriesForCompaction(mint: number, maxt: number): MemSeries[] {
    return this.matching([]).filter((s) => s.minTime < maxt && s.maxTime >= mint);
  }

  async labelNames(matchers: readonly Matcher[] = []): Promise<string[]> {
    if (matchers.length === 0) return this.postings.names().sort();
    const names = new Set<string>();
    for (const s of this.matching(matchers)) if (!s.empty) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  async labelValues(name: string, matchers: readonly Matcher[] = []): Promise<string[]> {
    if (matchers.length === 0) return [...this.postings.values(name)].sort();
    const values = new Set<string>();
    for (const s of this.matching(matchers)) {
      if (s.empty) continue;
      for (const l of s.labels) if (l.name === name) values.add(l.value);
    }
    return [...values].sort();
  }

  /**
   * Drops everything before `mint` (now in a block) and garbage-collects series left empty (Prometheus
   * truncateMemory + gc). `walSegment` is the WAL segment current now, remembered for removed series.
   */
  truncateMemory(mint: number, walSegment: number): { removed: number } {
    if (mint > this.minValidTime) this.minValidTime = mint;
    const gone = new Set<number>();
    let actualMin = Infinity;
    for (const s of this.byRef.values()) {
      if (s.truncateBefore(mint, this.arena)) gone.add(s.ref);
      else actualMin = Math.min(actualMin, s.minTime);
    }
    this.postings.remove(gone, (r) => this.byRef.get(r)?.labels);
    for (const r of gone) {
      const s = this.byRef.get(r)!;
      this.forget(s);
      this.byRef.delete(r);
      this.deleted.set(r, walSegment);
    }
    // The newest time stays: later appends are still checked against it.
    this.minTime = actualMin === Infinity ? Infinity : Math.max(mint, actualMin);
    return { removed: gone.size };
  }
}

/**
 * A 30-bit FNV-1a hash of a label set (names and values with their lengths), small enough to stay an unboxed
 * integer as a Map key. Collisions are expected at scale and resolved by comparing labels.
 */
export function labelsHash(labels: Labels): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < labels.length; i++) {
    const { name, value } = labels[i]!;
    h = Math.imul(h ^ name.length, 0x01000193);
    for (let j = 0; j < name.length; j++) h = Math.imul(h ^ name.charCodeAt(j), 0x01000193);
    h = Math.imul(h ^ value.length, 0x01000193);
    for (let j = 0; j < value.length; j++) h = Math.imul(h ^ value.charCodeAt(j), 0x01000193);
  }
  return (h ^ (h >>> 30)) & 0x3fff_ffff;
}

function validateLabels(labels: Labels): void {
  if (labels.length === 0) throw new InvalidArgumentError('series without labels');
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l.name === '' || l.value === '') throw new InvalidArgumentError(`series ${formatLabels(labels)}: empty label name or value`);
    if (i > 0 && !(labels[i - 1]!.name < l.name)) throw new InvalidArgumentError(`series ${formatLabels(labels)}: labels not sorted by name or names repeated`);
  }
}
