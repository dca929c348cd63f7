// Decoding WAL series records on the replay hot path: label names and most values repeat across series, so each
// string is looked up in a small cache keyed by its bytes instead of cutting a view and UTF-8-decoding it.
// Every string goes through the given intern function once per cache miss, and whole name/value pairs are cached
// too, so series sharing a label share one (immutable) Label object.

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
  private readonly pairs: (Label | undefined)[] = new Array<Label | undefined>(SLOTS).fill(undefined);

  constructor(private readonly intern: (s: string) => string = (s) => s) {}

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
    const label = (): Label => {
      const nameLen = uvarint();
      const nameAt = p;
      p += nameLen;
      if (p > len) fail(nameAt, `unexpected end of data: string of ${nameLen} bytes, ${len - nameAt} left`);
      const valueLen = uvarint();
      const valueAt = p;
      p += valueLen;
      if (p > len) fail(valueAt, `unexpected end of data: string of ${valueLen} bytes, ${len - valueAt} left`);
      if (nameLen + valueLen > MAX_CACHED) {
        return { name: this.string(rec, nameAt, nameAt + nameLen), value: this.string(rec, valueAt, valueAt + valueLen) };
      }
      let h = Math.imul(0x811c9dc5 ^ nameLen, 0x01000193);
      let high = 0;
      for (let i = nameAt; i < nameAt + nameLen; i++) { const c = rec[i]!; high |= c; h = Math.imul(h ^ c, 0x01000193); }
      h = Math.imul(h ^ valueLen, 0x01000193);
      for (let i = valueAt; i < p; i++) { const c = rec[i]!; high |= c; h = Math.imul(h ^ c, 0x01000193); }
      const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
      const got = this.pairs[slot];
      if (high < 0x80 && got !== undefined && sameAscii(got.name, rec, nameAt, nameLen) && sameAscii(got.value, rec, valueAt, valueLen)) return got;
      const l = { name: this.string(rec, nameAt, nameAt + nameLen), value: this.string(rec, valueAt, valueAt + valueLen) };
      if (high < 0x80) this.pairs[slot] = l;
      return l;
    };
    while (p < len) {
      if (p + 8 > len) fail(p, 'unexpected end of data reading a series ref');
      const hi = ((rec[p]! << 24) | (rec[p + 1]! << 16) | (rec[p + 2]! << 8) | rec[p + 3]!) >>> 0;
      if (hi >= 0x20_0000) fail(p, `series ref ${hi}*2^32 exceeds 2^53`);
      const ref = hi * TWO32 + (((rec[p + 4]! << 24) | (rec[p + 5]! << 16) | (rec[p + 6]! << 8) | rec[p + 7]!) >>> 0);
      p += 8;
      const n = uvarint();
      if (n > len - p) fail(p, `${n} labels cannot fit in the ${len - p} bytes left`);
      const labels = new Array<Label>(n);
      for (let i = 0; i < n; i++) labels[i] = label();
      each(ref, labels);
    }
  }

  /** The string of rec[from, to): from the cache when the same ASCII bytes were seen last in their slot. */
  private string(rec: Uint8Array, from: number, to: number): string {
    const n = to - from;
    if (n > MAX_CACHED) return this.intern(utf8.decode(rec.subarray(from, to)));
    let h = Math.imul(0x811c9dc5 ^ n, 0x01000193);
    let high = 0;
    for (let i = from; i < to; i++) {
      const c = rec[i]!;
      high |= c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (high >= 0x80) return this.intern(utf8.decode(rec.subarray(from, to)));
    const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
    const got = this.slots[slot];
    if (got !== undefined && sameAscii(got, rec, from, n)) return got;
    const s = this.intern(n === 0 ? '' : String.fromCharCode.apply(null, rec.subarray(from, to) as unknown as number[]));
    this.slots[slot] = s;
    return s;
  }
}

/** Whether `s` is exactly the n ASCII bytes at rec[from]. */
function sameAscii(s: string, rec: Uint8Array, from: number, n: number): boolean {
  if (s.length !== n) return false;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) !== rec[from + i]) return false;
  return true;
}
