// A TSDB data directory as Prometheus lays it out: persisted blocks, the head, and wal/. Opening replays the WAL
// (repairing a damaged tail); head compaction writes the head's oldest chunk range as a block once the head spans
// 1.5 ranges, then truncates the head and checkpoints/truncates the WAL as Prometheus does.

import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../runtime/logger.js';
import { nopLogger } from '../../runtime/logger.js';
import { InvalidArgumentError } from '../../runtime/errors.js';
import type { SeriesBlock } from '../block/reader.js';
import { BlockReader, findBlockDirs } from '../block/reader.js';
import type { BlockMeta } from '../block/meta.js';
import { BlockWriter } from '../block/writer.js';
import { deleteCheckpoints, deleteTempCheckpoints, truncateSegments, writeCheckpoint } from '../wal/checkpoint.js';
import { listSegments } from '../wal/segment.js';
import { WalWriter } from '../wal/writer.js';
import type { HeadAppender } from './appender.js';
import type { HeadOptions } from './head.js';
import { Head } from './head.js';
import type { ReplayStats } from './replay.js';
import { replayWalAsync } from './replay.js';

export interface DbOptions extends HeadOptions {
  readonly logger?: Logger;
  /** WAL segment size (default 128 MiB; a multiple of 32 KiB). */
  readonly walSegmentSize?: number;
  /** Snappy-compress WAL records (default true, as Prometheus 2.42's --storage.tsdb.wal-compression). */
  readonly walCompression?: boolean;
  /**
   * Test hook (crash tests stop the process there): called during head compaction at 'block-writing' (after the
   * first series), 'block-written', 'head-truncated', 'checkpoint-writing' (records written, not yet renamed) and
   * 'checkpointed'.
   */
  readonly onCompactionStep?: (step: string) => void;
}

export class Db {
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly head: Head,
    readonly blocks: BlockReader[],
    readonly replay: ReplayStats,
    private readonly opts: DbOptions,
    private readonly logger: Logger,
  ) {}

  get walDir(): string {
    return join(this.dir, 'wal');
  }

  /** Opens (creating) `dir`: removes unfinished block writes, opens blocks, replays and repairs the WAL. */
  static async open(dir: string, opts: DbOptions = {}): Promise<Db> {
    const logger = opts.logger ?? nopLogger;
    await mkdir(dir, { recursive: true });
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory() && /\.tmp-for-(creation|deletion)$/.test(e.name)) {
        logger.info('removing an unfinished block directory', { dir: e.name });
        await rm(join(dir, e.name), { recursive: true, force: true });
      }
    }
    const blocks: BlockReader[] = [];
    try {
      for (const d of await findBlockDirs(dir)) blocks.push(await BlockReader.open(d));
    } catch (err) {
      await Promise.allSettled(blocks.map((b) => b.close()));
      throw err;
    }
    blocks.sort((a, b) => a.meta.minTime - b.meta.minTime);
    const head = new Head(opts);
    for (const b of blocks) head.minValidTime = Math.max(head.minValidTime, b.meta.maxTime);
    const walDir = join(dir, 'wal');
    await mkdir(walDir, { recursive: true });
    deleteTempCheckpoints(walDir);
    const started = Date.now();
    const replay = await replayWalAsync(head, walDir, { logger });
    logger.info('WAL replay completed', {
      duration_ms: Date.now() - started, series: replay.series, samples: replay.samples, checkpoint: replay.checkpoint ?? '',
    });
    head.wal = WalWriter.open(walDir, {
      ...(opts.walSegmentSize !== undefined ? { segmentSize: opts.walSegmentSize } : {}),
      compress: opts.walCompression ?? true,
    });
    return new Db(dir, head, blocks, replay, opts, logger);
  }

  appender(): HeadAppender {
    return this.head.appender();
  }

  /** Blocks (oldest first) and the head, for a store to query together. */
  seriesBlocks(): SeriesBlock[] {
    return [...this.blocks, this.head];
  }

  /** Compacts the head while it spans more than 1.5 chunk ranges; returns the metas of the blocks written. */
  async compactHead(): Promise<BlockMeta[]> {
    const out: BlockMeta[] = [];
    while (this.head.compactable()) {
      const { mint, maxt } = this.head.compactionRange();
      await this.compactRange(mint, maxt, out);
    }
    return out;
  }

  /**
   * Writes the whole head out as blocks and empties it (upstream receive's flushHead at shutdown): whole chunk
   * ranges first, then the rest up to the newest sample, so later samples are still accepted after a restart.
   */
  async flush(): Promise<BlockMeta[]> {
    const out = await this.compactHead();
    while (this.head.minTime !== Infinity) {
      const { mint, maxt } = this.head.compactionRange();
      await this.compactRange(mint, Math.min(maxt, this.head.maxTime + 1), out);
    }
    return out;
  }

  private async compactRange(mint: number, maxt: number, out: BlockMeta[]): Promise<void> {
    const meta = await this.writeHeadBlock(mint, maxt);
    if (meta) {
      out.push(meta);
      this.blocks.push(await BlockReader.open(join(this.dir, meta.ulid)));
    }
    this.opts.onCompactionStep?.('block-written');
    const wal = this.head.wal!;
    this.head.truncateMemory(maxt, wal.currentSegment);
    this.opts.onCompactionStep?.('head-truncated');
    this.truncateWal(maxt);
  }

  /** Writes the head's samples in [mint, maxt) as a level-1 block with meta range [mint, maxt). */
  private async writeHeadBlock(mint: number, maxt: number): Promise<BlockMeta | undefined> {
    const w = await BlockWriter.create(this.dir, { minTime: mint, maxTime: maxt, chunkRange: this.head.chunkRange });
    try {
      for (const s of this.head.seriesForCompaction(mint, maxt)) {
        // Head chunks never cross a chunk range boundary, so these are exactly the chunks of [mint, maxt).
        const chunks = s.chunks(mint, maxt - 1, this.head.arena);
        await w.addSeriesChunks(s.labels, chunks);
        if (w.seriesCount === 1) this.opts.onCompactionStep?.('block-writing');
      }
      const meta = await w.finish();
      this.logger.info('write block', { ulid: meta.ulid, mint, maxt, series: meta.stats.numSeries ?? 0 });
      return meta;
    } catch (err) {
      await w.abort();
      if (err instanceof InvalidArgumentError && /no series appended/.test(err.message)) return undefined;
      throw err;
    }
  }

  /** Prometheus Head.truncateWAL: checkpoint the older two thirds of the closed segments, then drop them. */
  private truncateWal(mint: number): void {
    const wal = this.head.wal!;
    const segs = listSegments(this.walDir);
    if (segs.length === 0) return;
    const first = segs[0]!;
    let last = segs[segs.length - 1]!;
    wal.nextSegment();
    last--;
    if (last < 0) return;
    last = first + Math.trunc(((last - first) * 2) / 3);
    if (last <= first) return;
    const head = this.head;
    const stats = writeCheckpoint(this.walDir, first, last, (ref) => head.get(ref) !== undefined || head.deleted.has(ref), mint,
      this.opts.walCompression ?? true, () => this.opts.onCompactionStep?.('checkpoint-writing'));
    this.opts.onCompactionStep?.('checkpointed');
    truncateSegments(this.walDir, last + 1);
    for (const [ref, seg] of head.deleted) if (seg <= last) head.deleted.delete(ref);
    deleteCheckpoints(this.walDir, last);
    this.logger.info('WAL checkpoint complete', { first, last, kept_series: stats.keptSeries, kept_samples: stats.keptSamples });
  }

  /** Closes the WAL (flushing and fsyncing its last page) and the blocks. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.head.wal?.close();
    await Promise.allSettled(this.blocks.map((b) => b.close()));
  }
}
