// Prometheus's leveled-compaction core: N blocks in, one block out, streamed series by series. Chunks go to the
// segment files and series to the index file as each series is merged; meta.json is written last, in
// `<ulid>.tmp-for-creation`, which is renamed into place, so a crash never leaves a directory that reads as a block.
//
//   const meta = await compactBlocks(dataDir, [dirA, dirB], { mergeFunc });   // undefined when nothing is left

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ulid as newUlid } from 'ulid';
import { InvalidArgumentError } from '../../runtime/errors.js';
import type { BlockMeta } from '../block/meta.js';
import { writeMeta } from '../block/meta.js';
import { BlockReader } from '../block/reader.js';
import { SequentialChunkReader } from '../chunks/sequential-reader.js';
import { compareBytewise } from '../index/writer.js';
import type { SeriesMergeFunc } from './chunk-merge.js';
import { compactingChunkMerge } from './chunk-merge.js';
import { runSeriesLoop } from './series-loop.js';
import { compactBlockMetas } from './meta.js';
import { StreamedBlock, TMP_FOR_CREATION } from '../block/streamed-block.js';

export interface CompactOptions {
  /** ULID of the new block; a fresh one by default. */
  readonly ulid?: string;
  /** Merges a series held by several inputs (or overlapping in one); Prometheus's compacting merge by default. */
  readonly mergeFunc?: SeriesMergeFunc;
  /** Label names removed from every series before merging (series that become equal are merged). */
  readonly dropLabels?: readonly string[];
  /** Extra top-level meta.json fields (e.g. Thanos's section), written with the rest. */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Maximum chunk segment size (default 512 MiB). */
  readonly segmentSize?: number;
  readonly signal?: AbortSignal;
}

/** Union of sorted, unique string lists, sorted bytewise. */
function unionSorted(lists: readonly (readonly string[])[]): string[] {
  const all = new Set<string>();
  for (const l of lists) for (const s of l) all.add(s);
  return [...all].sort(compareBytewise);
}

/**
 * Compacts the blocks in `blockDirs` into one new block under `destDir` and returns its meta. When no sample is
 * left (everything deleted), no block is written, the inputs' meta.json get `compaction.deletable`, and the result is
 * undefined, as Prometheus does.
 */
export async function compactBlocks(destDir: string, blockDirs: readonly string[], opts: CompactOptions = {}): Promise<BlockMeta | undefined> {
  if (blockDirs.length === 0) throw new InvalidArgumentError('compaction needs at least one input block');
  const id = opts.ulid ?? newUlid();
  const mergeFunc = opts.mergeFunc ?? compactingChunkMerge;
  const readers: BlockReader[] = [];
  const chunkReaders: SequentialChunkReader[] = [];
  let block: StreamedBlock | undefined;
  try {
    for (const d of blockDirs) readers.push(await BlockReader.open(d));
    block = await StreamedBlock.create(destDir, id, opts.segmentSize !== undefined ? { segmentSize: opts.segmentSize } : {});
    const { segments, index } = block;
    index.addSymbols(unionSorted(readers.map((r) => r.index.symbols())));

    for (const r of readers) chunkReaders.push(await SequentialChunkReader.openDir(join(r.dir!, 'chunks')));
    const counts = await runSeriesLoop(readers.map((block, i) => ({ block, chunks: chunkReaders[i]! })), segments, index, {
      mergeFunc, defaultMerge: mergeFunc === compactingChunkMerge, drop: new Set(opts.dropLabels ?? []), signal: opts.signal,
    });
    const nSamples = counts.samples, nSeries = counts.series, nChunks = counts.chunks;
    await block.close();
    if (nSamples === 0) {
      await block.discard();
      for (const r of readers) await writeMeta(r.dir!, { ...r.meta, compaction: { ...r.meta.compaction, deletable: true } });
      return undefined;
    }
    const meta: BlockMeta = {
      ...compactBlockMetas(id, readers.map((r) => r.meta), { numSamples: nSamples, numSeries: nSeries, numChunks: nChunks }),
      ...(opts.extra ? { extra: opts.extra } : {}),
    };
    await block.publish(meta);
    return meta;
  } catch (err) {
    await block?.discard();
    throw err;
  } finally {
    for (const r of chunkReaders) await r.close();
    for (const r of readers) await r.close();
  }
}

/**
 * Removes the temporary directories of block builds a crash left in `dir` (`*.tmp-for-creation`, as Prometheus
 * removes them when it opens a data directory); returns their names. Call it before compacting into `dir`, never
 * while another build writes there.
 */
export async function removeTmpBlockDirs(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory() && e.name.endsWith(TMP_FOR_CREATION)) {
      await rm(join(dir, e.name), { recursive: true, force: true });
      removed.push(e.name);
    }
  }
  return removed;
}
