// MSB-first bit writer for chunk encodings (Prometheus bstream). Also tracks whether the last field was a whole
// number of bytes written at a byte boundary: Prometheus 2.x then left one extra 0x00 byte (shared reference §3.7).
// Writers call reserve(maxBits) once per sample; the write methods themselves do no capacity checks.

export class BitWriter {
  private buf: Uint8Array;
  /** Bits written so far, counting any reserved header bytes. */
  private bit: number;
  /** True when the last field would have made Prometheus < 3.0 append an empty trailing byte. */
  trailingByteQuirk = false;

  constructor(headerBytes = 0, capacity = 128) {
    this.buf = new Uint8Array(Math.max(capacity, headerBytes + 16));
    this.bit = headerBytes * 8;
  }

  get bitLength(): number {
    return this.bit;
  }

  /** The raw buffer (header bytes included); only the first `ceil(bitLength/8)` bytes are meaningful. */
  raw(): Uint8Array {
    return this.buf;
  }

  /** Makes room for `bits` more bits; must precede the writes that use them. */
  reserve(bits: number): void {
    // put() touches up to 5 bytes from the current one.
    const needBytes = ((this.bit + bits) >>> 3) + 6;
    if (needBytes <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < needBytes) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf);
    this.buf = nb;
  }

  /**
   * Writes the low `n` (1..32) bits of `v`, most significant first. Bytes past the current one are still zero,
   * so they are assigned rather than OR-ed.
   */
  private put(v: number, n: number): void {
    const b = this.buf;
    const bit = this.bit;
    const i = bit >>> 3;
    const s = bit & 7;
    const x = n === 32 ? v >>> 0 : (v << (32 - n)) >>> 0;
    b[i]! |= x >>> (24 + s);
    b[i + 1] = x >>> (16 + s);
    b[i + 2] = x >>> (8 + s);
    b[i + 3] = x >>> s;
    b[i + 4] = x << (8 - s);
    this.bit = bit + n;
  }

  writeBit(one: boolean): void {
    this.put(one ? 1 : 0, 1);
    this.trailingByteQuirk = false;
  }

  /** One field of `n` bits (0..32) in the low bits of `v`. */
  writeBits(v: number, n: number): void {
    if (n === 0) return;
    this.trailingByteQuirk = n % 8 === 0 && (this.bit & 7) === 0;
    this.put(v, n);
  }

  /** One field of `n` bits (0..64) given as high and low 32-bit words of the right-aligned value. */
  writeBits64(hi: number, lo: number, n: number): void {
    if (n === 0) return;
    this.trailingByteQuirk = n % 8 === 0 && (this.bit & 7) === 0;
    if (n > 32) { this.put(hi, n - 32); this.put(lo, 32); } else this.put(lo, n);
  }

  /** The bit position and quirk flag, to rebuild the writer elsewhere with restore() (e.g. on another thread). */
  state(): { bitLength: number; trailingByteQuirk: boolean } {
    return { bitLength: this.bit, trailingByteQuirk: this.trailingByteQuirk };
  }

  /** Continues from `bytes` (the first ceil(bitLength/8) bytes written so far, copied) at `bitLength`. */
  restore(bytes: Uint8Array, bitLength: number, trailingByteQuirk: boolean): void {
    const n = (bitLength + 7) >>> 3;
    let cap = this.buf.length;
    while (cap < n + 16) cap *= 2;
    this.buf = new Uint8Array(cap);
    this.buf.set(bytes.subarray(0, n));
    this.bit = bitLength;
    this.trailingByteQuirk = trailingByteQuirk;
  }

  /** Starts over with `headerBytes` reserved, keeping the buffer. */
  reset(headerBytes = 0): void {
    this.buf.fill(0, 0, Math.min(this.buf.length, ((this.bit + 7) >>> 3) + 6));
    this.bit = headerBytes * 8;
    this.trailingByteQuirk = false;
  }

  /** The written bytes as a view into the writer's buffer, valid until the next write or reset. */
  view(): Uint8Array {
    return this.buf.subarray(0, (this.bit + 7) >>> 3);
  }

  /** A copy of the written bytes (padding bits are zero); `prometheus2` adds the 2.x trailing byte when due. */
  bytes(prometheus2 = false): Uint8Array {
    const n = (this.bit + 7) >>> 3;
    const extra = prometheus2 && this.trailingByteQuirk ? 1 : 0;
    const out = new Uint8Array(n + extra);
    out.set(this.buf.subarray(0, n));
    return out;
  }
}
