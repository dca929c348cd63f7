// Bounds-checked read cursor (Prometheus encoding.Decbuf): keeps its first error, so callers read many
// fields and check once, then throw a CorruptionError naming file, section and absolute byte offset.

import { CorruptionError } from '../../runtime/errors.js';
import { crc32c } from './crc32c.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });
const TWO32 = 0x1_0000_0000;

export class Decoder {
  private readonly b: Uint8Array;
  private p = 0;
  /** Absolute file offset of b[0], for error locations. */
  readonly base: number;
  private error: string | undefined;
  private errorAt = 0;

  constructor(b: Uint8Array, base = 0) {
    this.b = b;
    this.base = base;
  }

  /** Position relative to the start of the buffer. */
  get pos(): number {
    return this.p;
  }

  get remaining(): number {
    return this.b.length - this.p;
  }

  /** The first failure, or undefined. */
  err(): string | undefined {
    return this.error;
  }

  /** Absolute offset of the first failure (or of the cursor when there is none). */
  errOffset(): number {
    return this.error !== undefined ? this.errorAt : this.base + this.p;
  }

  fail(reason: string): void {
    if (this.error === undefined) {
      this.error = reason;
      this.errorAt = this.base + this.p;
    }
  }

  /** Throws the first failure as a CorruptionError. */
  check(file: string, section: string): void {
    if (this.error !== undefined) throw new CorruptionError(file, section, this.errorAt, this.error);
  }

  seek(pos: number): void {
    if (pos < 0 || pos > this.b.length) { this.fail(`seek to ${pos} past end ${this.b.length}`); return; }
    this.p = pos;
  }

  skip(n: number): void {
    if (this.error !== undefined) return;
    if (n > this.remaining) { this.fail(`unexpected end of data: need ${n} bytes, have ${this.remaining}`); return; }
    this.p += n;
  }

  byte(): number {
    if (this.error !== undefined) return 0;
    if (this.p >= this.b.length) { this.fail('unexpected end of data reading a byte'); return 0; }
    return this.b[this.p++]!;
  }

  be32(): number {
    if (this.error !== undefined) return 0;
    if (this.remaining < 4) { this.fail('unexpected end of data reading a 32-bit integer'); return 0; }
    const b = this.b;
    const i = this.p;
    this.p += 4;
    return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  }

  /** BE64 as a number; fails on values of 2^53 or more (offsets and refs never reach that). */
  be64(): number {
    const hi = this.be32();
    const lo = this.be32();
    if (hi >= 0x20_0000) { this.fail(`64-bit value ${hi}*2^32 exceeds 2^53`); return 0; }
    return hi * TWO32 + lo;
  }

  uvarint(): number {
    if (this.error !== undefined) return 0;
    const b = this.b;
    let i = this.p;
    const end = b.length;
    let x = 0;
    let mul = 1;
    for (let k = 0; k < 10; k++) {
      if (i >= end) { this.fail('unexpected end of data reading a varint'); return 0; }
      const c = b[i++]!;
      x += (c & 0x7f) * mul;
      if (c < 0x80) {
        this.p = i;
        if (x > Number.MAX_SAFE_INTEGER) { this.fail('varint exceeds 2^53'); return 0; }
        return x;
      }
      mul *= 128;
    }
    this.fail('varint overflows 64 bits');
    return 0;
  }

  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  bytes(n: number): Uint8Array {
    if (this.error !== undefined) return new Uint8Array(0);
    if (n > this.remaining) { this.fail(`unexpected end of data: need ${n} bytes, have ${this.remaining}`); return new Uint8Array(0); }
    const out = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return out;
  }

  uvarintStr(): string {
    const n = this.uvarint();
    return utf8.decode(this.bytes(n));
  }

  /** Raw bytes of a uvarint-prefixed string (no decoding). */
  uvarintBytes(): Uint8Array {
    return this.bytes(this.uvarint());
  }
}

/** Verifies a BE32 CRC-32C stored at b[crcAt] over b[start, crcAt); throws CorruptionError when it differs. */
export function verifyCrc(b: Uint8Array, start: number, crcAt: number, base: number, file: string, section: string): void {
  if (crcAt + 4 > b.length || start > crcAt) throw new CorruptionError(file, section, base + start, 'section truncated before its checksum');
  const want = ((b[crcAt]! << 24) | (b[crcAt + 1]! << 16) | (b[crcAt + 2]! << 8) | b[crcAt + 3]!) >>> 0;
  const got = crc32c(b, 0, start, crcAt);
  if (want !== got) {
    throw new CorruptionError(file, section, base + crcAt,
      `checksum mismatch: stored 0x${want.toString(16).padStart(8, '0')}, computed 0x${got.toString(16).padStart(8, '0')}`);
  }
}

/** Reads a BE32 from a byte array without a cursor. */
export function readBE32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}
