// Index format v2 reader over a ByteSource. Opening reads the TOC, symbol table and postings offset table (and
// checks the label offset table); postings and series are read on demand, batched into range reads, so the same
// code serves a local file and an object in a bucket. Every CRC is verified before data is used.

import { CorruptionError } from '../../runtime/errors.js';
import type { ByteSource } from '../byte-source.js';
import { Decoder, readBE32, verifyCrc } from '../encoding/decoder.js';
import type { Label, Labels } from '../labels/labels.js';
import type { Matcher } from '../labels/matcher.js';
import type { Postings } from './postings.js';
import { EMPTY_POSTINGS, intersect, merge, remove } from './postings.js';
import { decodeSymbols } from './symbols.js';
import type { Toc } from './toc.js';
import { INDEX_HEADER_SIZE, INDEX_MAGIC, TOC_SIZE, decodeToc } from './toc.js';
import type { ChunkMeta } from './writer.js';

/** One series entry: its ID, labels (sorted) and chunk metas in time order. */
export interface SeriesEntry {
  readonly id: number;
  readonly labels: Labels;
  readonly chunks: ChunkMeta[];
}

interface NameEntry {
  readonly values: string[];
  readonly offsets: number[];
  readonly index: Map<string, number>;
}

/** Series entries closer than this are fetched in one read. */
const SERIES_GAP = 64 * 1024;
const SERIES_SPAN = 4 * 1024 * 1024;
const SERIES_GUESS = 4096;

export class IndexReader {
  private readonly file: string;
  private readonly names = new Map<string, NameEntry>();
  /** Sorted start offsets of every postings list, and where the postings section ends. */
  private postingsStarts: number[] = [];
  private postingsEnd = 0;
  private seriesEnd = 0;

  private constructor(
    private readonly src: ByteSource,
    readonly version: number,
    readonly toc: Toc,
    private readonly syms: string[],
  ) {
    this.file = src.name;
  }

  /** Opens an index; throws CorruptionError naming the section and offset for anything malformed. */
  static async open(src: ByteSource): Promise<IndexReader> {
    const file = src.name;
    if (src.length < INDEX_HEADER_SIZE + TOC_SIZE) throw new CorruptionError(file, 'header', 0, `index of ${src.length} bytes is too short`);
    const head = await src.read(0, INDEX_HEADER_SIZE);
    const magic = readBE32(head, 0);
    if (magic !== INDEX_MAGIC) throw new CorruptionError(file, 'header', 0, `invalid magic number 0x${magic.toString(16)}`);
    const version = head[4]!;
    if (version !== 2 && version !== 3) throw new CorruptionError(file, 'header', 4, `unsupported index version ${version}`);
    const toc = decodeToc(await src.read(src.length - TOC_SIZE, TOC_SIZE), src.length, file);
    const symBytes = await readSection(src, toc.symbols, 'symbols');
    const r = new IndexReader(src, version, toc, decodeSymbols(symBytes, toc.symbols, file));
    await r.loadPostingsTable();
    if (toc.labelIndicesTable !== 0 && toc.labelIndicesTable !== toc.postingsTable) {
      await readSection(src, toc.labelIndicesTable, 'label offset table', true);
    }
    return r;
  }

  private async loadPostingsTable(): Promise<void> {
    const { toc, file } = this;
    const b = await readSection(this.src, toc.postingsTable, 'postings offset table', true);
    const d = new Decoder(b, toc.postingsTable);
    d.skip(4);
    const n = d.be32();
    const starts: number[] = [];
    for (let i = 0; i < n && d.err() === undefined; i++) {
      const keys = d.uvarint();
      if (keys !== 2) d.fail(`postings offset entry has ${keys} keys, want 2`);
      const name = d.uvarintStr();
      const value = d.uvarintStr();
      const off = d.uvarint();
      if (d.err() !== undefined) break;
      if (off < toc.postings || off >= toc.postingsTable) d.fail(`postings offset ${off} outside the postings section`);
      let e = this.names.get(name);
      if (!e) { e = { values: [], offsets: [], index: new Map() }; this.names.set(name, e); }
      e.index.set(value, e.values.length);
      e.values.push(value);
      e.offsets.push(off);
      starts.push(off);
    }
    d.check(file, 'postings offset table');
    this.postingsStarts = starts.sort((a, b) => a - b);
    this.postingsEnd = toc.labelIndicesTable !== 0 && toc.labelIndicesTable < toc.postingsTable ? toc.labelIndicesTable : toc.postingsTable;
    this.seriesEnd = toc.labelIndices !== 0 ? toc.labelIndices : toc.postings;
  }

  /** Every symbol, sorted. */
  symbols(): readonly string[] {
    return this.syms;
  }

  /** Label names, sorted (from the postings offset table). */
  labelNames(): string[] {
    return [...this.names.keys()].filter((n) => n !== '').sort();
  }

  /** Values of one label name, sorted; empty for an unknown name. */
  labelValues(name: string): string[] {
    return [...(this.names.get(name)?.values ?? [])];
  }

  /** IDs of every series. */
  async allPostings(): Promise<Postings> {
    return this.postings('', ['']);
  }

  /** Union of the postings of `name` for each of `values` (unknown values are skipped). */
  async postings(name: string, values: readonly string[]): Promise<Postings> {
    const e = this.names.get(name);
    if (!e) return EMPTY_POSTINGS;
    const offs: number[] = [];
    for (const v of values) {
      const i = e.index.get(v);
      if (i !== undefined) offs.push(e.offsets[i]!);
    }
    if (offs.length === 0) return EMPTY_POSTINGS;
    offs.sort((a, b) => a - b);
    const lists: Postings[] = [];
    // Postings of one name are adjacent on disk: read them in as few ranges as possible.
    let k = 0;
    while (k < offs.length) {
      let j = k + 1;
      while (j < offs.length && offs[j]! - offs[j - 1]! < SERIES_GAP && offs[j]! - offs[k]! < SERIES_SPAN) j++;
      const start = offs[k]!;
      const end = this.postingsListEnd(offs[j - 1]!);
      const b = await this.src.read(start, end - start);
      for (let m = k; m < j; m++) lists.push(this.decodePostings(b, offs[m]! - start, offs[m]!));
      k = j;
    }
    return merge(lists);
  }

  private postingsListEnd(off: number): number {
    const s = this.postingsStarts;
    let lo = 0, hi = s.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (s[mid]! <= off) lo = mid + 1; else hi = mid; }
    return lo < s.length ? s[lo]! : this.postingsEnd;
  }

  private decodePostings(b: Uint8Array, i: number, at: number): Postings {
    if (i + 8 > b.length) throw new CorruptionError(this.file, 'postings', at, 'postings list truncated');
    const len = readBE32(b, i);
    if (i + 4 + len + 4 > b.length || len < 4) throw new CorruptionError(this.file, 'postings', at, `postings list length ${len} runs past its section`);
    verifyCrc(b, i + 4, i + 4 + len, at - i, this.file, 'postings');
    const n = readBE32(b, i + 4);
    if (4 + 4 * n !== len) throw new CorruptionError(this.file, 'postings', at + 4, `postings count ${n} does not match length ${len}`);
    const out = new Uint32Array(n);
    let p = i + 8;
    for (let k = 0; k < n; k++, p += 4) out[k] = readBE32(b, p);
    return out;
  }

  /**
   * Series matching all matchers, with Prometheus semantics: a missing label equals "", so matchers that match
   * the empty string subtract the series whose value does not match instead of selecting.
   */
  async postingsForMatchers(matchers: readonly Matcher[]): Promise<Postings> {
    const its: Postings[] = [];
    const nots: Postings[] = [];
    for (const m of matchers) {
      const e = this.names.get(m.name);
      const values = e?.values ?? [];
      if (!m.matchesEmpty()) {
        const set = m.type === '=' ? (e?.index.has(m.value) ? [m.value] : []) : values.filter((v) => m.matches(v));
        if (set.length === 0) return EMPTY_POSTINGS;
        its.push(await this.postings(m.name, set));
      } else {
        const bad = values.filter((v) => !m.matches(v));
        if (bad.length > 0) nots.push(await this.postings(m.name, bad));
      }
    }
    let base = its.length > 0 ? intersect(its) : await this.allPostings();
    for (const n of nots) base = remove(base, n);
    return base;
  }

  private symbol(i: number, at: number): string {
    const s = this.syms[i];
    if (s === undefined) throw new CorruptionError(this.file, 'series', at, `symbol reference ${i} out of range (${this.syms.length} symbols)`);
    return s;
  }

  /** Reads series entries for sorted IDs, batching neighbours into single reads. */
  async *series(ids: ArrayLike<number>): AsyncGenerator<SeriesEntry> {
    const limit = Math.min(this.seriesEnd, this.src.length);
    let k = 0;
    while (k < ids.length) {
      const first = ids[k]! * 16;
      let j = k + 1;
      while (j < ids.length && ids[j]! * 16 - ids[j - 1]! * 16 < SERIES_GAP && ids[j]! * 16 - first < SERIES_SPAN) j++;
      let bStart = first;
      let b: Uint8Array | undefined;
      for (let m = k; m < j; m++) {
        const at = ids[m]! * 16;
        if (at < this.toc.series || at >= limit) throw new CorruptionError(this.file, 'series', at, `series reference ${ids[m]} outside the series section`);
        if (b === undefined) b = await this.src.read(first, Math.min(limit, ids[j - 1]! * 16 + SERIES_GUESS) - first);
        let entry = this.tryDecodeSeries(b, at - bStart, at, ids[m]!);
        let size = SERIES_GUESS * 4;
        while (entry === undefined) {
          const end = Math.min(limit, at + size);
          bStart = at;
          b = await this.src.read(at, end - at);
          entry = this.tryDecodeSeries(b, 0, at, ids[m]!);
          if (entry === undefined && end === limit) throw new CorruptionError(this.file, 'series', at, 'series entry runs past the series section');
          size *= 4;
        }
        yield entry;
      }
      k = j;
    }
  }

  /**
   * Every series entry in ID order, in batches, read front to back in large reads with the next read already
   * running while a batch is used (compaction walks whole blocks this way). Same checks as `series`.
   */
  async *allSeriesInOrder(readSize = 1 << 20): AsyncGenerator<SeriesEntry[]> {
    const end = Math.min(this.seriesEnd, this.src.length);
    const readAt = (at: number): Promise<Uint8Array> | undefined => (at < end ? this.src.read(at, Math.min(readSize, end - at)) : undefined);
    let bufStart = this.toc.series;
    let buf = (await readAt(bufStart)) ?? new Uint8Array(0);
    let next = readAt(bufStart + buf.length);
    const cur = new EntryCursor(this.file);
    let p = 0;
    for (;;) {
      const batch: SeriesEntry[] = [];
      let needMore = false;
      for (;;) {
        const rem = (bufStart + p) % 16;
        if (rem !== 0) p += 16 - rem;
        const at = bufStart + p;
        if (at >= end) break;
        const e = this.decodeSeriesAt(cur, buf, p, at);
        if (e === undefined) { needMore = true; break; }
        batch.push(e);
        p = cur.p;
      }
      if (batch.length > 0) yield batch;
      if (!needMore) return;
      const at = bufStart + p;
      if (next === undefined) throw new CorruptionError(this.file, 'series', at, 'series entry runs past the series section');
      const more = await next;
      // Alignment may have moved `p` past the end of `buf`, into `more`.
      const tail = buf.subarray(Math.min(p, buf.length));
      const head = more.subarray(Math.max(0, p - buf.length));
      const joined = tail.length === 0 ? head : new Uint8Array(tail.length + head.length);
      if (tail.length > 0) { joined.set(tail, 0); joined.set(head, tail.length); }
      const moreEnd = bufStart + buf.length + more.length;
      buf = joined;
      bufStart = at;
      p = 0;
      next = readAt(moreEnd);
    }
  }

  /**
   * Decodes the series entry at b[i] (file offset `at`, ID at / 16) for the sequential walk; undefined when `b`
   * ends first. On success `cur.p` is where the entry's CRC ends.
   */
  private decodeSeriesAt(cur: EntryCursor, b: Uint8Array, i: number, at: number): SeriesEntry | undefined {
    cur.reset(b, i, b.length, at - i);
    const len = cur.uvarintOrEnd();
    if (len < 0) return undefined;
    const bodyAt = cur.p;
    const bodyEnd = bodyAt + len;
    if (bodyEnd + 4 > b.length) return undefined;
    verifyCrc(b, bodyAt, bodyEnd, at - i, this.file, 'series');
    cur.end = bodyEnd;
    const nl = cur.uvarint();
    if (nl > len) cur.fail(`label count ${nl} larger than entry`);
    const labels: Label[] = new Array<Label>(nl);
    for (let k = 0; k < nl; k++) labels[k] = { name: this.symbol(cur.uvarint(), at), value: this.symbol(cur.uvarint(), at) };
    const nc = cur.uvarint();
    if (nc > len) cur.fail(`chunk count ${nc} larger than entry`);
    const chunks: ChunkMeta[] = new Array<ChunkMeta>(nc);
    let t = 0, ref = 0;
    for (let k = 0; k < nc; k++) {
      let mint: number;
      if (k === 0) mint = cur.varint(); else mint = t + cur.uvarint();
      const maxt = mint + cur.uvarint();
      ref = k === 0 ? cur.uvarint() : ref + cur.varint();
      t = maxt;
      chunks[k] = { minTime: mint, maxTime: maxt, ref };
    }
    if (cur.p !== bodyEnd) cur.fail(`${bodyEnd - cur.p} bytes left over in series entry`);
    cur.p = bodyEnd + 4;
    return { id: at / 16, labels, chunks };
  }

  /** One series by ID. */
  async seriesById(id: number): Promise<SeriesEntry> {
    for await (const s of this.series([id])) return s;
    throw new CorruptionError(this.file, 'series', id * 16, 'series entry missing');
  }

  /** Decodes the entry at b[i]; undefined when `b` ends before the entry does. */
  private tryDecodeSeries(b: Uint8Array, i: number, at: number, id: number): SeriesEntry | undefined {
    const d = new Decoder(b.subarray(i), at);
    const len = d.uvarint();
    if (d.err() !== undefined) return undefined;
    const bodyAt = d.pos;
    if (len + 4 > d.remaining) return undefined;
    verifyCrc(b, i + bodyAt, i + bodyAt + len, at - i, this.file, 'series');
    const body = new Decoder(b.subarray(i + bodyAt, i + bodyAt + len), at + bodyAt);
    const nl = body.uvarint();
    if (nl > len) body.fail(`label count ${nl} larger than entry`);
    const labels: Label[] = [];
    for (let k = 0; k < nl && body.err() === undefined; k++) {
      const ni = body.uvarint();
      const vi = body.uvarint();
      if (body.err() !== undefined) break;
      labels.push({ name: this.symbol(ni, at), value: this.symbol(vi, at) });
    }
    const nc = body.uvarint();
    if (nc > len) body.fail(`chunk count ${nc} larger than entry`);
    const chunks: ChunkMeta[] = [];
    let t = 0, ref = 0;
    for (let k = 0; k < nc && body.err() === undefined; k++) {
      let mint: number;
      if (k === 0) { mint = body.varint(); ref = 0; } else mint = t + body.uvarint();
      const maxt = mint + body.uvarint();
      ref = k === 0 ? body.uvarint() : ref + body.varint();
      t = maxt;
      chunks.push({ minTime: mint, maxTime: maxt, ref });
    }
    body.check(this.file, 'series');
    return { id, labels, chunks };
  }

  /** Walks every section and verifies every CRC (the reader otherwise checks sections only when it uses them). */
  async verify(): Promise<void> {
    const { toc } = this;
    const walk = async (start: number, end: number, align: number, section: string, lenIsVarint: boolean): Promise<void> => {
      if (end <= start) return;
      const b = await this.src.read(start, end - start);
      let p = 0;
      for (;;) {
        const abs = start + p;
        const rem = abs % align;
        if (rem !== 0) p += align - rem;
        if (p >= b.length) return;
        const d = new Decoder(b.subarray(p), start + p);
        const len = lenIsVarint ? d.uvarint() : d.be32();
        d.check(this.file, section);
        const bodyAt = p + d.pos;
        verifyCrc(b, bodyAt, bodyAt + len, start, this.file, section);
        p = bodyAt + len + 4;
      }
    };
    await walk(toc.series, this.seriesEnd, 16, 'series', true);
    if (toc.labelIndices !== 0 && toc.labelIndices < toc.postings) await walk(toc.labelIndices, toc.postings, 4, 'label indices', false);
    await walk(toc.postings, this.postingsEnd, 4, 'postings', false);
  }
}

/** Reads a section that starts with a BE32 length and ends with a CRC, verifying the CRC when `check`. */
async function readSection(src: ByteSource, at: number, section: string, check = false): Promise<Uint8Array> {
  if (at + 4 > src.length) throw new CorruptionError(src.name, section, at, 'section starts past end of file');
  const len = readBE32(await src.read(at, 4), 0);
  if (at + 4 + len + 4 > src.length) throw new CorruptionError(src.name, section, at, `section length ${len} runs past end of file`);
  const b = await src.read(at, 4 + len + 4);
  if (check) verifyCrc(b, 4, 4 + len, at, src.name, section);
  return b;
}

/** A varint cursor over one series entry that throws CorruptionError at once (the sequential walk's decoder). */
class EntryCursor {
  b: Uint8Array = new Uint8Array(0);
  p = 0;
  end = 0;
  /** File offset of b[0]. */
  base = 0;

  constructor(private readonly file: string) {}

  reset(b: Uint8Array, p: number, end: number, base: number): void {
    this.b = b; this.p = p; this.end = end; this.base = base;
  }

  fail(reason: string): never {
    throw new CorruptionError(this.file, 'series', this.base + this.p, reason);
  }

  /** A uvarint, or -1 when the bytes end inside it. */
  uvarintOrEnd(): number {
    const start = this.p;
    let x = 0, mul = 1;
    for (let k = 0; k < 10; k++) {
      if (this.p >= this.end) { this.p = start; return -1; }
      const c = this.b[this.p++]!;
      x += (c & 0x7f) * mul;
      if (c < 0x80) return x;
      mul *= 128;
    }
    return this.fail('varint overflows 64 bits');
  }

  uvarint(): number {
    const b = this.b;
    let p = this.p;
    if (p < this.end) {
      const c = b[p]!;
      if (c < 0x80) { this.p = p + 1; return c; }
    }
    let x = 0, mul = 1;
    for (let k = 0; k < 10; k++) {
      if (p >= this.end) return this.fail('unexpected end of data reading a varint');
      const c = b[p++]!;
      x += (c & 0x7f) * mul;
      if (c < 0x80) {
        this.p = p;
        if (x > Number.MAX_SAFE_INTEGER) return this.fail('varint exceeds 2^53');
        return x;
      }
      mul *= 128;
    }
    return this.fail('varint overflows 64 bits');
  }

  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
}
