// `dump`: prints every sample of the selected series of a block or a data directory (its blocks and, as promtool
// tsdb dump does, its head replayed read-only from wal/) as `{labels} value timestamp` lines in label order,
// writing with backpressure.

import type { Writable } from 'node:stream';
import { CorruptionError } from '../../runtime/errors.js';
import type { Labels } from '../labels/labels.js';
import { compareLabels, formatLabels } from '../labels/labels.js';
import type { Matcher } from '../labels/matcher.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../runtime/logger.js';
import type { BlockChunk, BlockSeries, SeriesBlock } from '../block/reader.js';
import { BlockReader, findBlockDirs } from '../block/reader.js';
import { ChunkSeriesIterator } from '../block/series-iterator.js';
import { Head } from '../head/head.js';
import { replayWal } from '../head/replay.js';
import { formatFloatGoG } from '../../runtime/go-float.js';

export interface DumpOptions {
  readonly minTime?: number;
  readonly maxTime?: number;
  readonly matchers?: readonly Matcher[];
  /** Where WAL damage found while reading the head is reported. */
  readonly logger?: Logger;
}

const FLUSH_AT = 256 * 1024;

/** Opens every block under `dir` (or `dir` itself), sorted by minTime. The caller closes them. */
export async function openBlocks(dir: string): Promise<BlockReader[]> {
  const readers: BlockReader[] = [];
  try {
    for (const d of await findBlockDirs(dir)) readers.push(await BlockReader.open(d));
  } catch (err) {
    for (const r of readers) await r.close();
    throw err;
  }
  return readers.sort((a, b) => a.meta.minTime - b.meta.minTime);
}

/**
 * Merges the sorted series streams of several blocks into one sorted stream; a series present in several blocks
 * gets the chunks of all of them, in block (time) order.
 */
export async function* mergeSeries(streams: AsyncIterator<BlockSeries>[]): AsyncGenerator<{ labels: Labels; chunks: BlockChunk[] }> {
  const heads: (BlockSeries | undefined)[] = [];
  for (const s of streams) { const r = await s.next(); heads.push(r.done ? undefined : r.value); }
  for (;;) {
    let min: Labels | undefined;
    for (const h of heads) if (h && (min === undefined || compareLabels(h.labels, min) < 0)) min = h.labels;
    if (min === undefined) return;
    const chunks: BlockChunk[] = [];
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h && compareLabels(h.labels, min) === 0) {
        chunks.push(...h.chunks);
        const r = await streams[i]!.next();
        heads[i] = r.done ? undefined : r.value;
      }
    }
    yield { labels: min, chunks };
  }
}

async function write(out: Writable, s: string): Promise<void> {
  if (!out.write(s)) {
    await new Promise<void>((resolve, reject) => {
      const onDrain = (): void => { out.off('error', onError); resolve(); };
      const onError = (e: Error): void => { out.off('drain', onDrain); reject(e); };
      out.once('drain', onDrain);
      out.once('error', onError);
    });
  }
}

/** Dumps samples in [minTime, maxTime] (inclusive) of series matching all matchers. */
export async function dumpSamples(dir: string, out: Writable, opts: DumpOptions = {}): Promise<void> {
  const mint = opts.minTime ?? -Infinity;
  const maxt = opts.maxTime ?? Infinity;
  const opened = await openBlocks(dir);
  const blocks: SeriesBlock[] = opened.filter((b) => b.meta.maxTime > mint && b.meta.minTime <= maxt);
  try {
    const head = readHead(dir, opened, opts.logger);
    if (head) blocks.push(head);
    const streams = blocks.map((b) => b.select(opts.matchers ?? [], mint, maxt)[Symbol.asyncIterator]());
    const it = new ChunkSeriesIterator();
    let buf = '';
    for await (const s of mergeSeries(streams)) {
      const prefix = formatLabels(s.labels) + ' ';
      it.reset(s.chunks, mint, maxt);
      while (it.next()) {
        buf += prefix + formatFloatGoG(it.atF()) + ' ' + it.atT() + '\n';
        if (buf.length >= FLUSH_AT) { await write(out, buf); buf = ''; }
      }
      const err = it.err();
      if (err) {
        throw err instanceof CorruptionError
          ? new CorruptionError(`series ${formatLabels(s.labels)}`, err.section, err.offset, err.message, { cause: err })
          : err;
      }
    }
    if (buf.length > 0) await write(out, buf);
  } finally {
    for (const b of opened) await b.close();
  }
}

/**
 * The head of a data directory, replayed from `dir/wal` without changing it (damage is reported, not repaired);
 * samples already in blocks are left out, as Prometheus does on start.
 */
function readHead(dir: string, blocks: readonly BlockReader[], logger?: Logger): Head | undefined {
  const walDir = join(dir, 'wal');
  if (!existsSync(walDir)) return undefined;
  const head = new Head();
  for (const b of blocks) head.minValidTime = Math.max(head.minValidTime, b.meta.maxTime);
  replayWal(head, walDir, { repair: false, ...(logger ? { logger } : {}) });
  return head;
}
