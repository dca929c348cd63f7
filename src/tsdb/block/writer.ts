// Writes a complete block directory from series given in label order: chunk segments as series arrive, then the
// index, tombstones and meta.json, all under `<ulid>.tmp-for-creation`, renamed into place when complete.

import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ulid as newUlid } from 'ulid';
import { BugError, InvalidArgumentError } from '../../runtime/errors.js';
import { Encoding } from '../chunkenc/chunk.js';
import { cutChunks } from '../chunkenc/cutter.js';
import { XorAppender } from '../chunkenc/xor.js';
import { SegmentWriter } from '../chunks/segment-writer.js';
import type { Labels } from '../labels/labels.js';
import { compareLabels, formatLabels } from '../labels/labels.js';
import type { ChunkMeta } from '../index/writer.js';
import { IndexWriter, compareBytewise } from '../index/writer.js';
import { TMP_FOR_CREATION } from './streamed-block.js';
import type { BlockCompaction, BlockMeta } from './meta.js';
import { writeMeta } from './meta.js';
import { EMPTY_TOMBSTONES, writeTombstones } from './tombstones.js';
import { fsyncDir, fsyncFile } from '../fsync.js';

/** Prometheus's default head chunk range (2h); promtool's backfill uses twice its block duration. */
export const DEFAULT_CHUNK_RANGE = 2 * 60 * 60 * 1000;

export interface BlockWriterOptions {
  /** Block ID; a new ULID by default. */
  readonly ulid?: string;
  /** Chunk range for cutting float samples into chunks, as the head does (default 2h). */
  readonly chunkRange?: number;
  /** meta.json minTime/maxTime; default first sample and last sample + 1. */
  readonly minTime?: number;
  readonly maxTime?: number;
  /** Compaction section; default level 1 with the block itself as source. */
  readonly compaction?: BlockCompaction;
  /** Extra meta.json fields (e.g. Thanos's section). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Maximum chunk segment size (default 512 MiB). */
  readonly segmentSize?: number;
}

/** A chunk handed over already encoded. */
export interface EncodedChunk {
  readonly minTime: number;
  readonly maxTime: number;
  readonly encoding: number;
  readonly data: Uint8Array;
}

interface PendingSeries {
  readonly labels: Labels;
  readonly chunks: ChunkMeta[];
}

/**
 * Usage: `const w = await BlockWriter.create(dir)`, then `addSeries`/`addSeriesChunks` in strictly increasing
 * label order (awaiting each), then `finish()` → meta of `dir/<ulid>`. On any failure call `abort()`, which removes
 * the temporary directory. Series without samples are skipped.
 */
export class BlockWriter {
  readonly ulid: string;
  private readonly series: PendingSeries[] = [];
  private readonly symbols = new Set<string>(['']);
  private last: Labels | undefined;
  private mint = Infinity;
  private maxt = -Infinity;
  private numSamples = 0;
  private numChunks = 0;
  private done = false;
  private readonly appender = new XorAppender();

  private constructor(
    private readonly parent: string,
    private readonly tmp: string,
    private readonly chunks: SegmentWriter,
    private readonly opts: BlockWriterOptions,
    id: string,
  ) {
    this.ulid = id;
  }

  static async create(parentDir: string, opts: BlockWriterOptions = {}): Promise<BlockWriter> {
    const id = opts.ulid ?? newUlid();
    const tmp = join(parentDir, `${id}${TMP_FOR_CREATION}`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    const sw = await SegmentWriter.create(join(tmp, 'chunks'), opts.segmentSize !== undefined ? { segmentSize: opts.segmentSize } : {});
    return new BlockWriter(parentDir, tmp, sw, opts, id);
  }

  /** The final block directory (exists after `finish()`). */
  get dir(): string {
    return join(this.parent, this.ulid);
  }

  private checkOrder(labels: Labels): void {
    if (this.done) throw new BugError('block writer used after finish/abort');
    if (this.last && compareLabels(this.last, labels) >= 0) {
      throw new InvalidArgumentError(`series ${formatLabels(labels)} added out of order (after ${formatLabels(this.last)})`);
    }
    this.last = labels;
  }

  /** Adds float samples (strictly increasing timestamps), cut into XOR chunks as Prometheus's head cuts them. */
  async addSeries(labels: Labels, ts: ArrayLike<number>, vs: ArrayLike<number>, count = ts.length): Promise<void> {
    this.checkOrder(labels);
    if (count === 0) return;
    for (let i = 1; i < count; i++) {
      if (!(ts[i]! > ts[i - 1]!)) throw new InvalidArgumentError(`series ${formatLabels(labels)}: sample timestamps not strictly increasing at ${ts[i]}`);
    }
    const metas: ChunkMeta[] = [];
    cutChunks(ts, count, this.opts.chunkRange ?? DEFAULT_CHUNK_RANGE, (from, to) => {
      const a = this.appender;
      a.reset();
      for (let i = from; i < to; i++) a.append(ts[i]!, vs[i]!);
      const ref = this.chunks.add(Encoding.XOR, a.view());
      metas.push({ minTime: ts[from]!, maxTime: ts[to - 1]!, ref });
    });
    this.numSamples += count;
    this.record(labels, metas);
    await this.chunks.flush();
  }

  /** Adds pre-encoded chunks (time order, not overlapping), written as they are. */
  async addSeriesChunks(labels: Labels, chunks: readonly EncodedChunk[]): Promise<void> {
    this.checkOrder(labels);
    if (chunks.length === 0) return;
    const metas: ChunkMeta[] = [];
    for (const c of chunks) {
      const prev = metas[metas.length - 1];
      if (c.minTime > c.maxTime || (prev && c.minTime <= prev.maxTime)) {
        throw new InvalidArgumentError(`series ${formatLabels(labels)}: chunk [${c.minTime}, ${c.maxTime}] overlaps or is out of order`);
      }
      metas.push({ minTime: c.minTime, maxTime: c.maxTime, ref: this.chunks.add(c.encoding, c.data) });
      this.numSamples += c.data.length >= 2 ? (c.data[0]! << 8) | c.data[1]! : 0;
    }
    this.record(labels, metas);
    await this.chunks.flush();
  }

  private record(labels: Labels, metas: ChunkMeta[]): void {
    for (const l of labels) { this.symbols.add(l.name); this.symbols.add(l.value); }
    this.series.push({ labels, chunks: metas });
    this.numChunks += metas.length;
    this.mint = Math.min(this.mint, metas[0]!.minTime);
    this.maxt = Math.max(this.maxt, metas[metas.length - 1]!.maxTime);
  }

  /** Number of series added so far (with samples). */
  get seriesCount(): number {
    return this.series.length;
  }

  /**
   * Writes index, tombstones and meta.json, fsyncs and renames the block into place. Throws InvalidArgumentError
   * when no series with samples were added (Prometheus's ErrNoSeriesAppended); the temporary dir is then removed.
   */
  async finish(): Promise<BlockMeta> {
    if (this.done) throw new BugError('block writer finished twice');
    if (this.series.length === 0) {
      await this.abort();
      throw new InvalidArgumentError('no series appended, aborting block');
    }
    try {
      await this.chunks.close();
      const iw = new IndexWriter();
      iw.addSymbols([...this.symbols].sort(compareBytewise));
      for (const s of this.series) iw.addSeries(s.labels, s.chunks);
      const indexPath = join(this.tmp, 'index');
      await writeFile(indexPath, iw.finish());
      await fsyncFile(indexPath);
      await writeTombstones(this.tmp, EMPTY_TOMBSTONES);
      const meta: BlockMeta = {
        ulid: this.ulid,
        minTime: this.opts.minTime ?? this.mint,
        maxTime: this.opts.maxTime ?? this.maxt + 1,
        stats: { numSamples: this.numSamples, numSeries: this.series.length, numChunks: this.numChunks },
        compaction: this.opts.compaction ?? { level: 1, sources: [this.ulid] },
        version: 1,
        ...(this.opts.extra ? { extra: this.opts.extra } : {}),
      };
      await writeMeta(this.tmp, meta);
      await rm(this.dir, { recursive: true, force: true });
      await rename(this.tmp, this.dir);
      await fsyncDir(this.parent);
      this.done = true;
      return meta;
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Discards everything written; safe to call more than once. */
  async abort(): Promise<void> {
    this.done = true;
    await this.chunks.abort();
    await rm(this.tmp, { recursive: true, force: true });
  }
}
