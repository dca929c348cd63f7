// Appends records to a WAL directory as Prometheus's wlog.WL does: records are Snappy-compressed when that makes
// them smaller, split into fragments that never cross a 32 KiB page, pages packed into segments that no record
// crosses. Each log() call writes its bytes to the segment file before returning (no fsync; see docs/architecture.md
// "Durability"); a segment is fsynced when it is closed.

import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { BugError, InvalidArgumentError } from '../../runtime/errors.js';
import { crc32c } from '../encoding/crc32c.js';
import { snappyEncode } from '../encoding/snappy.js';
import { DEFAULT_SEGMENT_SIZE, FRAGMENT_HEADER_SIZE, FragmentType, PAGE_SIZE, SNAPPY_FLAG, listSegments, segmentPath } from './segment.js';

export interface WalWriterOptions {
  /** Segment size in bytes, a multiple of 32 KiB (default 128 MiB). */
  readonly segmentSize?: number;
  /** Snappy-compress records (Prometheus's --storage.tsdb.wal-compression, default on). */
  readonly compress?: boolean;
  /** fsync every segment when it is closed (default true, as Prometheus). */
  readonly syncOnSegmentClose?: boolean;
}

/** Bytes written into segments, for metrics and tests. */
export interface WalWriterStats {
  records: number;
  bytes: number;
}

export class WalWriter {
  private readonly page = new Uint8Array(PAGE_SIZE);
  /** Bytes of the page filled / already written to the file. */
  private alloc = 0;
  private flushed = 0;
  /** Whole pages already written to the current segment. */
  private donePages = 0;
  private fd: number;
  private segment: number;
  private closed = false;
  readonly stats: WalWriterStats = { records: 0, bytes: 0 };
  private readonly pagesPerSegment: number;
  private readonly compress: boolean;

  private constructor(readonly dir: string, segment: number, private readonly opts: WalWriterOptions) {
    const size = opts.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    if (size <= 0 || size % PAGE_SIZE !== 0) throw new InvalidArgumentError(`wal segment size ${size} is not a positive multiple of ${PAGE_SIZE}`);
    this.pagesPerSegment = size / PAGE_SIZE;
    this.compress = opts.compress ?? true;
    this.segment = segment;
    this.fd = openSync(segmentPath(dir, segment), 'wx');
  }

  /**
   * Opens `dir` for writing: as Prometheus, a fresh segment after the last existing one (segment 0 in an empty
   * dir). Repair a damaged tail before this (see repair.ts): the writer does not read old segments.
   */
  static open(dir: string, opts: WalWriterOptions = {}): WalWriter {
    mkdirSync(dir, { recursive: true });
    const segs = listSegments(dir);
    const next = segs.length > 0 ? segs[segs.length - 1]! + 1 : 0;
    return new WalWriter(dir, next, opts);
  }

  /** Index of the segment being written. */
  get currentSegment(): number {
    return this.segment;
  }

  /** Writes records in order; every record is in the segment file when this returns. */
  log(...records: Uint8Array[]): void {
    if (this.closed) throw new BugError('wal writer used after close');
    for (let i = 0; i < records.length; i++) this.logOne(records[i]!, i === records.length - 1);
  }

  private logOne(rec: Uint8Array, final: boolean): void {
    let typeFlag = 0;
    if (this.compress && rec.length > 0) {
      const c = snappyEncode(rec);
      if (c.length < rec.length) { rec = c; typeFlag = SNAPPY_FLAG; }
    }
    // A record never crosses a segment: if it does not fit in what is left, start the next segment.
    const left = (PAGE_SIZE - this.alloc - FRAGMENT_HEADER_SIZE) +
      (PAGE_SIZE - FRAGMENT_HEADER_SIZE) * (this.pagesPerSegment - this.donePages - 1);
    if (rec.length > left) this.nextSegment();
    let off = 0;
    for (let i = 0; i === 0 || off < rec.length; i++) {
      const l = Math.min(rec.length - off, PAGE_SIZE - this.alloc - FRAGMENT_HEADER_SIZE);
      const last = off + l === rec.length;
      const kind = i === 0 && last ? FragmentType.Full : last ? FragmentType.Last : i === 0 ? FragmentType.First : FragmentType.Middle;
      const p = this.page;
      const a = this.alloc;
      const crc = crc32c(rec, 0, off, off + l);
      p[a] = kind | typeFlag;
      p[a + 1] = l >>> 8; p[a + 2] = l & 0xff;
      p[a + 3] = crc >>> 24; p[a + 4] = crc >>> 16; p[a + 5] = crc >>> 8; p[a + 6] = crc;
      p.set(rec.subarray(off, off + l), a + FRAGMENT_HEADER_SIZE);
      this.alloc = a + FRAGMENT_HEADER_SIZE + l;
      if (this.pageFull()) this.flushPage(true);
      off += l;
      // A split record filled its pages; a full one may share the page with the next record of this call.
      if (final || kind !== FragmentType.Full) this.flushPage(false);
    }
    this.stats.records++;
    this.stats.bytes += rec.length;
  }

  private pageFull(): boolean {
    return PAGE_SIZE - this.alloc < FRAGMENT_HEADER_SIZE;
  }

  /** Writes the unwritten part of the page; with `clear` (or a full page) pads it to the end and starts a new one. */
  private flushPage(clear: boolean): void {
    clear = clear || this.pageFull();
    if (clear) this.alloc = PAGE_SIZE;
    if (this.alloc > this.flushed) {
      writeAll(this.fd, this.page, this.flushed, this.alloc);
      this.flushed = this.alloc;
    }
    if (clear) {
      this.page.fill(0);
      this.alloc = 0;
      this.flushed = 0;
      this.donePages++;
    }
  }

  /** Pads the current page, closes (and fsyncs) the segment and starts the next one; returns the new index. */
  nextSegment(): number {
    if (this.alloc > 0) this.flushPage(true);
    this.closeSegment();
    this.segment++;
    this.fd = openSync(segmentPath(this.dir, this.segment), 'wx');
    this.donePages = 0;
    return this.segment;
  }

  private closeSegment(): void {
    if (this.opts.syncOnSegmentClose ?? true) fsyncSync(this.fd);
    closeSync(this.fd);
  }

  /** fsyncs the current segment (what Prometheus does on Close). */
  sync(): void {
    fsyncSync(this.fd);
  }

  /** Flushes the open page (padded), fsyncs and closes. */
  close(): void {
    if (this.closed) return;
    if (this.alloc > 0) this.flushPage(true);
    this.closeSegment();
    this.closed = true;
  }
}

function writeAll(fd: number, b: Uint8Array, from: number, to: number): void {
  while (from < to) from += writeSync(fd, b, from, to - from);
}
