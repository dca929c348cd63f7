// Reads the records of WAL segments in order (Prometheus wlog.Reader): checks every fragment's CRC32C, the
// fragment sequence (full | first middle* last), page padding, and decompresses Snappy records. Damage is a
// WalCorruptionError naming the segment file and the byte offset of the record it hit; everything before that
// offset is intact.

import { readFileSync } from 'node:fs';
import { CorruptionError } from '../../runtime/errors.js';
import { crc32c } from '../encoding/crc32c.js';
import { snappyDecode } from '../encoding/snappy.js';
import { FRAGMENT_HEADER_SIZE, FRAGMENT_TYPE_MASK, FragmentType, PAGE_SIZE, SNAPPY_FLAG, ZSTD_FLAG, listSegments, segmentPath } from './segment.js';

/** One decoded record and where it lies: [offset, end) in the segment file. */
export interface WalRecord {
  readonly data: Uint8Array;
  readonly segment: number;
  readonly offset: number;
  readonly end: number;
}

/** Damage in a segment: `offset` is where the damaged record starts (all records before it are intact). */
export class WalCorruptionError extends CorruptionError {
  constructor(
    file: string,
    readonly segment: number,
    offset: number,
    /** Where the reader noticed the damage (≥ offset). */
    readonly detectedAt: number,
    /** What is wrong, without the location (to rebuild the error on another thread). */
    readonly reason: string,
  ) {
    super(file, 'wal segment', offset, detectedAt !== offset ? `${reason} (at byte ${detectedAt})` : reason);
  }
}

/**
 * Yields the records of one segment's bytes. A file that ends inside a page after a whole record is a normal
 * end (the writer had not filled the page yet); ending inside a record is damage ("torn").
 */
export function* readSegmentRecords(buf: Uint8Array, file: string, segment: number): Generator<WalRecord> {
  const len = buf.length;
  let p = 0;
  let start = 0;
  let parts: Uint8Array[] = [];
  let compressed = false;
  const fail = (at: number, reason: string): never => { throw new WalCorruptionError(file, segment, start, at, reason); };
  while (p < len) {
    const t = buf[p]!;
    const kind = t & FRAGMENT_TYPE_MASK;
    if (parts.length === 0) start = p;
    if (kind === FragmentType.PageTerm) {
      // The rest of the page is padding and must be zeros (up to the end of the file for an unfinished page).
      const pageEnd = Math.min(len, (Math.floor(p / PAGE_SIZE) + 1) * PAGE_SIZE);
      for (let i = p + 1; i < pageEnd; i++) if (buf[i] !== 0) fail(i, 'unexpected non-zero byte in padded page');
      p = pageEnd;
      continue;
    }
    if (kind > FragmentType.Last) fail(p, `unknown fragment type ${t}`);
    if ((t & ZSTD_FLAG) !== 0) fail(p, 'zstd-compressed record (Prometheus 2.46+) is not supported');
    if (p + FRAGMENT_HEADER_SIZE > len) fail(p, 'file ends inside a fragment header');
    const l = (buf[p + 1]! << 8) | buf[p + 2]!;
    const crc = ((buf[p + 3]! << 24) | (buf[p + 4]! << 16) | (buf[p + 5]! << 8) | buf[p + 6]!) >>> 0;
    if (l > PAGE_SIZE - FRAGMENT_HEADER_SIZE || (p % PAGE_SIZE) + FRAGMENT_HEADER_SIZE + l > PAGE_SIZE) fail(p, `invalid fragment length ${l}`);
    const from = p + FRAGMENT_HEADER_SIZE;
    if (from + l > len) fail(p, `file ends inside a fragment (${len - from} of ${l} bytes)`);
    const got = crc32c(buf, 0, from, from + l);
    if (got !== crc) fail(p, `checksum ${hex(got)}, expected ${hex(crc)}`);
    if (parts.length === 0) {
      if (kind !== FragmentType.Full && kind !== FragmentType.First) fail(p, `fragment type ${kind} where a record should start`);
      compressed = (t & SNAPPY_FLAG) !== 0;
    } else if (kind !== FragmentType.Middle && kind !== FragmentType.Last) {
      fail(p, `fragment type ${kind} inside a record`);
    }
    parts.push(buf.subarray(from, from + l));
    p = from + l;
    if (kind === FragmentType.Full || kind === FragmentType.Last) {
      let data = parts.length === 1 ? parts[0]! : concat(parts);
      if (compressed && data.length > 0) {
        try {
          data = snappyDecode(data, file);
        } catch (err) {
          fail(start, `snappy: ${(err as Error).message}`);
        }
      }
      yield { data, segment, offset: start, end: p };
      parts = [];
    }
  }
  if (parts.length > 0) fail(len, 'last record is torn');
}

/** Records of segments [from, to] (inclusive; default all) of `dir`, in order. */
export function* readWal(dir: string, from = 0, to = Infinity): Generator<WalRecord> {
  for (const s of listSegments(dir)) {
    if (s < from || s > to) continue;
    const file = segmentPath(dir, s);
    yield* readSegmentRecords(readFileSync(file), file, s);
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
