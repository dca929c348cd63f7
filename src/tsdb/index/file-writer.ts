// Index format v2 writer that streams to a file: series go to disk as they are added; what stays in memory is the
// symbol table and, for postings, 12 bytes per label pair (not the series' labels and chunk metas). Same bytes as
// IndexWriter (same layout as Prometheus 2.42); used where a block is too large to build in memory (compaction).

import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { BugError, InvalidArgumentError } from '../../runtime/errors.js';
import type { Labels } from '../labels/labels.js';
import { compareLabels, formatLabels } from '../labels/labels.js';
import { crc32c } from '../encoding/crc32c.js';
import { Encoder } from '../encoding/encoder.js';
import { encodeSymbols } from './symbols.js';
import { INDEX_MAGIC, INDEX_VERSION_2, encodeToc } from './toc.js';
import type { ChunkMeta } from './writer.js';
import { compareBytewise, putChunkMetas } from './writer.js';

/** Buffered bytes written to the file once they reach this size. */
const FLUSH_AT = 1 << 20;

/** Grows a Uint32Array log by doubling. */
class U32Log {
  data = new Uint32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Uint32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
}

/**
 * The pair indices ordered by (key, index). When key × count + index stays exact in a double, the composite values
 * are sorted natively in place (no comparator calls, no copy); otherwise a comparator sort.
 */
export function sortedOrder(keys: Float64Array, keyLimit: number): Uint32Array {
  const n = keys.length;
  const order = new Uint32Array(n);
  if (keyLimit * n + n < Number.MAX_SAFE_INTEGER) {
    const composite = new Float64Array(n);
    for (let i = 0; i < n; i++) composite[i] = keys[i]! * n + i;
    composite.sort();
    for (let i = 0; i < n; i++) order[i] = composite[i]! % n;
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => keys[a]! - keys[b]! || a - b);
}

/**
 * Usage: `IndexFileWriter.create(path)`, `addSymbols(sorted)` once, `await addSeries(labels, chunks)` in strictly
 * increasing label order, then `await finish()` (fsynced and closed). `abort()` closes the file after a failure
 * (the caller removes it).
 */
export class IndexFileWriter {
  private readonly buf = new Encoder(FLUSH_AT + 64 * 1024);
  private readonly scratch = new Encoder(256);
  /** Bytes already written to the file. */
  private written = 0;
  private symbols: readonly string[] = [];
  private readonly symbolIdx = new Map<string, number>();
  private seriesStart = 0;
  private lastSeries: Labels | undefined;
  /** Label pairs of every series, in series order: name symbol, value symbol, series ID. */
  private readonly pairNames = new U32Log();
  private readonly pairValues = new U32Log();
  private readonly pairIds = new U32Log();
  private readonly allIds = new U32Log();
  private stage: 'symbols' | 'series' | 'done' = 'symbols';
  private closed = false;

  private constructor(private readonly fh: FileHandle, readonly path: string) {
    this.buf.putBE32(INDEX_MAGIC);
    this.buf.putByte(INDEX_VERSION_2);
  }

  static async create(path: string): Promise<IndexFileWriter> {
    return new IndexFileWriter(await open(path, 'w'), path);
  }

  private get pos(): number {
    return this.written + this.buf.length;
  }

  /** Pads with zeros to a multiple of `align` in file offsets. */
  private pad(align: number): void {
    const rem = this.pos % align;
    if (rem !== 0) this.buf.putZeros(align - rem);
  }

  private async maybeFlush(force = false): Promise<void> {
    if (this.buf.length < FLUSH_AT && !force) return;
    const b = this.buf.bytes();
    let done = 0;
    while (done < b.length) done += (await this.fh.write(b, done, b.length - done, this.written + done)).bytesWritten;
    this.written += b.length;
    this.buf.reset();
  }

  /**
   * Writes the symbol table: sorted bytewise, unique, and containing every label name and value of the series
   * that follow (a superset is fine, as Prometheus's compactor writes the union of its inputs' symbols).
   */
  addSymbols(sorted: readonly string[]): void {
    if (this.stage !== 'symbols') throw new BugError(`index writer: symbols added in stage ${this.stage}`);
    for (let i = 1; i < sorted.length; i++) {
      if (compareBytewise(sorted[i - 1]!, sorted[i]!) >= 0) throw new InvalidArgumentError(`index symbols not sorted or not unique at ${i}: ${JSON.stringify(sorted[i])}`);
    }
    // The symbol table is assembled in its own buffer: encodeSymbols computes its CRC over the buffer it writes to.
    const e = new Encoder(64 * 1024);
    encodeSymbols(sorted, e);
    this.buf.putBytes(e.bytes());
    this.symbols = sorted;
    sorted.forEach((s, i) => this.symbolIdx.set(s, i));
    this.seriesStart = this.pos;
    this.stage = 'series';
  }

  private sym(s: string, lset: Labels): number {
    const i = this.symbolIdx.get(s);
    if (i === undefined) throw new InvalidArgumentError(`symbol ${JSON.stringify(s)} of series ${formatLabels(lset)} is not in the symbol table`);
    return i;
  }

  /** Adds one series (rules as IndexWriter.addSeries); returns its ID (offset / 16). */
  async addSeries(lset: Labels, chunks: readonly ChunkMeta[]): Promise<number> {
    const id = this.addSeriesBuffered(lset, chunks);
    await this.maybeFlush();
    return id;
  }

  /**
   * `addSeries` without writing to the file: the entry stays buffered until `flushBuffered()`, which the caller
   * awaits whenever `wantsFlush` says so (a loop over many series then awaits once per megabyte, not per series).
   */
  addSeriesBuffered(lset: Labels, chunks: readonly ChunkMeta[]): number {
    if (this.stage === 'symbols') this.addSymbols(['']);
    if (this.stage !== 'series') throw new BugError('index writer used after finish');
    if (this.lastSeries && compareLabels(this.lastSeries, lset) >= 0) {
      throw new InvalidArgumentError(`out-of-order series added with label set ${formatLabels(lset)}`);
    }
    for (let i = 1; i < lset.length; i++) {
      if (lset[i - 1]!.name >= lset[i]!.name) throw new InvalidArgumentError(`series ${formatLabels(lset)} has unsorted or duplicate label names`);
    }
    this.pad(16);
    const id = this.pos / 16;
    if (id > 0xffffffff) throw new InvalidArgumentError('index exceeds 64 GiB: series IDs no longer fit 32 bits');
    const s = this.scratch;
    s.reset();
    s.putUvarint(lset.length);
    for (const l of lset) {
      const n = this.sym(l.name, lset);
      const v = this.sym(l.value, lset);
      s.putUvarint(n);
      s.putUvarint(v);
      this.pairNames.push(n);
      this.pairValues.push(v);
      this.pairIds.push(id);
    }
    putChunkMetas(s, lset, chunks);
    const body = s.bytes();
    this.buf.putUvarint(body.length);
    this.buf.putBytes(body);
    this.buf.putBE32(crc32c(body));
    this.allIds.push(id);
    this.lastSeries = lset;
    return id;
  }

  /** Whether buffered bytes have reached the size at which they are written. */
  get wantsFlush(): boolean {
    return this.buf.length >= FLUSH_AT;
  }

  /** Writes the buffered bytes once they have reached the flush size. */
  async flushBuffered(): Promise<void> {
    await this.maybeFlush();
  }

  /** Writes one length-prefixed, CRC-terminated section assembled in `scratch`. */
  private putSection(body: Uint8Array): void {
    this.buf.putBE32(body.length);
    this.buf.putBytes(body);
    this.buf.putBE32(crc32c(body));
  }

  private putPostings(ids: Uint32Array, from: number, to: number): void {
    this.pad(4);
    const b = this.buf;
    b.putBE32(4 + 4 * (to - from));
    const at = b.length;
    b.putBE32(to - from);
    for (let i = from; i < to; i++) b.putBE32(ids[i]!);
    b.putBE32(crc32c(b.bytes(), 0, at, b.length));
  }

  /** Writes label indices, postings, both offset tables and the TOC; fsyncs and closes the file. */
  async finish(): Promise<void> {
    if (this.stage === 'symbols') this.addSymbols(['']);
    if (this.stage !== 'series') throw new BugError('index writer finished twice');
    this.stage = 'done';
    const seriesEnd = this.pos;
    const syms = this.symbols;
    const nPairs = this.pairNames.length;
    const names = this.pairNames.data;
    const values = this.pairValues.data;
    const pairIds = this.pairIds.data;
    // Symbol indices follow bytewise string order, so sorting pairs by (name index, value index, series ID) puts
    // them in the order label indices and postings are written in. IDs grow with the pair index.
    const nSyms = syms.length;
    const keys = new Float64Array(nPairs);
    for (let i = 0; i < nPairs; i++) keys[i] = names[i]! * nSyms + values[i]!;
    const order = sortedOrder(keys, nSyms * nSyms);
    const sortedIds = new Uint32Array(nPairs);
    for (let i = 0; i < nPairs; i++) sortedIds[i] = pairIds[order[i]!]!;

    // Runs of equal (name, value): [start, end) in the sorted order.
    const runStarts = new U32Log();
    for (let i = 0; i < nPairs; i++) if (i === 0 || keys[order[i]!] !== keys[order[i - 1]!]) runStarts.push(i);
    runStarts.push(nPairs);
    const nRuns = runStarts.length - 1;
    const runName = (r: number): number => names[order[runStarts.data[r]!]!]!;
    const runValue = (r: number): number => values[order[runStarts.data[r]!]!]!;

    // Label indices (legacy, still written by 2.42): one per name, its values as symbol indices.
    const nameAt: { name: number; at: number }[] = [];
    const s = this.scratch;
    for (let r = 0; r < nRuns;) {
      const name = runName(r);
      let e = r;
      while (e < nRuns && runName(e) === name) e++;
      this.pad(4);
      nameAt.push({ name, at: this.pos });
      s.reset();
      s.putBE32(1);
      s.putBE32(e - r);
      for (let k = r; k < e; k++) s.putBE32(runValue(k));
      this.putSection(s.bytes());
      await this.maybeFlush();
      r = e;
    }
    const labelIndicesEnd = this.pos;

    // Postings: the all-series list under ("", ""), then one list per name and value.
    const postingsAt = new Float64Array(nRuns + 1);
    this.pad(4);
    postingsAt[0] = this.pos;
    this.putPostings(this.allIds.data, 0, this.allIds.length);
    await this.maybeFlush();
    for (let r = 0; r < nRuns; r++) {
      this.pad(4);
      postingsAt[r + 1] = this.pos;
      this.putPostings(sortedIds, runStarts.data[r]!, runStarts.data[r + 1]!);
      if (this.buf.length >= FLUSH_AT) await this.maybeFlush();
    }

    // Label offset table.
    const lot = this.pos;
    s.reset();
    s.putBE32(nameAt.length);
    for (const n of nameAt) {
      s.putUvarint(1);
      s.putUvarintStr(syms[n.name]!);
      s.putUvarint(n.at);
    }
    this.putSection(s.bytes());
    await this.maybeFlush();

    // Postings offset table.
    const pot = this.pos;
    const t = new Encoder(64 * 1024);
    t.putBE32(nRuns + 1);
    t.putUvarint(2);
    t.putUvarintStr('');
    t.putUvarintStr('');
    t.putUvarint(postingsAt[0]!);
    for (let r = 0; r < nRuns; r++) {
      t.putUvarint(2);
      t.putUvarintStr(syms[runName(r)]!);
      t.putUvarintStr(syms[runValue(r)]!);
      t.putUvarint(postingsAt[r + 1]!);
    }
    this.putSection(t.bytes());

    this.buf.putBytes(encodeToc({
      symbols: 5, series: this.seriesStart, labelIndices: seriesEnd, labelIndicesTable: lot,
      postings: labelIndicesEnd, postingsTable: pot,
    }));
    await this.maybeFlush(true);
    await this.fh.sync();
    this.closed = true;
    await this.fh.close();
  }

  /** Closes the file without finishing it (after a failure). Safe to call more than once. */
  async abort(): Promise<void> {
    this.stage = 'done';
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}
