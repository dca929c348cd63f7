// The compaction's k-way merge: series of every input block in label order, grouped by output label set (labels
// after the dropped names are removed), one group at a time, so memory holds one series per input.

import { InvalidArgumentError } from '../../runtime/errors.js';
import type { BlockReader, BlockSeries } from '../block/reader.js';
import type { EncodedChunk } from '../block/writer.js';
import { Encoding } from '../chunkenc/chunk.js';
import { XorAppender } from '../chunkenc/xor.js';
import { ChunkSeriesIterator } from '../block/series-iterator.js';
import type { Labels } from '../labels/labels.js';
import { compareLabels, formatLabels } from '../labels/labels.js';
import type { SeriesMergeInput } from './chunk-merge.js';

/** One output series: its labels and the inputs that hold it, in input order. */
export interface SeriesGroup {
  readonly labels: Labels;
  readonly inputs: SeriesMergeInput[];
}

interface Cursor {
  readonly block: number;
  readonly it: AsyncIterator<BlockSeries>;
  readonly mint: number;
  readonly maxt: number;
  /** The current series and its output labels; undefined when exhausted. */
  cur: { series: BlockSeries; out: Labels } | undefined;
}

/**
 * Re-encodes chunks reaching outside [mint, maxt] (inclusive) to the samples inside, as Prometheus trims chunks to
 * the block's range when compacting; chunks wholly outside are dropped.
 */
export function trimChunks(labels: Labels, chunks: readonly EncodedChunk[], mint: number, maxt: number, it = new ChunkSeriesIterator()): EncodedChunk[] {
  const out: EncodedChunk[] = [];
  for (const c of chunks) {
    if (c.maxTime < mint || c.minTime > maxt) continue;
    if (c.minTime >= mint && c.maxTime <= maxt) { out.push(c); continue; }
    if (c.encoding !== Encoding.XOR) {
      throw new InvalidArgumentError(`series ${formatLabels(labels)}: ${c.encoding} chunk [${c.minTime}, ${c.maxTime}] reaches outside its block [${mint}, ${maxt}]`);
    }
    const a = new XorAppender();
    let first = 0, last = 0;
    it.reset([c], mint, maxt);
    while (it.next()) {
      if (a.numSamples() === 0) first = it.atT();
      last = it.atT();
      a.append(it.atT(), it.atF());
    }
    const err = it.err();
    if (err) throw err;
    if (a.numSamples() > 0) out.push({ minTime: first, maxTime: last, encoding: Encoding.XOR, data: a.bytes() });
  }
  return out;
}

/** Series read per index and chunk read of one block: what one input holds in memory at a time. */
const READ_BATCH = 512;

/**
 * A block's series within its time range, a batch of series IDs at a time (the reader would otherwise read the
 * index in spans of megabytes per block).
 */
async function* blockSeries(b: BlockReader): AsyncGenerator<BlockSeries> {
  const ids = await b.index.allPostings();
  for (let k = 0; k < ids.length; k += READ_BATCH) {
    yield* b.select([], b.meta.minTime, b.meta.maxTime - 1, { postings: ids.subarray(k, k + READ_BATCH) });
  }
}

/**
 * Groups the series of `blocks` by output label set, in increasing label order. `drop` names labels removed from
 * every series first; series that become equal are grouped (also within one block). Dropping a label can reorder a
 * block's series, which a streaming merge cannot follow: that is reported as an InvalidArgumentError naming the
 * block and both series. Each input's chunks are trimmed to its block's time range; tombstones are applied by the
 * reader.
 */
export async function* mergeSeriesSets(blocks: readonly BlockReader[], drop: ReadonlySet<string> = new Set(), signal?: AbortSignal): AsyncGenerator<SeriesGroup> {
  const outLabels = drop.size === 0 ? (l: Labels): Labels => l : (l: Labels): Labels => l.filter((x) => !drop.has(x.name));
  const trimIt = new ChunkSeriesIterator();
  const cursors: Cursor[] = blocks.map((b, block) => ({
    block, it: blockSeries(b)[Symbol.asyncIterator](), mint: b.meta.minTime, maxt: b.meta.maxTime - 1, cur: undefined,
  }));
  const advance = async (c: Cursor): Promise<void> => {
    const r = await c.it.next();
    if (r.done) { c.cur = undefined; return; }
    const out = outLabels(r.value.labels);
    if (c.cur && compareLabels(out, c.cur.out) < 0) {
      throw new InvalidArgumentError(`dropping labels ${[...drop].join(',')} reorders the series of block ${blocks[c.block]!.meta.ulid}: ` +
        `${formatLabels(r.value.labels)} would come before ${formatLabels(c.cur.series.labels)}`);
    }
    c.cur = { series: r.value, out };
  };
  for (const c of cursors) await advance(c);
  for (;;) {
    signal?.throwIfAborted();
    let min: Labels | undefined;
    for (const c of cursors) if (c.cur && (min === undefined || compareLabels(c.cur.out, min) < 0)) min = c.cur.out;
    if (min === undefined) return;
    const inputs: SeriesMergeInput[] = [];
    for (const c of cursors) {
      while (c.cur && compareLabels(c.cur.out, min) === 0) {
        const s = c.cur.series;
        const chunks = trimChunks(s.labels, s.chunks, c.mint, c.maxt, trimIt);
        if (chunks.length > 0) inputs.push({ labels: s.labels, block: c.block, chunks });
        await advance(c);
      }
    }
    if (inputs.length > 0) yield { labels: min, inputs };
  }
}
