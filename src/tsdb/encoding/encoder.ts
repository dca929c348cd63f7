// Append-only byte buffer for TSDB formats (Prometheus encoding.Encbuf): big-endian ints, varints, strings.
// 64-bit values are plain numbers (safe below 2^53); varints above 32 bits use arithmetic, not bit operators.

const utf8 = new TextEncoder();
const TWO32 = 0x1_0000_0000;

export class Encoder {
  private buf: Uint8Array;
  private n = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.n;
  }

  /** The bytes written so far; a view that later writes may invalidate (copy it to keep it). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.n);
  }

  reset(): void {
    this.n = 0;
  }

  private grow(extra: number): void {
    const need = this.n + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.n));
    this.buf = nb;
  }

  putByte(b: number): void {
    this.grow(1);
    this.buf[this.n++] = b;
  }

  putBytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }

  /** Writes `count` zero bytes. */
  putZeros(count: number): void {
    this.grow(count);
    this.buf.fill(0, this.n, this.n + count);
    this.n += count;
  }

  putBE32(v: number): void {
    this.grow(4);
    const b = this.buf;
    const i = this.n;
    b[i] = v >>> 24; b[i + 1] = v >>> 16; b[i + 2] = v >>> 8; b[i + 3] = v;
    this.n += 4;
  }

  /** Overwrites a BE32 at an earlier position (for length prefixes filled in afterwards). */
  setBE32(at: number, v: number): void {
    const b = this.buf;
    b[at] = v >>> 24; b[at + 1] = v >>> 16; b[at + 2] = v >>> 8; b[at + 3] = v;
  }

  /** Writes a non-negative integer below 2^53 as BE64. */
  putBE64(v: number): void {
    this.putBE32(Math.floor(v / TWO32) >>> 0);
    this.putBE32(v >>> 0);
  }

  putUvarint(v: number): void {
    this.grow(10);
    const b = this.buf;
    let i = this.n;
    if (v < 0x8000_0000) {
      while (v >= 0x80) { b[i++] = (v & 0x7f) | 0x80; v >>>= 7; }
    } else {
      while (v >= 0x80) { b[i++] = (v % 128) | 0x80; v = Math.floor(v / 128); }
    }
    b[i++] = v;
    this.n = i;
  }

  /** Zig-zag signed varint (Go's binary.PutVarint) for integers with |v| < 2^52. */
  putVarint(v: number): void {
    this.putUvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** uvarint byte length then UTF-8 bytes. */
  putUvarintStr(s: string): void {
    // Label names and values are nearly always short ASCII: copied char by char, without a TextEncoder buffer.
    const n = s.length;
    if (n < 128) {
      this.grow(n + 1);
      const b = this.buf;
      const at = this.n;
      let ascii = true;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) { ascii = false; break; }
        b[at + 1 + i] = c;
      }
      if (ascii) {
        b[at] = n;
        this.n = at + 1 + n;
        return;
      }
    }
    const b = utf8.encode(s);
    this.putUvarint(b.length);
    this.putBytes(b);
  }

  /** Zero bytes until the length is a multiple of `align`. */
  pad(align: number): void {
    const rem = this.n % align;
    if (rem !== 0) this.putZeros(align - rem);
  }
}

/** Bytes a uvarint of `v` takes. */
export function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) { v = Math.floor(v / 128); n++; }
  return n;
}
