// Writes chunk segment files (chunks/000001 …): header, then len uvarint + encoding + data + CRC32C per chunk.
// Buffers in memory and flushes in large writes; a new segment starts before one would pass the size limit.

import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BugError } from '../../runtime/errors.js';
import { crc32c } from '../encoding/crc32c.js';
import { Encoder } from '../encoding/encoder.js';
import type { ChunkRef } from './refs.js';
import {
  DEFAULT_SEGMENT_SIZE, RECORD_OVERHEAD, SEGMENT_FORMAT_V1, SEGMENT_HEADER_SIZE, SEGMENT_MAGIC, packChunkRef, segmentFileName,
} from './refs.js';

const FLUSH_AT = 4 * 1024 * 1024;

export interface SegmentWriterOptions {
  /** Maximum segment size in bytes (default 512 MiB). */
  readonly segmentSize?: number;
}

export class SegmentWriter {
  private buf = new Encoder(FLUSH_AT + 64 * 1024);
  private spare = new Encoder(FLUSH_AT + 64 * 1024);
  /** Whether `spare` holds bytes a pending write has not finished with. */
  private spareBusy = false;
  private fh: FileHandle | undefined;
  private segment = -1;
  /** Bytes of the current segment, written or buffered. */
  private size = 0;
  private pending: Promise<void> = Promise.resolve();
  private readonly segmentSize: number;
  private closed = false;

  private constructor(private readonly dir: string, opts: SegmentWriterOptions) {
    this.segmentSize = opts.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  }

  /** Creates `dir` (the block's chunks/ directory) if needed. */
  static async create(dir: string, opts: SegmentWriterOptions = {}): Promise<SegmentWriter> {
    await mkdir(dir, { recursive: true });
    return new SegmentWriter(dir, opts);
  }

  /**
   * Buffers one chunk and returns its ref. Refs increase in call order. Call `flush()` now and then (the block
   * writer does after each series) so buffered bytes reach the file.
   */
  add(encoding: number, data: Uint8Array): ChunkRef {
    if (this.closed) throw new BugError('segment writer used after close');
    const need = RECORD_OVERHEAD + data.length;
    if (this.segment < 0 || (this.size > SEGMENT_HEADER_SIZE && this.size + need > this.segmentSize)) this.cut();
    const b = this.buf;
    const ref = packChunkRef(this.segment, this.size);
    const start = b.length;
    b.putUvarint(data.length);
    const encAt = b.length;
    b.putByte(encoding);
    b.putBytes(data);
    const all = b.bytes();
    b.putBE32(crc32c(all, 0, encAt, all.length));
    this.size += b.length - start;
    return ref;
  }

  /**
   * Appends whole chunk records copied verbatim from another block (length, encoding, data and their stored CRC,
   * which stays the check of those bytes) and returns the ref of the first; a record's ref is that plus its offset
   * in `records`. Returns undefined when the run is too large for one segment: add the records one by one then.
   * The caller vouches that `records` holds whole records.
   */
  addRecords(records: Uint8Array): ChunkRef | undefined {
    if (this.closed) throw new BugError('segment writer used after close');
    const need = records.length;
    if (this.segment < 0 || (this.size > SEGMENT_HEADER_SIZE && this.size + need > this.segmentSize)) {
      if (this.segment >= 0 && SEGMENT_HEADER_SIZE + need > this.segmentSize) return undefined;
      this.cut();
    }
    const ref = packChunkRef(this.segment, this.size);
    this.buf.putBytes(records);
    this.size += need;
    return ref;
  }

  /** Whether enough bytes are buffered that `flush()` would write them (callers skip the await otherwise). */
  get wantsFlush(): boolean {
    return this.buf.length >= FLUSH_AT;
  }

  private cut(): void {
    const data = this.takeBuffer();
    this.segment++;
    this.size = SEGMENT_HEADER_SIZE;
    const name = join(this.dir, segmentFileName(this.segment));
    const before = this.pending;
    this.pending = (async () => {
      await before;
      const prev = this.fh;
      if (prev) { await prev.write(data); await prev.sync(); await prev.close(); }
      this.fh = await open(name, 'w');
    })();
    // Awaited by the next flush, close or abort; marked handled so a failure in between is not a process crash.
    this.pending.catch(() => undefined);
    this.buf.putBE32(SEGMENT_MAGIC);
    this.buf.putByte(SEGMENT_FORMAT_V1);
    this.buf.putZeros(3);
  }

  /**
   * Hands the buffered bytes over for writing. The two buffers take turns, so the bytes are not copied; the one
   * just handed over may still be in a write that has not finished (two segment cuts before a flush), and then
   * the bytes are copied instead.
   */
  private takeBuffer(): Uint8Array {
    const full = this.buf;
    if (this.spareBusy) {
      const out = full.bytes().slice();
      full.reset();
      return out;
    }
    this.buf = this.spare;
    this.buf.reset();
    this.spare = full;
    this.spareBusy = true;
    return full.bytes();
  }

  /**
   * Writes buffered bytes when enough have collected (or always with `force`). Without `force` the write is left
   * running while the caller fills the other buffer (only the write before it is awaited, which frees that
   * buffer); with `force` every write has finished on return.
   */
  async flush(force = false): Promise<void> {
    if (this.buf.length < FLUSH_AT && !force) return;
    // The previous hand-over (if any) must finish before its buffer is filled again.
    await this.pending;
    this.spareBusy = false;
    const data = this.takeBuffer();
    if (data.length > 0) {
      const fh = this.fh!;
      this.pending = (async () => {
        let done = 0;
        while (done < data.length) done += (await fh.write(data, done, data.length - done)).bytesWritten;
      })();
      this.pending.catch(() => undefined);
    }
    if (force) {
      await this.pending;
      this.spareBusy = false;
    }
  }

  /** Closes the open file without flushing (after a failure; the caller removes the directory). */
  async abort(): Promise<void> {
    this.closed = true;
    try { await this.pending; } catch { /* the failure is reported by whoever awaited it first */ }
    if (this.fh) { await this.fh.close(); this.fh = undefined; }
  }

  /** Flushes, fsyncs and closes the last segment. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush(true);
    this.closed = true;
    if (this.fh) { await this.fh.sync(); await this.fh.close(); this.fh = undefined; }
  }
}
