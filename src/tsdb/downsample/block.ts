// Downsamples one block directory into a new one, streaming: series are read a batch at a time from the source's
// index and chunks, each series is aggregated on its own, and its chunks and index entry are written out before the
// next, so memory holds one read batch and one series, never the block. Knows no Thanos concepts: the caller passes
// the meta.json fields that say what the block is (Thanos's resolution section).
//
//   const meta = await downsampleBlock(srcDir, destDir, { fromRes: 0, toRes: RES_5M, extra: {...} });

import { ulid as newUlid } from 'ulid';
import { InvalidArgumentError } from '../../runtime/errors.js';
import type { BlockMeta } from '../block/meta.js';
import { BlockReader } from '../block/reader.js';
import type { EncodedChunk } from '../block/writer.js';
import { aggrChunkNumSamples } from '../chunkenc/aggr.js';
import { Encoding } from '../chunkenc/chunk.js';
import { XorIterator } from '../chunkenc/xor.js';
import type { ChunkMeta } from '../index/writer.js';
import { formatLabels } from '../labels/labels.js';
import { downsampleAggr, downsampleRaw, expandInto } from './series.js';
import { SampleBuffer } from './windows.js';
import { StreamedBlock } from '../block/streamed-block.js';

export interface DownsampleBlockOptions {
  /** Resolution of the source block (0 = raw), in ms. */
  readonly fromRes: number;
  /** Target resolution in ms; must be coarser than fromRes. */
  readonly toRes: number;
  /** ULID of the new block; a fresh one by default. */
  readonly ulid?: string;
  /** Top-level meta.json fields replacing the source's (e.g. the Thanos section with the new resolution). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Series read per index/chunk read of the source (default 256): the bound on what is held at once. */
  readonly readBatch?: number;
  readonly segmentSize?: number;
  readonly signal?: AbortSignal;
  /** Called after each series with the number of input samples it had (for progress and benchmarks). */
  readonly onSeries?: (inputSamples: number) => void;
}

export interface DownsampleResult {
  readonly meta: BlockMeta;
  readonly dir: string;
  /** Raw samples read (raw sources) or aggregate points read (downsampled sources). */
  readonly inputSamples: number;
  /** Series left out because they hold only native-histogram chunks (not downsampled by this build). */
  readonly skippedHistogramSeries: number;
}

/**
 * Writes the downsampled copy of `srcDir` into `destDir/<ulid>` (built in `<ulid>.tmp-for-creation`, renamed when
 * complete). The new meta keeps the source's time range, compaction level and sources; only the ULID, stats and the
 * given extra fields change. Throws InvalidArgumentError when the target is not coarser or the source holds
 * overlapping chunks.
 */
export async function downsampleBlock(srcDir: string, destDir: string, opts: DownsampleBlockOptions): Promise<DownsampleResult> {
  if (opts.toRes <= opts.fromRes) throw new InvalidArgumentError(`target resolution ${opts.toRes} not lower than existing one ${opts.fromRes}`);
  const id = opts.ulid ?? newUlid();
  const src = await BlockReader.open(srcDir);
  let block: StreamedBlock | undefined;
  try {
    block = await StreamedBlock.create(destDir, id, opts.segmentSize !== undefined ? { segmentSize: opts.segmentSize } : {});
    const { segments, index } = block;
    index.addSymbols(src.index.symbols());
    const buf = new SampleBuffer();
    const it = new XorIterator();
    const metas: ChunkMeta[] = [];
    let out: EncodedChunk[] = [];
    let nSamples = 0, nSeries = 0, nChunks = 0, input = 0, skipped = 0;
    const ids = await src.index.allPostings();
    const batch = opts.readBatch ?? 256;
    for (let k = 0; k < ids.length; k += batch) {
      for await (const s of src.select([], -Infinity, Infinity, { postings: ids.subarray(k, k + batch), ...(opts.signal ? { signal: opts.signal } : {}) })) {
        opts.signal?.throwIfAborted();
        for (let i = 1; i < s.chunks.length; i++) {
          if (s.chunks[i - 1]!.maxTime >= s.chunks[i]!.minTime) {
            throw new InvalidArgumentError(`found overlapping chunks within series ${formatLabels(s.labels)} of block ${src.meta.ulid}`);
          }
        }
        let seriesInput = 0;
        out.length = 0;
        if (opts.fromRes === 0) {
          buf.clear();
          let histograms = 0;
          for (const c of s.chunks) {
            if (c.encoding !== Encoding.XOR) { histograms++; continue; }
            expandInto(it.reset(c.data), buf);
          }
          if (histograms > 0 && histograms === s.chunks.length) skipped++;
          seriesInput = buf.n;
          downsampleRaw(buf, opts.toRes, out);
        } else {
          for (const c of s.chunks) seriesInput += c.encoding === Encoding.XOR ? 0 : aggrChunkNumSamples(c.data);
          out = downsampleAggr(s.chunks, opts.fromRes, opts.toRes, buf, `series ${formatLabels(s.labels)} of block ${src.meta.ulid}`);
        }
        input += seriesInput;
        opts.onSeries?.(seriesInput);
        if (out.length === 0) continue;
        metas.length = 0;
        for (const c of out) {
          metas.push({ minTime: c.minTime, maxTime: c.maxTime, ref: segments.add(c.encoding, c.data) });
          nSamples += aggrChunkNumSamples(c.data);
        }
        nChunks += out.length;
        nSeries++;
        await segments.flush();
        await index.addSeries(s.labels, metas);
      }
    }
    await block.close();
    const base = src.meta;
    const meta: BlockMeta = {
      ulid: id, minTime: base.minTime, maxTime: base.maxTime, version: 1,
      stats: { numSamples: nSamples, numSeries: nSeries, numChunks: nChunks },
      compaction: base.compaction,
      ...(base.extra || opts.extra ? { extra: { ...base.extra, ...opts.extra } } : {}),
    };
    return { meta, dir: await block.publish(meta), inputSamples: input, skippedHistogramSeries: skipped };
  } catch (err) {
    await block?.discard();
    throw err;
  } finally {
    await src.close();
  }
}
