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
/** Numbers in an XorAppender state (exportState / restore). */
export const XOR_STATE_SIZE = 9;

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
    // The most one sample can take: a 10-byte varint plus 64 bits, or 4+64 dod bits plus 2+5+6+64 value bits.
    w.reserve(160);
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

  /**
   * The appender's state as numbers (with view(), all it takes to continue the chunk elsewhere): n, t, tDelta,
   * value high/low words, leading, trailing, bit length, trailing-byte quirk (0/1). Written into `out` at `at`.
   */
  exportState(out: Float64Array, at: number): void {
    const w = this.w.state();
    out[at] = this.n; out[at + 1] = this.t; out[at + 2] = this.tDelta; out[at + 3] = this.vh; out[at + 4] = this.vl;
    out[at + 5] = this.leading; out[at + 6] = this.trailing; out[at + 7] = w.bitLength; out[at + 8] = w.trailingByteQuirk ? 1 : 0;
  }

  /** An appender continuing the chunk `bytes` from a state exportState wrote (XOR_STATE_SIZE numbers at `at`). */
  static restore(bytes: Uint8Array, st: Float64Array, at: number): XorAppender {
    const a = new XorAppender();
    a.n = st[at]!; a.t = st[at + 1]!; a.tDelta = st[at + 2]!; a.vh = st[at + 3]!; a.vl = st[at + 4]!;
    a.leading = st[at + 5]!; a.trailing = st[at + 6]!;
    a.w.restore(bytes, st[at + 7]!, st[at + 8] === 1);
    return a;
  }

  /** Empties the appender for a new chunk, reusing its buffer. */
  reset(): void {
    this.w.reset(2);
    this.n = 0;
    this.t = 0;
    this.tDelta = 0;
    this.vh = 0;
    this.vl = 0;
    this.leading = NO_WINDOW;
    this.trailing = 0;
  }

  /** The chunk bytes (3.x form) as a view valid until the next append or reset: for copying straight into a segment. */
  view(): Uint8Array {
    const out = this.w.view();
    out[0] = this.n >>> 8;
    out[1] = this.n & 0xff;
    return out;
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
 * Chunk bytes copied here with zero padding so bit reads never need bounds checks. One sample reads at most
 * 4+64+2+5+6+64 bits past the last length check, plus the 5 bytes of a read: 40 bytes of padding cover that.
 */
const PAD = 40;
let scratch = new Uint8Array(1024);
let scratchView = new DataView(scratch.buffer);

/** The 32 bits of `b` starting at bit `p`, as a signed int32 (b must extend 5 bytes past p/8). */
function pk(v: DataView, b: Uint8Array, p: number): number {
  const i = p >>> 3;
  return v.getInt32(i) << (p & 7) | (b[i + 4]! >>> (8 - (p & 7)));
}

/** Result of decoding one chunk: how many samples were decoded and the failure, if any. */
export interface XorDecodeResult {
  readonly n: number;
  readonly error: CorruptionError | undefined;
}

const OK_EMPTY: XorDecodeResult = { n: 0, error: undefined };

/**
 * Decodes an XOR chunk into `ts` and the bit patterns of `vs` (written through `words`, an Int32Array view of
 * the same memory: low word first on a little-endian host) from index `at`; they must hold `xorNumSamples(data)`
 * entries there. Values are copied as raw bits, so NaN payloads (stale markers) survive. Decoding stops before the
 * first sample after `maxT` (as an iterator read up to maxT stops: nothing after it is looked at). All state lives
 * in int32 locals: this loop is the decode hot path.
 */
export function decodeXorInto(data: Uint8Array, ts: Float64Array, words: Int32Array, at = 0, maxT = Infinity): XorDecodeResult {
  const len = data.length;
  if (len < 2) return { n: 0, error: new CorruptionError('chunk', 'xor chunk', 0, `chunk of ${len} bytes has no sample count`) };
  const total = (data[0]! << 8) | data[1]!;
  if (total === 0) return OK_EMPTY;
  if (scratch.length < len + PAD) {
    scratch = new Uint8Array(Math.max(len + PAD, scratch.length * 2));
    scratchView = new DataView(scratch.buffer);
  }
  const b = scratch;
  const dv = scratchView;
  b.set(data);
  b.fill(0, len, len + PAD);
  const bits = len * 8;
  // Sample 0: t0 varint, v0 64 bits; sample 1: delta uvarint (both byte aligned).
  let p = 2;
  let u = 0, mul = 1, c = 0x80;
  while (c >= 0x80 && p < len && mul < 2 ** 70) { c = b[p++]!; u += (c & 0x7f) * mul; mul *= 128; }
  if (c >= 0x80) return { n: 0, error: new CorruptionError('chunk', 'xor chunk', p, 'truncated or overlong first timestamp') };
  let t = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  let pos = p * 8;
  let vh = pk(dv, b, pos);
  let vl = pk(dv, b, pos + 32);
  pos += 64;
  if (pos > bits) return { n: 0, error: new CorruptionError('chunk', 'xor chunk', len, 'chunk data ends inside the first sample') };
  ts[at] = t;
  words[2 * at] = vl;
  words[2 * at + 1] = vh;
  if (total === 1) return { n: 1, error: undefined };
  p = pos >>> 3;
  u = 0; mul = 1; c = 0x80;
  while (c >= 0x80 && p < len && mul < 2 ** 70) { c = b[p++]!; u += (c & 0x7f) * mul; mul *= 128; }
  if (c >= 0x80) return { n: 1, error: new CorruptionError('chunk', 'xor chunk', p, 'truncated or overlong second timestamp delta') };
  let delta = u;
  pos = p * 8;
  let hiN = 32, loN = 32, hiShift = 0, loShift = 0;
  for (let k = 1; k < total; k++) {
    // `w` holds the next `avail` bits at `pos`, so the common fields need no extra read.
    let w: number;
    let avail = 32;
    if (k > 1) {
      w = pk(dv, b, pos);
      if (w >= 0) { pos += 1; w <<= 1; avail = 31; }
      else {
        if ((w & 0x40000000) === 0) { let d = (w >>> 16) & 0x3fff; if (d > 8192) d -= 16384; delta += d; pos += 16; }
        else if ((w & 0x20000000) === 0) { let d = (w >>> 12) & 0x1ffff; if (d > 65536) d -= 131072; delta += d; pos += 20; }
        else if ((w & 0x10000000) === 0) { let d = (w >>> 8) & 0xfffff; if (d > 524288) d -= 1048576; delta += d; pos += 24; }
        else { delta += pk(dv, b, pos + 4) * 0x1_0000_0000 + (pk(dv, b, pos + 36) >>> 0); pos += 68; }
        w = pk(dv, b, pos);
      }
    } else w = pk(dv, b, pos);
    t += delta;
    if (t > maxT) return { n: k, error: undefined };
    if (w >= 0) {
      pos += 1;
    } else {
      let used = 2;
      if ((w & 0x40000000) !== 0) {
        const leading = (w >>> 25) & 31;
        let sig = (w >>> 19) & 63;
        if (sig === 0) sig = 64;
        if (leading + sig > 64) return { n: k, error: new CorruptionError('chunk', 'xor chunk', pos >>> 3, `invalid xor window: ${leading} leading + ${sig} significant bits`) };
        const trailing = 64 - leading - sig;
        const hiEnd = trailing > 32 ? 64 - trailing : 32;
        hiN = hiEnd - leading;
        hiShift = 32 - hiEnd;
        loN = sig - hiN;
        loShift = trailing < 32 ? trailing : 0;
        used = 13;
      }
      // hiN >= 1 always; loN may be 0 (then the low word is unchanged).
      if (loN === 0 && used + hiN <= avail) {
        vh ^= ((w << used) >>> (32 - hiN)) << hiShift;
        pos += used + hiN;
      } else {
        pos += used;
        vh ^= (pk(dv, b, pos) >>> (32 - hiN)) << hiShift;
        pos += hiN;
        if (loN > 0) { vl ^= (pk(dv, b, pos) >>> (32 - loN)) << loShift; pos += loN; }
      }
    }
    if (pos > bits) return { n: k, error: new CorruptionError('chunk', 'xor chunk', len, `chunk data ends after ${k} of ${total} samples`) };
    ts[at + k] = t;
    words[2 * (at + k)] = vl;
    words[2 * (at + k) + 1] = vh;
  }
  return { n: total, error: undefined };
}

/**
 * Iterates an XOR chunk without allocating per sample: `reset(data)` decodes the chunk at once into typed arrays
 * the iterator keeps and reuses, so `next()` is an index step. Corrupt data (a stream shorter than its sample count,
 * a bad window) yields the samples before the damage, then ValNone with `err()` set to a CorruptionError whose
 * offset is the byte inside the chunk data.
 */
export class XorIterator implements SampleIterator {
  private ts = new Float64Array(128);
  private vs = new Float64Array(128);
  private words = new Int32Array(this.vs.buffer);
  private n = 0;
  private i = -1;
  private e: Error | undefined;
  private pending: Error | undefined;

  constructor(data?: Uint8Array) {
    if (data) this.reset(data);
  }

  reset(data: Uint8Array): this {
    const total = xorNumSamples(data);
    if (total > this.ts.length) {
      const cap = Math.max(total, this.ts.length * 2);
      this.ts = new Float64Array(cap);
      this.vs = new Float64Array(cap);
      this.words = new Int32Array(this.vs.buffer);
    }
    const r = decodeXorInto(data, this.ts, this.words);
    this.n = r.n;
    this.pending = r.error;
    this.e = undefined;
    this.i = -1;
    return this;
  }

  next(): ValueType {
    if (++this.i < this.n) return ValFloat;
    this.i = this.n;
    this.e = this.pending;
    return ValNone;
  }

  seek(t: number): ValueType {
    if (this.i < 0) this.i = 0;
    while (this.i < this.n && this.ts[this.i]! < t) this.i++;
    if (this.i < this.n) return ValFloat;
    this.e = this.pending;
    return ValNone;
  }

  atT(): number {
    return this.ts[this.i]!;
  }

  atF(): number {
    return this.vs[this.i]!;
  }

  err(): Error | undefined {
    return this.e;
  }
}
