// XOR (Gorilla) float chunks, bit-for-bit as Prometheus writes them (3.x form; the 2.x trailing byte is optional).
// Layout: BE16 sample count, then t0 varint, v0 64 bits, (t1-t0) uvarint, then delta-of-delta timestamps and
// XOR-ed values with leading/trailing-zero windows. Spec: shared reference §3.2–3.7.

import { BugError, CorruptionError } from '../../runtime/errors.js';
import { BitWriter } from './bstream.js';
import type { SampleIterator, ValueType } from './chunk.js';
import { ValFloat, ValNone } from './chunk.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new BugError('xor chunks assume a little-endian host');

const TWO32 = 0x1_0000_0000;
/** The most samples one XOR chunk can hold (16-bit counter). */
export const MAX_XOR_SAMPLES = 0xffff;
const NO_WINDOW = 0xff;

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * Builds one XOR chunk. Samples must come in strictly increasing time order (not checked per sample, for speed;
 * the block writer checks). `append` throws BugError past 65 535 samples instead of panicking as Go does.
 */
export class XorAppender {
  private readonly w = new BitWriter(2);
  private n = 0;
  private t = 0;
  private tDelta = 0;
  private vh = 0;
  private vl = 0;
  private leading = NO_WINDOW;
  private trailing = 0;

  numSamples(): number {
    return this.n;
  }

  append(t: number, v: number): void {
    const w = this.w;
    if (this.n === 0) {
      putVarintBits(w, t >= 0 ? t * 2 : -t * 2 - 1);
      f64[0] = v;
      this.vh = u32[1]!;
      this.vl = u32[0]!;
      w.writeBits64(this.vh, this.vl, 64);
    } else if (this.n === 1) {
      const d = t - this.t;
      putVarintBits(w, d);
      this.tDelta = d;
      this.writeValue(v);
    } else {
      if (this.n >= MAX_XOR_SAMPLES) throw new BugError('xor chunk is full (65535 samples)');
      const d = t - this.t;
      const dod = d - this.tDelta;
      if (dod === 0) w.writeBit(false);
      else if (dod >= -8191 && dod <= 8192) { w.writeBits(0b10, 2); w.writeBits(dod & 0x3fff, 14); }
      else if (dod >= -65535 && dod <= 65536) { w.writeBits(0b110, 3); w.writeBits(dod & 0x1ffff, 17); }
      else if (dod >= -524287 && dod <= 524288) { w.writeBits(0b1110, 4); w.writeBits(dod & 0xfffff, 20); }
      else { w.writeBits(0b1111, 4); w.writeBits64(Math.floor(dod / TWO32) >>> 0, dod >>> 0, 64); }
      this.tDelta = d;
      this.writeValue(v);
    }
    this.t = t;
    this.n++;
  }

  private writeValue(v: number): void {
    const w = this.w;
    f64[0] = v;
    const h = u32[1]!;
    const l = u32[0]!;
    const xh = (h ^ this.vh) >>> 0;
    const xl = (l ^ this.vl) >>> 0;
    this.vh = h;
    this.vl = l;
    if (xh === 0 && xl === 0) { w.writeBit(false); return; }
    let lz = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    if (lz > 31) lz = 31;
    const tz = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    w.writeBit(true);
    if (this.leading !== NO_WINDOW && lz >= this.leading && tz >= this.trailing) {
      w.writeBit(false);
    } else {
      this.leading = lz;
      this.trailing = tz;
      w.writeBit(true);
      w.writeBits(lz, 5);
      w.writeBits((64 - lz - tz) & 63, 6);
    }
    const tr = this.trailing;
    const sig = 64 - this.leading - tr;
    let ph: number;
    let pl: number;
    if (tr === 0) { ph = xh; pl = xl; }
    else if (tr < 32) { pl = ((xl >>> tr) | (xh << (32 - tr))) >>> 0; ph = xh >>> tr; }
    else { pl = xh >>> (tr - 32); ph = 0; }
    w.writeBits64(ph, pl, sig);
  }

  /** The chunk bytes as Prometheus 3 writes them, or with `prometheus2` as Prometheus 2.x (incl. 2.42) does. */
  bytes(prometheus2 = false): Uint8Array {
    const out = this.w.bytes(prometheus2);
    out[0] = this.n >>> 8;
    out[1] = this.n & 0xff;
    return out;
  }
}

/** Writes a uvarint a byte at a time (byte-aligned at the only two places it is used). */
function putVarintBits(w: BitWriter, u: number): void {
  while (u >= 0x80) { w.writeBits((u % 128) | 0x80, 8); u = Math.floor(u / 128); }
  w.writeBits(u, 8);
}

/** Encodes samples as one XOR chunk. */
export function encodeXor(ts: ArrayLike<number>, vs: ArrayLike<number>, from = 0, to = ts.length, prometheus2 = false): Uint8Array {
  const a = new XorAppender();
  for (let i = from; i < to; i++) a.append(ts[i]!, vs[i]!);
  return a.bytes(prometheus2);
}

/** Number of samples in an XOR chunk (its BE16 header); 0 for data shorter than the header. */
export function xorNumSamples(data: Uint8Array): number {
  return data.length < 2 ? 0 : (data[0]! << 8) | data[1]!;
}

/**
 * Decodes an XOR chunk without allocating per sample. Reuse one iterator across chunks with `reset(data)`.
 * Corrupt data (a stream shorter than its sample count says, a bad window) ends iteration with `err()` set to a
 * CorruptionError whose offset is the byte inside the chunk data.
 */
export class XorIterator implements SampleIterator {
  private b: Uint8Array = new Uint8Array(0);
  private len = 0;
  private total = 0;
  private i = 0;
  private pos = 0;
  private t = 0;
  private v = 0;
  private tDelta = 0;
  private vh = 0;
  private vl = 0;
  // Window split into the bits landing in the high and low 32-bit words of the XOR value.
  private hiN = 32;
  private loN = 32;
  private hiShift = 0;
  private loShift = 0;
  private e: Error | undefined;

  constructor(data?: Uint8Array) {
    if (data) this.reset(data);
  }

  reset(data: Uint8Array): this {
    this.b = data;
    this.len = data.length;
    this.e = undefined;
    this.i = 0;
    this.pos = 16;
    this.t = 0;
    this.v = 0;
    this.tDelta = 0;
    this.vh = 0;
    this.vl = 0;
    this.setWindow(0, 0);
    if (data.length < 2) {
      this.total = 0;
      this.e = new CorruptionError('chunk', 'xor chunk', 0, `chunk of ${data.length} bytes has no sample count`);
    } else this.total = (data[0]! << 8) | data[1]!;
    return this;
  }

  private setWindow(leading: number, trailing: number): void {
    const hiEnd = 64 - trailing < 32 ? 64 - trailing : 32;
    this.hiN = hiEnd - leading;
    this.hiShift = 32 - hiEnd;
    this.loN = 64 - leading - trailing - this.hiN;
    this.loShift = trailing < 32 ? trailing : 0;
  }

  /** Reads n (1..32) bits MSB-first; past the end reads zeros (caught by the length check in next()). */
  private rb(n: number): number {
    const b = this.b;
    const p = this.pos;
    const i = p >>> 3;
    const s = p & 7;
    let w: number;
    if (i + 4 < this.len) {
      w = ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) << s | (b[i + 4]! >>> (8 - s));
    } else {
      const l = this.len;
      const b0 = i < l ? b[i]! : 0, b1 = i + 1 < l ? b[i + 1]! : 0, b2 = i + 2 < l ? b[i + 2]! : 0;
      const b3 = i + 3 < l ? b[i + 3]! : 0, b4 = i + 4 < l ? b[i + 4]! : 0;
      w = ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) << s | (b4 >>> (8 - s));
    }
    this.pos = p + n;
    return w >>> (32 - n);
  }

  private bit(): number {
    const p = this.pos;
    this.pos = p + 1;
    const i = p >>> 3;
    return i < this.len ? (this.b[i]! >>> (7 - (p & 7))) & 1 : 0;
  }

  private uvarintAligned(): number {
    let x = 0;
    let mul = 1;
    for (let k = 0; k < 10; k++) {
      const c = this.rb(8);
      x += (c & 0x7f) * mul;
      if (c < 0x80) return x;
      mul *= 128;
    }
    this.e ??= new CorruptionError('chunk', 'xor chunk', this.pos >>> 3, 'varint overflows 64 bits');
    return 0;
  }

  next(): ValueType {
    if (this.i >= this.total || this.e !== undefined) return ValNone;
    if (this.i === 0) {
      const u = this.uvarintAligned();
      this.t = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      this.vh = this.rb(32);
      this.vl = this.rb(32);
    } else {
      if (this.i === 1) {
        this.tDelta = this.uvarintAligned();
      } else if (this.bit() !== 0) {
        // Prefix 10, 110, 1110 or 1111: count further one bits (at most three).
        let ones = 1;
        while (ones < 4 && this.bit() !== 0) ones++;
        const sz = ones === 1 ? 14 : ones === 2 ? 17 : ones === 3 ? 20 : 64;
        let dod: number;
        if (sz === 64) {
          const hi = this.rb(32) | 0;
          dod = hi * TWO32 + this.rb(32);
        } else {
          dod = this.rb(sz);
          if (dod > 1 << (sz - 1)) dod -= 1 << sz;
        }
        this.tDelta += dod;
      }
      this.t += this.tDelta;
      if (this.bit() !== 0) {
        if (this.bit() !== 0) {
          const leading = this.rb(5);
          let sig = this.rb(6);
          if (sig === 0) sig = 64;
          if (leading + sig > 64) {
            this.e = new CorruptionError('chunk', 'xor chunk', this.pos >>> 3, `invalid xor window: ${leading} leading + ${sig} significant bits`);
            return ValNone;
          }
          this.setWindow(leading, 64 - leading - sig);
        }
        const hx = this.hiN > 0 ? this.rb(this.hiN) << this.hiShift : 0;
        const lx = this.loN > 0 ? this.rb(this.loN) << this.loShift : 0;
        this.vh = (this.vh ^ hx) >>> 0;
        this.vl = (this.vl ^ lx) >>> 0;
      }
    }
    if (this.pos > this.len * 8) {
      this.e = new CorruptionError('chunk', 'xor chunk', this.len,
        `chunk data ends after ${this.i} of ${this.total} samples`);
      return ValNone;
    }
    u32[1] = this.vh;
    u32[0] = this.vl;
    this.v = f64[0]!;
    this.i++;
    return ValFloat;
  }

  seek(t: number): ValueType {
    if (this.e !== undefined) return ValNone;
    if (this.i > 0 && this.t >= t) return ValFloat;
    while (this.next() !== ValNone) if (this.t >= t) return ValFloat;
    return ValNone;
  }

  atT(): number {
    return this.t;
  }

  atF(): number {
    return this.v;
  }

  err(): Error | undefined {
    return this.e;
  }
}
