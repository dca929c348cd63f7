// Reads chunks from a block's segment files by ref, over ByteSources, batching neighbouring refs into one
// range read (chunks of consecutive series are adjacent on disk). Verifies magic, version and each chunk's CRC.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptionError } from '../../runtime/errors.js';
import type { ByteSource } from '../byte-source.js';
import { FileByteSource } from '../byte-source.js';
import { crc32c } from '../encoding/crc32c.js';
import { readBE32 } from '../encoding/decoder.js';
import type { ChunkRef, RawChunk } from './refs.js';
import { SEGMENT_FORMAT_V1, SEGMENT_HEADER_SIZE, SEGMENT_MAGIC, chunkRefOffset, chunkRefSegment } from './refs.js';

/** Refs closer than this are fetched in one read. */
const MAX_GAP = 64 * 1024;
/** Largest single batched read. */
const MAX_SPAN = 8 * 1024 * 1024;
/** Bytes read past the last ref of a batch, enough for any float chunk Prometheus writes. */
const TAIL_GUESS = 16 * 1024;

export interface ChunkReaderOptions {
  /** Verify each chunk's CRC32C (default true). */
  readonly verifyChecksums?: boolean;
}

export class ChunkReader {
  private readonly verify: boolean;

  /** `segments` in file-name order: index 0 is chunks/000001. The reader does not own them unless opened by `openDir`. */
  constructor(private readonly segments: readonly ByteSource[], opts: ChunkReaderOptions = {}, private readonly owned = false) {
    this.verify = opts.verifyChecksums ?? true;
  }

  /** Checks every segment's header. */
  static async fromSources(segments: readonly ByteSource[], opts: ChunkReaderOptions = {}, owned = false): Promise<ChunkReader> {
    for (const s of segments) {
      if (s.length < SEGMENT_HEADER_SIZE) throw new CorruptionError(s.name, 'segment header', 0, `file of ${s.length} bytes is shorter than the header`);
      const h = await s.read(0, SEGMENT_HEADER_SIZE);
      const magic = readBE32(h, 0);
      if (magic !== SEGMENT_MAGIC) throw new CorruptionError(s.name, 'segment header', 0, `invalid magic number 0x${magic.toString(16)}`);
      if (h[4] !== SEGMENT_FORMAT_V1) throw new CorruptionError(s.name, 'segment header', 4, `invalid chunk format version ${h[4]}`);
    }
    return new ChunkReader(segments, opts, owned);
  }

  /** Opens every segment file in a block's chunks/ directory. */
  static async openDir(dir: string, opts: ChunkReaderOptions = {}): Promise<ChunkReader> {
    const names = (await readdir(dir)).filter((n) => /^\d+$/.test(n)).sort();
    const sources: FileByteSource[] = [];
    try {
      for (const n of names) sources.push(await FileByteSource.open(join(dir, n)));
      return await ChunkReader.fromSources(sources, opts, true);
    } catch (err) {
      for (const s of sources) await s.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (!this.owned) return;
    for (const s of this.segments) if (s instanceof FileByteSource) await s.close();
  }

  /** Reads one chunk. */
  async chunk(ref: ChunkRef): Promise<RawChunk> {
    const [c] = await this.chunks([ref]);
    return c!;
  }

  /**
   * Reads chunks by ref, in the order given (refs need not be sorted). Returned data are views into freshly read
   * buffers: the caller may keep them. Throws CorruptionError for an unknown segment, an offset past the end,
   * a truncated record or a checksum mismatch.
   */
  async chunks(refs: readonly ChunkRef[]): Promise<RawChunk[]> {
    const out = new Array<RawChunk>(refs.length);
    const order = refs.map((_, i) => i).sort((a, b) => refs[a]! - refs[b]!);
    let k = 0;
    while (k < order.length) {
      const first = refs[order[k]!]!;
      const seg = chunkRefSegment(first);
      const src = this.segments[seg];
      if (src === undefined) throw new CorruptionError(`chunks/${String(seg + 1).padStart(6, '0')}`, 'chunk ref', chunkRefOffset(first), `ref ${first} names segment ${seg + 1}, block has ${this.segments.length}`);
      const start = chunkRefOffset(first);
      let last = start;
      let j = k + 1;
      while (j < order.length) {
        const r = refs[order[j]!]!;
        if (chunkRefSegment(r) !== seg) break;
        const off = chunkRefOffset(r);
        if (off - last > MAX_GAP || off - start > MAX_SPAN) break;
        last = off;
        j++;
      }
      this.checkOffset(src, start);
      const end = Math.min(src.length, last + TAIL_GUESS);
      const span = await src.read(start, end - start);
      for (let m = k; m < j; m++) {
        const idx = order[m]!;
        out[idx] = this.parseIn(src, refs[idx]!, span, start) ?? await this.parseAlone(src, refs[idx]!);
      }
      k = j;
    }
    return out;
  }

  private checkOffset(src: ByteSource, off: number): void {
    if (off < SEGMENT_HEADER_SIZE || off >= src.length) {
      throw new CorruptionError(src.name, 'chunk ref', off, `chunk offset ${off} outside segment of ${src.length} bytes`);
    }
  }

  /**
   * Parses the record at `ref` from `b` (which starts at file offset `bAt`); undefined when the record does not
   * end inside `b`. Synchronous: a batch's chunks are parsed without an await each.
   */
  private parseIn(src: ByteSource, ref: ChunkRef, b: Uint8Array, bAt: number): RawChunk | undefined {
    const off = chunkRefOffset(ref);
    this.checkOffset(src, off);
    const i = off - bAt;
    // uvarint length (at most 5 bytes for 32-bit lengths)
    let len = 0;
    let shift = 1;
    let p = i;
    for (;;) {
      if (p >= b.length) {
        if (bAt + p >= src.length) throw new CorruptionError(src.name, 'chunk', off, 'truncated chunk length');
        return undefined;
      }
      const c = b[p++]!;
      len += (c & 0x7f) * shift;
      if (c < 0x80) break;
      shift *= 128;
      if (p - i > 5) throw new CorruptionError(src.name, 'chunk', off, 'chunk length varint too long');
    }
    const headLen = p - i;
    const total = headLen + 1 + len + 4;
    if (off + total > src.length) throw new CorruptionError(src.name, 'chunk', off, `chunk of ${len} bytes runs past end of segment (${src.length} bytes)`);
    if (i + total > b.length) return undefined;
    const encAt = i + headLen;
    const dataEnd = encAt + 1 + len;
    if (this.verify) {
      const want = readBE32(b, dataEnd);
      const got = crc32c(b, 0, encAt, dataEnd);
      if (want !== got) throw new CorruptionError(src.name, 'chunk', off, `checksum mismatch: stored 0x${want.toString(16).padStart(8, '0')}, computed 0x${got.toString(16).padStart(8, '0')}`);
    }
    return { ref, encoding: b[encAt]!, data: b.subarray(encAt + 1, dataEnd) };
  }

  /** Parses a record that overflows the batch's read: reads its length field, then the whole record. */
  private async parseAlone(src: ByteSource, ref: ChunkRef): Promise<RawChunk> {
    const off = chunkRefOffset(ref);
    this.checkOffset(src, off);
    const head = await src.read(off, Math.min(src.length - off, 16));
    let len = 0;
    let shift = 1;
    let p = 0;
    for (;;) {
      if (p >= head.length) throw new CorruptionError(src.name, 'chunk', off, 'truncated chunk length');
      const c = head[p++]!;
      len += (c & 0x7f) * shift;
      if (c < 0x80) break;
      shift *= 128;
      if (p > 5) throw new CorruptionError(src.name, 'chunk', off, 'chunk length varint too long');
    }
    const total = p + 1 + len + 4;
    if (off + total > src.length) throw new CorruptionError(src.name, 'chunk', off, `chunk of ${len} bytes runs past end of segment (${src.length} bytes)`);
    const rec = this.parseIn(src, ref, await src.read(off, total), off);
    if (rec === undefined) throw new CorruptionError(src.name, 'chunk', off, 'chunk record shorter than its length field says');
    return rec;
  }
}
