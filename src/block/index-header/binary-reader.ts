// Reads a binary index-header back and presents the block's index through it: a ByteSource over the original
// index's address space whose header, symbol table and postings offset table (through the TOC) come from the local
// file, and every other range (postings lists, series) from a fallback source, normally the bucket. The TSDB
// IndexReader runs unchanged over it, so opening a block costs no bucket reads for the tables it loads eagerly.

import { CorruptionError } from '../../runtime/errors.js';
import type { ByteSource } from '../../tsdb/byte-source.js';
import { FileByteSource } from '../../tsdb/byte-source.js';
import { Decoder, readBE32, verifyCrc } from '../../tsdb/encoding/decoder.js';
import { INDEX_HEADER_SIZE, INDEX_MAGIC, TOC_SIZE, decodeToc } from '../../tsdb/index/toc.js';
import { IndexReader } from '../../tsdb/index/reader.js';
import { INDEX_HEADER_MAGIC, INDEX_HEADER_PREFIX, INDEX_HEADER_TOC_SIZE, INDEX_HEADER_VERSION } from './binary-writer.js';

/** One contiguous range of the index served from somewhere. */
interface Region {
  readonly start: number;
  readonly end: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** The decoded fixed parts of an index-header file. */
export interface IndexHeaderInfo {
  readonly indexVersion: number;
  /** Size of the original index. */
  readonly indexSize: number;
  readonly symbolsAt: number;
  readonly symbolsLen: number;
  /** Offset of the symbol table in the original index. */
  readonly indexSymbols: number;
  readonly postingsAt: number;
  readonly indexPostingsTable: number;
}

/** Validates the header and TOC of an index-header file of `size` bytes. */
export async function readIndexHeaderInfo(file: ByteSource): Promise<IndexHeaderInfo> {
  const name = file.name;
  if (file.length < INDEX_HEADER_PREFIX + INDEX_HEADER_TOC_SIZE + TOC_SIZE) throw new CorruptionError(name, 'index-header', 0, `file of ${file.length} bytes is too short`);
  const head = await file.read(0, INDEX_HEADER_PREFIX);
  const magic = readBE32(head, 0);
  if (magic !== INDEX_HEADER_MAGIC) throw new CorruptionError(name, 'index-header', 0, `invalid magic number 0x${magic.toString(16)}`);
  if (head[4] !== INDEX_HEADER_VERSION) throw new CorruptionError(name, 'index-header', 4, `unsupported index-header version ${head[4]}`);
  const indexVersion = head[5]!;
  const hd = new Decoder(head, 0);
  hd.skip(6);
  const indexPostingsTable = hd.be64();
  const tocAt = file.length - INDEX_HEADER_TOC_SIZE;
  const tb = await file.read(tocAt, INDEX_HEADER_TOC_SIZE);
  verifyCrc(tb, 0, 16, tocAt, name, 'index-header toc');
  const td = new Decoder(tb, tocAt);
  const symbolsAt = td.be64();
  const postingsAt = td.be64();
  td.check(name, 'index-header toc');
  if (symbolsAt !== INDEX_HEADER_PREFIX || postingsAt < symbolsAt || postingsAt + TOC_SIZE > tocAt) {
    throw new CorruptionError(name, 'index-header toc', tocAt, `section offsets ${symbolsAt}/${postingsAt} out of range`);
  }
  const indexSize = indexPostingsTable + (tocAt - postingsAt);
  // The original TOC is the tail of the copied postings offset table.
  const toc = decodeToc(await file.read(tocAt - TOC_SIZE, TOC_SIZE), indexSize, name);
  if (toc.postingsTable !== indexPostingsTable || toc.series - toc.symbols !== postingsAt - symbolsAt) {
    throw new CorruptionError(name, 'index-header', tocAt - TOC_SIZE, 'index TOC does not match the copied sections');
  }
  return { indexVersion, indexSize, symbolsAt, symbolsLen: postingsAt - symbolsAt, indexSymbols: toc.symbols, postingsAt, indexPostingsTable };
}

/** The original index's bytes: header, symbols and postings offset table from the index-header, the rest from `rest`. */
export class IndexHeaderByteSource implements ByteSource {
  readonly length: number;
  private readonly regions: Region[];

  constructor(readonly name: string, info: IndexHeaderInfo, local: ByteSource, private readonly rest: ByteSource) {
    this.length = info.indexSize;
    const header = new Uint8Array(INDEX_HEADER_SIZE);
    new DataView(header.buffer).setUint32(0, INDEX_MAGIC);
    header[4] = info.indexVersion;
    const shift = (from: number, to: number) => (o: number, l: number) => local.read(o - from + to, l);
    this.regions = [
      { start: 0, end: INDEX_HEADER_SIZE, read: (o, l) => Promise.resolve(header.subarray(o, o + l)) },
      { start: info.indexSymbols, end: info.indexSymbols + info.symbolsLen, read: shift(info.indexSymbols, info.symbolsAt) },
      { start: info.indexPostingsTable, end: info.indexSize, read: shift(info.indexPostingsTable, info.postingsAt) },
    ];
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.length) {
      throw new CorruptionError(this.name, 'range', offset, `read of ${length} bytes past end of ${this.length}-byte index`);
    }
    const parts: Uint8Array[] = [];
    let at = offset;
    const end = offset + length;
    while (at < end) {
      const inside = this.regions.find((r) => at >= r.start && at < r.end);
      if (inside) {
        const n = Math.min(end, inside.end) - at;
        parts.push(await inside.read(at, n));
        at += n;
        continue;
      }
      const next = Math.min(end, ...this.regions.filter((r) => r.start > at).map((r) => r.start));
      parts.push(await this.rest.read(at, next - at));
      at = next;
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(length);
    let p = 0;
    for (const b of parts) { out.set(b, p); p += b.length; }
    return out;
  }
}

/** An IndexReader opened through an index-header file; close() releases the file. */
export interface OpenedIndexHeader {
  readonly reader: IndexReader;
  readonly info: IndexHeaderInfo;
  close(): Promise<void>;
}

/** Opens `file` (an index-header) with `rest` serving the index ranges it does not hold. */
export async function openIndexHeader(file: string, rest: ByteSource): Promise<OpenedIndexHeader> {
  const local = await FileByteSource.open(file);
  try {
    const info = await readIndexHeaderInfo(local);
    if (info.indexSize !== rest.length) {
      throw new CorruptionError(file, 'index-header', 0, `index-header describes a ${info.indexSize}-byte index, the bucket's is ${rest.length} bytes`);
    }
    const reader = await IndexReader.open(new IndexHeaderByteSource(rest.name, info, local, rest));
    // The reader holds decoded tables; the local file is needed no more.
    await local.close();
    return { reader, info, close: () => Promise.resolve() };
  } catch (err) {
    await local.close().catch(() => undefined);
    throw err;
  }
}
