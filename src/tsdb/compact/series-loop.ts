// The compaction's series loop: each input block's index walked front to back, series grouped by output label set
// in label order (a k-way merge), and each group written at once. Chunks of a series that need no merging (one
// input, or inputs side by side in time; inside their block's range; no deletions) are copied as record bytes,
// stored CRC included, without decoding; anything else is decoded, trimmed, merged and re-encoded.

import { CorruptionError, InvalidArgumentError } from '../../runtime/errors.js';
import type { BlockChunk, BlockReader } from '../block/reader.js';
import { applyDeletions } from '../block/reader.js';
import { ChunkSeriesIterator } from '../block/series-iterator.js';
import type { EncodedChunk } from '../block/writer.js';
import type { ChunkRef } from '../chunks/refs.js';
import { SEGMENT_HEADER_SIZE, chunkRefOffset, chunkRefSegment } from '../chunks/refs.js';
import type { SegmentWriter } from '../chunks/segment-writer.js';
import type { SequentialChunkReader } from '../chunks/sequential-reader.js';
import { crc32c } from '../encoding/crc32c.js';
import { readBE32 } from '../encoding/decoder.js';
import type { IndexFileWriter } from '../index/file-writer.js';
import type { SeriesEntry } from '../index/reader.js';
import type { ChunkMeta } from '../index/writer.js';
import type { Labels } from '../labels/labels.js';
import { compareLabels, formatLabels } from '../labels/labels.js';
import type { SeriesMergeFunc, SeriesMergeInput } from './chunk-merge.js';
import { chunksInOrder } from './chunk-merge.js';
import { trimChunks } from './series-set.js';

/** One input block of the loop: its reader (index, tombstones, meta) and a front-to-back reader of its chunks. */
export interface LoopInput {
  readonly block: BlockReader;
  readonly chunks: SequentialChunkReader;
}

export interface LoopOptions {
  readonly mergeFunc: SeriesMergeFunc;
  /** Whether `mergeFunc` is the default compacting merge (which copies side-by-side inputs as they are). */
  readonly defaultMerge: boolean;
  readonly drop: ReadonlySet<string>;
  readonly signal: AbortSignal | undefined;
}

export interface LoopCounts {
  samples: number;
  series: number;
  chunks: number;
}

class Cursor {
  private batch: SeriesEntry[] = [];
  private i = 0;
  cur: SeriesEntry | undefined;
  out: Labels = [];
  readonly mint: number;
  /** Inclusive end of the block's range. */
  readonly maxt: number;
  private readonly gen: AsyncGenerator<SeriesEntry[]>;

  constructor(readonly index: number, readonly input: LoopInput, private readonly outLabels: (l: Labels) => Labels, private readonly drop: ReadonlySet<string>) {
    // Small reads: a batch of decoded entries dies young (large batches outlive scavenges and grow the old space).
    // 16 KiB measured against 64 KiB on 3 × 100k-series blocks: GC 394 vs 676 ms, merge CPU −10%, peak RSS −10 MiB.
    this.gen = input.block.index.allSeriesInOrder(16 * 1024);
    this.mint = input.block.meta.minTime;
    this.maxt = input.block.meta.maxTime - 1;
  }

  /** Moves to the next series; false when the current batch is used up and `fetch` must run first. */
  advanceSync(): boolean {
    if (this.i >= this.batch.length) return false;
    this.set(this.batch[this.i++]!);
    return true;
  }

  async fetch(): Promise<void> {
    const r = await this.gen.next();
    if (r.done) { this.cur = undefined; return; }
    this.batch = r.value;
    this.i = 0;
    if (!this.advanceSync()) this.cur = undefined;
  }

  private set(e: SeriesEntry): void {
    const out = this.outLabels(e.labels);
    if (this.drop.size > 0 && this.cur && compareLabels(out, this.out) < 0) {
      throw new InvalidArgumentError(`dropping labels ${[...this.drop].join(',')} reorders the series of block ${this.input.block.meta.ulid}: ` +
        `${formatLabels(e.labels)} would come before ${formatLabels(this.cur.labels)}`);
    }
    this.cur = e;
    this.out = out;
  }

  async advance(): Promise<void> {
    if (!this.advanceSync()) await this.fetch();
  }

  async close(): Promise<void> {
    await this.gen.return(undefined);
  }
}

interface Member {
  readonly c: Cursor;
  readonly e: SeriesEntry;
}

/** A copied run: the input's record bytes and, per chunk, its offset in them; its sample count. */
interface Run {
  readonly m: Member;
  readonly bytes: Uint8Array;
  readonly offsets: number[];
  readonly samples: number;
}

/** Record length fields are uvarints of at most 5 bytes (chunks are far below 4 GiB). */
const MAX_LEN_FIELD = 5;

/** The bytes of a record's length field at b[i], or 0 when it does not end within MAX_LEN_FIELD bytes of `b`. */
function lenFieldSize(b: Uint8Array, i: number): number {
  const end = Math.min(b.length, i + MAX_LEN_FIELD);
  for (let p = i; p < end; p++) if (b[p]! < 0x80) return p + 1 - i;
  return 0;
}

/** The value of the length field at b[i] of `size` bytes. */
function lenFieldValue(b: Uint8Array, i: number, size: number): number {
  let len = 0, shift = 1;
  for (let p = i; p < i + size; p++) { len += (b[p]! & 0x7f) * shift; shift *= 128; }
  return len;
}

/** What copyableRun needs read first: [start, headEnd) and then [start, end) of segment `seg`. */
const NEED_IO = Symbol('need I/O');

/** Whether the series' chunks are all inside the block's range, in time order, undeleted, in one segment. */
function copyable(m: Member): boolean {
  const { c, e } = m;
  const metas = e.chunks;
  if (metas.length === 0 || c.input.block.tombstones.get(e.id) !== undefined) return false;
  for (let k = 0; k < metas.length; k++) {
    const x = metas[k]!;
    if (x.minTime < c.mint || x.maxTime > c.maxt || (k > 0 && x.minTime <= metas[k - 1]!.maxTime)) return false;
  }
  return chunkRefSegment(metas[0]!.ref) === chunkRefSegment(metas[metas.length - 1]!.ref) && metas[metas.length - 1]!.ref >= metas[0]!.ref;
}

/** Where a copyable series' chunk records lie: segment, first record's offset, last record's offset. */
interface RunPlace {
  readonly seg: number;
  readonly start: number;
  readonly lastOff: number;
  readonly segLen: number;
  /** End of the bytes to read first: enough to hold the last record's length field. */
  readonly headEnd: number;
}

function runPlace(m: Member, reader: SequentialChunkReader): RunPlace {
  const metas = m.e.chunks;
  const first = metas[0]!.ref;
  const seg = chunkRefSegment(first);
  const lastOff = chunkRefOffset(metas[metas.length - 1]!.ref);
  const segLen = reader.segmentLength(seg);
  return { seg, start: chunkRefOffset(first), lastOff, segLen, headEnd: Math.min(segLen, lastOff + MAX_LEN_FIELD) };
}

/** End offset of the last record, read from `head` ([start, headEnd)); undefined when its length field is bad. */
function runEnd(p: RunPlace, head: Uint8Array, reader: SequentialChunkReader): number | undefined {
  const hs = lenFieldSize(head, p.lastOff - p.start);
  if (hs === 0) return undefined;
  const lastLen = lenFieldValue(head, p.lastOff - p.start, hs);
  const end = p.lastOff + hs + 1 + lastLen + 4;
  if (end > p.segLen) throw new CorruptionError(reader.source(p.seg, p.lastOff).name, 'chunk', p.lastOff, `chunk of ${lastLen} bytes runs past end of segment (${p.segLen} bytes)`);
  return end;
}

/**
 * The record bytes of a copyable series' chunks (see `copyable`) when they lie back to back; undefined when they
 * do not; NEED_IO when the reader's window does not hold them yet (then `copyableRunAsync`).
 */
function copyableRunSync(m: Member, reader: SequentialChunkReader): Run | undefined | typeof NEED_IO {
  const p = runPlace(m, reader);
  const head = reader.tryRange(p.seg, p.start, p.headEnd);
  if (head === undefined) return NEED_IO;
  const end = runEnd(p, head, reader);
  if (end === undefined) return undefined;
  const bytes = reader.tryRange(p.seg, p.start, end);
  return bytes === undefined ? NEED_IO : parseRun(m, bytes, p.start);
}

async function copyableRunAsync(m: Member, reader: SequentialChunkReader): Promise<Run | undefined> {
  const p = runPlace(m, reader);
  const end = runEnd(p, await reader.range(p.seg, p.start, p.headEnd), reader);
  return end === undefined ? undefined : parseRun(m, await reader.range(p.seg, p.start, end), p.start);
}

/** Walks the records in `bytes` (file offset `start`): each must begin where the next chunk's ref says. */
function parseRun(m: Member, bytes: Uint8Array, start: number): Run | undefined {
  const metas = m.e.chunks;
  const offsets: number[] = new Array<number>(metas.length);
  let samples = 0;
  let p = 0;
  for (let k = 0; k < metas.length; k++) {
    if (chunkRefOffset(metas[k]!.ref) - start !== p) return undefined;
    const hs = lenFieldSize(bytes, p);
    if (hs === 0) return undefined;
    const len = lenFieldValue(bytes, p, hs);
    const dataAt = p + hs + 1;
    const next = dataAt + len + 4;
    if (next > bytes.length) return undefined;
    offsets[k] = p;
    if (len >= 2) samples += (bytes[dataAt]! << 8) | bytes[dataAt + 1]!;
    p = next;
  }
  if (p !== bytes.length) return undefined;
  return { m, bytes, offsets, samples };
}

/** Reads one chunk record of an input (CRC verified: these chunks get decoded). */
async function readChunk(r: SequentialChunkReader, ref: ChunkRef): Promise<{ encoding: number; data: Uint8Array }> {
  const seg = chunkRefSegment(ref);
  const off = chunkRefOffset(ref);
  const src = r.source(seg, off);
  const headEnd = Math.min(src.length, off + MAX_LEN_FIELD);
  if (off < SEGMENT_HEADER_SIZE || off >= src.length) throw new CorruptionError(src.name, 'chunk ref', off, `chunk offset ${off} outside segment of ${src.length} bytes`);
  const head = r.tryRange(seg, off, headEnd) ?? await r.range(seg, off, headEnd);
  const hs = lenFieldSize(head, 0);
  if (hs === 0) throw new CorruptionError(src.name, 'chunk', off, 'truncated or overlong chunk length');
  const len = lenFieldValue(head, 0, hs);
  const end = off + hs + 1 + len + 4;
  if (end > src.length) throw new CorruptionError(src.name, 'chunk', off, `chunk of ${len} bytes runs past end of segment (${src.length} bytes)`);
  // A copy: these bytes are kept while other chunks of the group are read, which may move the window.
  const b = (r.tryRange(seg, off, end) ?? await r.range(seg, off, end)).slice();
  const dataEnd = hs + 1 + len;
  const want = readBE32(b, dataEnd);
  const got = crc32c(b, 0, hs, dataEnd);
  if (want !== got) throw new CorruptionError(src.name, 'chunk', off, `checksum mismatch: stored 0x${want.toString(16).padStart(8, '0')}, computed 0x${got.toString(16).padStart(8, '0')}`);
  return { encoding: b[hs]!, data: b.subarray(hs + 1, dataEnd) };
}

function numSamples(c: EncodedChunk): number {
  return c.data.length >= 2 ? (c.data[0]! << 8) | c.data[1]! : 0;
}

/**
 * Walks the inputs and writes every output series: chunks to `segments`, series to `index`. Returns the counts
 * meta.json records.
 */
export async function runSeriesLoop(inputs: readonly LoopInput[], segments: SegmentWriter, index: IndexFileWriter, opts: LoopOptions): Promise<LoopCounts> {
  const { drop } = opts;
  const outLabels = drop.size === 0 ? (l: Labels): Labels => l : (l: Labels): Labels => l.filter((x) => !drop.has(x.name));
  const cursors = inputs.map((inp, i) => new Cursor(i, inp, outLabels, drop));
  const counts: LoopCounts = { samples: 0, series: 0, chunks: 0 };
  const trimIt = new ChunkSeriesIterator();
  const metas: ChunkMeta[] = [];
  // Output chunk metas are encoded by the index writer at once and not kept: reused objects, not one per chunk.
  const pool: { minTime: number; maxTime: number; ref: number }[] = [];
  const pushMeta = (minTime: number, maxTime: number, ref: number): void => {
    let m = pool[metas.length];
    if (m === undefined) { m = { minTime, maxTime, ref }; pool.push(m); } else { m.minTime = minTime; m.maxTime = maxTime; m.ref = ref; }
    metas.push(m);
  };
  const group: Member[] = [];
  const runs: Run[] = [];
  let step = 0;
  try {
    for (const c of cursors) await c.fetch();
    for (;;) {
      if ((++step & 1023) === 0) opts.signal?.throwIfAborted();
      let min: Labels | undefined;
      for (const c of cursors) if (c.cur && (min === undefined || compareLabels(c.out, min) < 0)) min = c.out;
      if (min === undefined) break;
      group.length = 0;
      for (const c of cursors) {
        while (c.cur && (c.out === min || compareLabels(c.out, min) === 0)) {
          group.push({ c, e: c.cur });
          if (!c.advanceSync()) await c.fetch();
        }
      }
      metas.length = 0;
      // The verbatim path: every member copyable and, with several, side by side in time (and from different
      // blocks: views into one block's reader stay valid over only one window move).
      runs.length = 0;
      let verbatim = group.length === 1 || opts.defaultMerge;
      for (let k = 0; verbatim && k < group.length; k++) {
        const m = group[k]!;
        if (!copyable(m) || (k > 0 && group[k - 1]!.c === m.c)) { verbatim = false; break; }
        let run = copyableRunSync(m, m.c.input.chunks);
        if (run === NEED_IO) run = await copyableRunAsync(m, m.c.input.chunks);
        if (run === undefined) verbatim = false;
        else runs.push(run);
      }
      if (verbatim && runs.length > 1) {
        // Insertion sort by first sample time: a handful of runs.
        for (let k = 1; k < runs.length; k++) {
          const r = runs[k]!;
          let j = k - 1;
          while (j >= 0 && runs[j]!.m.e.chunks[0]!.minTime > r.m.e.chunks[0]!.minTime) { runs[j + 1] = runs[j]!; j--; }
          runs[j + 1] = r;
        }
        for (let k = 1; k < runs.length; k++) {
          const prev = runs[k - 1]!.m.e.chunks;
          if (runs[k]!.m.e.chunks[0]!.minTime <= prev[prev.length - 1]!.maxTime) { verbatim = false; break; }
        }
      }
      if (verbatim) {
        for (const run of runs) {
          const base = segments.addRecords(run.bytes);
          const cm = run.m.e.chunks;
          for (let k = 0; k < cm.length; k++) {
            const x = cm[k]!;
            let ref: ChunkRef;
            if (base !== undefined) ref = base + run.offsets[k]!;
            else {
              // Too large for one segment: record by record.
              const from = run.offsets[k]!;
              const to = k + 1 < cm.length ? run.offsets[k + 1]! : run.bytes.length;
              ref = segments.addRecords(run.bytes.subarray(from, to))!;
            }
            pushMeta(x.minTime, x.maxTime, ref);
          }
          counts.samples += run.samples;
        }
      } else {
        const chunks = await mergedChunks(min, group, trimIt, opts.mergeFunc);
        for (const ch of chunks) {
          pushMeta(ch.minTime, ch.maxTime, segments.add(ch.encoding, ch.data));
          counts.samples += numSamples(ch);
        }
      }
      if (metas.length === 0) continue;
      counts.chunks += metas.length;
      counts.series++;
      if (segments.wantsFlush) await segments.flush();
      index.addSeriesBuffered(min, metas);
      if (index.wantsFlush) await index.flushBuffered();
    }
  } finally {
    for (const c of cursors) await c.close();
  }
  return counts;
}

/** The decoding path: deletions applied, chunks trimmed to their block's range, merged by the merge function. */
async function mergedChunks(labels: Labels, group: readonly Member[], trimIt: ChunkSeriesIterator, mergeFunc: SeriesMergeFunc): Promise<readonly EncodedChunk[]> {
  const inputs: SeriesMergeInput[] = [];
  for (const { c, e } of group) {
    const deleted = c.input.block.tombstones.get(e.id);
    let chunks: BlockChunk[] = [];
    for (const m of e.chunks) {
      if (m.maxTime < c.mint || m.minTime > c.maxt) continue;
      if (deleted && deleted.some((iv) => iv.mint <= m.minTime && iv.maxt >= m.maxTime)) continue;
      const raw = await readChunk(c.input.chunks, m.ref);
      chunks.push({ minTime: m.minTime, maxTime: m.maxTime, ref: m.ref, encoding: raw.encoding, data: raw.data });
    }
    if (deleted) chunks = applyDeletions(chunks, deleted);
    const trimmed = trimChunks(e.labels, chunks, c.mint, c.maxt, trimIt);
    if (trimmed.length > 0) inputs.push({ labels: e.labels, block: c.index, chunks: trimmed });
  }
  if (inputs.length === 0) return [];
  const only = inputs.length === 1 ? inputs[0]! : undefined;
  const chunks = only && chunksInOrder(only.chunks) ? only.chunks : mergeFunc(labels, inputs);
  if (!chunksInOrder(chunks)) throw new InvalidArgumentError(`merge function returned overlapping or unordered chunks for ${formatLabels(labels)}`);
  return chunks;
}
