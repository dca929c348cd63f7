// Decoding WAL series records on the replay hot path: label names and most values repeat across series, so each
// string is looked up in a small cache keyed by its bytes instead of cutting a view and UTF-8-decoding it.
// Equal strings come back as the same string object, which makes the head's interning a pointer-equal lookup.

import { CorruptionError } from '../../runtime/errors.js';
import type { Label } from '../labels/labels.js';
import { RecordType } from './records.js';

/** Slots in the direct-mapped cache (a power of two). A collision just replaces the slot. */
const SLOTS = 1 << 14;
/** Longer strings are decoded every time: comparing them costs about as much as decoding. */
const MAX_CACHED = 64;
const TWO32 = 0x1_0000_0000;
const utf8 = new TextDecoder('utf-8', { fatal: false });

export class SeriesRecordDecoder {
  private readonly slots: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

  /**
   * Calls `each` with the ref and labels (a fresh array) of every entry of a series record, in order. Throws
   * CorruptionError (naming `file` and the offset within the record) on a truncated or malformed record.
   */
  decode(rec: Uint8Array, file: string, each: (ref: number, labels: Label[]) => void): void {
    const len = rec.length;
    const fail = (at: number, reason: string): never => { throw new CorruptionError(file, 'series record', at, reason); };
    if (rec[0] !== RecordType.Series) fail(0, `record type ${rec[0]}, want ${RecordType.Series}`);
    let p = 1;
    const uvarint = (): number => {
      let x = 0, mul = 1;
      for (let k = 0; k < 10; k++) {
        if (p >= len) return fail(p, 'unexpected end of data reading a varint');
        const c = rec[p++]!;
        x += (c & 0x7f) * mul;
        if (c < 0x80) return x;
        mul *= 128;
      }
      return fail(p, 'varint overflows 64 bits');
    };
    const str = (): string => {
      const n = uvarint();
      const from = p;
      const to = from + n;
      if (to > len) fail(from, `unexpected end of data: string of ${n} bytes, ${len - from} left`);
      p = to;
      return this.string(rec, from, to);
    };
    while (p < len) {
      if (p + 8 > len) fail(p, 'unexpected end of data reading a series ref');
      const hi = ((rec[p]! << 24) | (rec[p + 1]! << 16) | (rec[p + 2]! << 8) | rec[p + 3]!) >>> 0;
      if (hi >= 0x20_0000) fail(p, `series ref ${hi}*2^32 exceeds 2^53`);
      const ref = hi * TWO32 + (((rec[p + 4]! << 24) | (rec[p + 5]! << 16) | (rec[p + 6]! << 8) | rec[p + 7]!) >>> 0);
      p += 8;
      const n = uvarint();
      if (n > len - p) fail(p, `${n} labels cannot fit in the ${len - p} bytes left`);
      const labels: Label[] = [];
      for (let i = 0; i < n; i++) {
        const name = str();
        labels.push({ name, value: str() });
      }
      each(ref, labels);
    }
  }

  /** The string of rec[from, to): from the cache when the same ASCII bytes were seen last in their slot. */
  private string(rec: Uint8Array, from: number, to: number): string {
    const n = to - from;
    if (n > MAX_CACHED) return utf8.decode(rec.subarray(from, to));
    let h = Math.imul(0x811c9dc5 ^ n, 0x01000193);
    let high = 0;
    for (let i = from; i < to; i++) {
      const c = rec[i]!;
      high |= c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (high >= 0x80) return utf8.decode(rec.subarray(from, to));
    const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
    const got = this.slots[slot];
    if (got !== undefined && got.length === n) {
      let i = 0;
      while (i < n && got.charCodeAt(i) === rec[from + i]) i++;
      if (i === n) return got;
    }
    const s = n === 0 ? '' : String.fromCharCode.apply(null, rec.subarray(from, to) as unknown as number[]);
    this.slots[slot] = s;
    return s;
  }
}
