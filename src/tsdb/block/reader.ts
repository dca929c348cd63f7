// Block reader: open a block directory (or any ByteSource set), select series by matchers and an inclusive time
// range, and get each series' labels and raw chunks (still encoded) without decoding samples.
//
//   const block = await BlockReader.open(dir);              // or BlockReader.fromSources(meta, index, segments)
//   for await (const s of block.select([new Matcher('=', 'job', 'api')], mint, maxt)) {
//     s.labels;                                            // sorted Labels
//     s.chunks;                                            // {minTime, maxTime, ref, encoding, data}[] in time order
//     const it = sampleIterator(s, mint, maxt);            // decode only when samples are needed
//     while (it.next()) use(it.atT(), it.atF());
//     if (it.err()) throw it.err();
//   }
//   await block.close();
//
// Errors: CorruptionError{file, section, offset} for any malformed byte; nothing is cached between calls except
// the index's symbol and postings offset tables loaded at open.

import { join } from 'node:path';
import { CorruptionError, NotFoundError } from '../../runtime/errors.js';
import type { ByteSource } from '../byte-source.js';
import { FileByteSource } from '../byte-source.js';
import { Encoding } from '../chunkenc/chunk.js';
import { XorAppender } from '../chunkenc/xor.js';
import { ChunkReader } from '../chunks/segment-reader.js';
import type { ChunkReaderOptions } from '../chunks/segment-reader.js';
import type { ChunkRef } from '../chunks/refs.js';
import type { Labels } from '../labels/labels.js';
import type { Matcher } from '../labels/matcher.js';
import { IndexReader } from '../index/reader.js';
import type { Postings } from '../index/postings.js';
import type { BlockMeta } from './meta.js';
import { readMeta } from './meta.js';
import { ChunkSeriesIterator } from './series-iterator.js';
import type { Interval, Tombstones } from './tombstones.js';
import { EMPTY_TOMBSTONES, readTombstones } from './tombstones.js';
import { access, readdir } from 'node:fs/promises';
import { isBlockId } from './ulid.js';

/** One chunk of a selected series: inclusive time range, ref, and the stored encoding + data. */
export interface BlockChunk {
  readonly minTime: number;
  readonly maxTime: number;
  readonly ref: ChunkRef;
  readonly encoding: number;
  readonly data: Uint8Array;
}

/** A selected series: sorted labels and its chunks in time order (deleted samples already removed). */
export interface BlockSeries {
  readonly labels: Labels;
  readonly chunks: readonly BlockChunk[];
}

export interface SelectOptions {
  /** Return labels only (chunks empty); no chunk data is read. */
  readonly skipChunks?: boolean;
  readonly signal?: AbortSignal;
  /** Read only these series IDs (sorted), instead of those the matchers select. */
  readonly postings?: Postings;
}

/**
 * What a store reads from a persisted block or from the head: a time range (`maxTime` exclusive), series selected
 * by matchers in label order, label names and values.
 */
export interface SeriesBlock {
  readonly meta: { readonly ulid: string; readonly minTime: number; readonly maxTime: number };
  /** The block directory, when it is one on disk. */
  readonly dir: string | undefined;
  select(matchers: readonly Matcher[], mint?: number, maxt?: number, opts?: SelectOptions): AsyncGenerator<BlockSeries>;
  labelNames(matchers?: readonly Matcher[]): Promise<string[]>;
  labelValues(name: string, matchers?: readonly Matcher[]): Promise<string[]>;
}

/** Series read per batch of chunk reads. */
const SERIES_BATCH = 512;

export class BlockReader implements SeriesBlock {
  private constructor(
    readonly meta: BlockMeta,
    readonly index: IndexReader,
    readonly chunkReader: ChunkReader,
    readonly tombstones: Tombstones,
    private readonly owned: FileByteSource | undefined,
    /** The block directory, when opened from disk. */
    readonly dir: string | undefined,
  ) {}

  /** Opens `dir` (meta.json, index, chunks/, tombstones). Errors name the file, section and offset. */
  static async open(dir: string, opts: ChunkReaderOptions = {}): Promise<BlockReader> {
    const meta = await readMeta(dir);
    const tombstones = await readTombstones(dir);
    const src = await FileByteSource.open(join(dir, 'index'));
    try {
      const index = await IndexReader.open(src);
      const chunks = await ChunkReader.openDir(join(dir, 'chunks'), opts);
      return new BlockReader(meta, index, chunks, tombstones, src, dir);
    } catch (err) {
      await src.close();
      throw err;
    }
  }

  /** Builds a reader over arbitrary byte sources (e.g. a bucket's range reads). */
  static async fromSources(
    meta: BlockMeta, index: ByteSource, segments: readonly ByteSource[],
    tombstones: Tombstones = EMPTY_TOMBSTONES, opts: ChunkReaderOptions = {},
  ): Promise<BlockReader> {
    return new BlockReader(meta, await IndexReader.open(index), await ChunkReader.fromSources(segments, opts), tombstones, undefined, undefined);
  }

  async close(): Promise<void> {
    await this.chunkReader.close();
    await this.owned?.close();
  }

  /**
   * Series matching every matcher (all series when none) that have chunks overlapping [mint, maxt] (inclusive ms),
   * in label order. Chunks outside the range are left out; chunks are not trimmed to the range (iterate with
   * `sampleIterator(series, mint, maxt)`). Deleted intervals are applied: wholly deleted chunks are dropped and
   * partly deleted XOR chunks re-encoded. Yielded objects and their chunk bytes belong to the caller.
   */
  async *select(matchers: readonly Matcher[], mint = -Infinity, maxt = Infinity, opts: SelectOptions = {}): AsyncGenerator<BlockSeries> {
    const ids = opts.postings ?? (matchers.length > 0 ? await this.index.postingsForMatchers(matchers) : await this.index.allPostings());
    let batch: { labels: Labels; metas: { minTime: number; maxTime: number; ref: ChunkRef }[]; deleted: readonly Interval[] | undefined }[] = [];
    const flush = async function* (this: BlockReader): AsyncGenerator<BlockSeries> {
      if (opts.skipChunks) { for (const s of batch) yield { labels: s.labels, chunks: [] }; return; }
      const refs: ChunkRef[] = [];
      for (const s of batch) for (const m of s.metas) refs.push(m.ref);
      const raw = await this.chunkReader.chunks(refs);
      let k = 0;
      for (const s of batch) {
        let chunks: BlockChunk[] = s.metas.map((m) => {
          const c = raw[k++]!;
          return { minTime: m.minTime, maxTime: m.maxTime, ref: m.ref, encoding: c.encoding, data: c.data };
        });
        if (s.deleted) chunks = applyDeletions(chunks, s.deleted);
        if (chunks.length > 0) yield { labels: s.labels, chunks };
      }
    };
    for await (const e of this.index.series(ids)) {
      opts.signal?.throwIfAborted();
      const deleted = this.tombstones.get(e.id);
      const metas = e.chunks.filter((c) => c.maxTime >= mint && c.minTime <= maxt &&
        !(deleted && deleted.some((iv) => iv.mint <= c.minTime && iv.maxt >= c.maxTime)));
      if (metas.length === 0) continue;
      batch.push({ labels: e.labels, metas, deleted });
      if (batch.length >= SERIES_BATCH) { yield* flush.call(this); batch = []; }
    }
    if (batch.length > 0) yield* flush.call(this);
  }

  /** Label names, sorted; with matchers, only names of matching series. */
  async labelNames(matchers: readonly Matcher[] = []): Promise<string[]> {
    if (matchers.length === 0) return this.index.labelNames();
    const names = new Set<string>();
    for await (const s of this.select(matchers, -Infinity, Infinity, { skipChunks: true })) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  /** Values of `name`, sorted; with matchers, only values on matching series. */
  async labelValues(name: string, matchers: readonly Matcher[] = []): Promise<string[]> {
    if (matchers.length === 0) return this.index.labelValues(name);
    const values = new Set<string>();
    for await (const s of this.select(matchers, -Infinity, Infinity, { skipChunks: true })) {
      for (const l of s.labels) if (l.name === name) values.add(l.value);
    }
    return [...values].sort();
  }
}

/** A sample iterator over a selected series restricted to [mint, maxt] (inclusive). */
export function sampleIterator(series: BlockSeries, mint = -Infinity, maxt = Infinity, reuse?: ChunkSeriesIterator): ChunkSeriesIterator {
  return (reuse ?? new ChunkSeriesIterator()).reset(series.chunks, mint, maxt);
}

/** Chunks with the deleted intervals removed: wholly deleted chunks dropped, partly deleted XOR chunks re-encoded. */
export function applyDeletions(chunks: BlockChunk[], deleted: readonly Interval[]): BlockChunk[] {
  const out: BlockChunk[] = [];
  const it = new ChunkSeriesIterator();
  for (const c of chunks) {
    if (!deleted.some((iv) => iv.maxt >= c.minTime && iv.mint <= c.maxTime) || c.encoding !== Encoding.XOR) { out.push(c); continue; }
    const a = new XorAppender();
    let first = 0, last = 0;
    it.reset([c], -Infinity, Infinity, deleted);
    while (it.next()) {
      if (a.numSamples() === 0) first = it.atT();
      last = it.atT();
      a.append(it.atT(), it.atF());
    }
    const err = it.err();
    if (err) throw err instanceof CorruptionError ? err : new CorruptionError('chunk', 'chunk', c.ref, String(err));
    if (a.numSamples() > 0) out.push({ minTime: first, maxTime: last, ref: c.ref, encoding: Encoding.XOR, data: a.bytes() });
  }
  return out;
}

/**
 * Block directories in `dir`: `dir` itself when it holds meta.json, else its ULID-named subdirectories that do (a
 * directory without meta.json is an unfinished write, never a block).
 */
export async function findBlockDirs(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`directory ${dir}`, { cause: err });
    throw err;
  }
  if (entries.some((e) => e.isFile() && e.name === 'meta.json')) return [dir];
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || !isBlockId(e.name)) continue;
    try {
      await access(join(dir, e.name, 'meta.json'));
      out.push(join(dir, e.name));
    } catch { /* no meta.json: not a block */ }
  }
  return out.sort();
}
