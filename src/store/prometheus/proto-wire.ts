// Minimal protobuf wire reader/writer for the prompb messages (remote read, remote write, receive forwarding), which
// sit on hot paths: decoding by hand keeps chunk bytes as views into the frame and allocates nothing per sample.
import { CorruptionError } from '../../runtime/errors.js';

const TWO32 = 0x1_0000_0000;
const utf8 = new TextDecoder('utf-8');
const utf8Enc = new TextEncoder();

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

/** A cursor over one message; errors name `what` and the byte offset. */
export class ProtoReader {
  pos: number;
  /** End of the message being read; narrowed while reading a nested one (see `enter`/`leave`). */
  end: number;
  private view: DataView | undefined;

  constructor(readonly buf: Uint8Array, start: number, end: number, private readonly what: string) {
    this.pos = start;
    this.end = end;
  }

  /**
   * Reads a length-delimited field as a nested message with this same reader (no allocation per message): returns
   * the outer end to hand back to `leave` once the nested fields are read.
   */
  enter(): number {
    const outer = this.end;
    const n = this.uvarint();
    if (this.pos + n > outer) this.fail(`length ${n} runs past the end of the message`);
    this.end = this.pos + n;
    return outer;
  }

  leave(outer: number): void {
    this.pos = this.end;
    this.end = outer;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  fail(reason: string): never {
    throw new CorruptionError(this.what, 'protobuf', this.pos, reason);
  }

  /** An unsigned varint up to 2^53 (larger values lose precision, which no field here carries). */
  uvarint(): number {
    const b = this.buf;
    let pos = this.pos;
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.end) this.fail('truncated varint');
      const c = b[pos++]!;
      x += (c & 0x7f) * mul;
      if (c < 0x80) {
        this.pos = pos;
        return x;
      }
      mul *= 128;
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** An int64 varint (two's complement in 10 bytes when negative). */
  int64(): number {
    const b = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.end) this.fail('truncated varint');
      const c = b[pos++]!;
      const bits = c & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (shift - 32);
      shift += 7;
      if (c < 0x80) {
        this.pos = pos;
        return (hi | 0) * TWO32 + (lo >>> 0);
      }
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** Start and end of a length-delimited field's payload; advances past it. */
  lenDelim(): number {
    const n = this.uvarint();
    if (this.pos + n > this.end) this.fail(`length ${n} runs past the end of the message`);
    const start = this.pos;
    this.pos += n;
    return start;
  }

  string(): string {
    const start = this.lenDelim();
    const end = this.pos;
    // Label names and values are short and nearly always ASCII: building them in JS avoids TextDecoder's per-call
    // cost, which dominates for strings this small.
    if (end - start <= 64) {
      const b = this.buf;
      let out = '';
      for (let i = start; i < end; i++) {
        const c = b[i]!;
        if (c >= 0x80) return utf8.decode(b.subarray(start, end));
        out += String.fromCharCode(c);
      }
      return out;
    }
    return utf8.decode(this.buf.subarray(start, end));
  }

  bytes(): Uint8Array {
    const start = this.lenDelim();
    return this.buf.subarray(start, this.pos);
  }

  double(): number {
    if (this.pos + 8 > this.end) this.fail('truncated double');
    const view = (this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
    const v = view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT: this.uvarint(); return;
      case WIRE_FIXED64: this.pos += 8; break;
      case WIRE_LEN: this.lenDelim(); return;
      case WIRE_FIXED32: this.pos += 4; break;
      default: this.fail(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) this.fail('truncated field');
  }
}

/**
 * Field reads at positions over plain byte arrays, for parsers that keep their position in locals (the sidecar's
 * transcoder): each read returns its value and leaves where it ended in `next`, a second return value that
 * allocates nothing (the transcoder reads ~100k fields a call). One per parser; errors name `what` and the byte.
 */
export class WireScan {
  /** Where the last varint (or, after `payload`, the payload) ended. */
  next = 0;

  constructor(private readonly what: string) {}

  private corrupt(at: number, reason: string): CorruptionError {
    return new CorruptionError(this.what, 'protobuf', at, reason);
  }

  /** The unsigned varint at buf[p], read no further than `end`; sets next. */
  varint(buf: Uint8Array, p: number, end: number): number {
    if (p < end) {
      const c = buf[p]!;
      if (c < 0x80) {
        this.next = p + 1;
        return c;
      }
    }
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10 && p < end; i++) {
      const c = buf[p++]!;
      x += (c & 0x7f) * mul;
      if (c < 0x80) {
        this.next = p;
        return x;
      }
      mul *= 128;
    }
    throw this.corrupt(p, p >= end ? 'truncated varint' : 'varint longer than 10 bytes');
  }

  /** The start of the length-delimited payload whose length is at buf[p]; next is set to the payload's end. */
  payload(buf: Uint8Array, p: number, end: number): number {
    const n = this.varint(buf, p, end);
    const start = this.next;
    if (n > end - start) throw this.corrupt(start, `length ${n} runs past the end of the message`);
    this.next = start + n;
    return start;
  }

  /** The end of the field whose tag is at buf[p], for fields the transcoder does not read. */
  skipField(buf: Uint8Array, p: number, end: number): number {
    const wire = this.varint(buf, p, end) & 7;
    p = this.next;
    switch (wire) {
      case 0: this.varint(buf, p, end); return this.next;
      case 1: p += 8; break;
      case 2: this.payload(buf, p, end); return this.next;
      case 5: p += 4; break;
      default: throw this.corrupt(p, `unsupported wire type ${wire}`);
    }
    if (p > end) throw this.corrupt(end, 'truncated field');
    return p;
  }
}

/**
 * The one hand-written protobuf writer (remote-read requests, remote-write and receiver-forward requests): appends
 * into a growing buffer, and writes a nested message's length in place (`openLen`/`closeLen`) instead of encoding
 * the message apart and copying it in.
 */
export class ProtoWriter {
  private buf: Uint8Array;
  private len = 0;
  private readonly f64 = new Float64Array(1);
  private readonly f64b = new Uint8Array(this.f64.buffer);

  /** `size`: the first buffer's size (a good estimate saves the copies of growing). */
  constructor(size = 256) {
    this.buf = new Uint8Array(Math.max(64, size));
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  uvarint(v: number): this {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
    return this;
  }

  /** An int64 varint; negative values as 10-byte two's complement. */
  int64(v: number): this {
    if (v >= 0) return this.uvarint(v);
    let lo = ((v % TWO32) + TWO32) % TWO32;
    let hi = Math.floor(v / TWO32) + TWO32;
    this.ensure(10);
    for (let i = 0; i < 9; i++) {
      this.buf[this.len++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi = hi >>> 7;
    }
    this.buf[this.len++] = lo & 0x7f;
    return this;
  }

  /** A fixed64 double, little-endian. */
  double(v: number): this {
    this.ensure(8);
    this.f64[0] = v;
    this.buf.set(this.f64b, this.len);
    this.len += 8;
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.uvarint(field * 8 + wireType);
  }

  /** Bytes as they are (already encoded fields). */
  raw(data: Uint8Array): this {
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  /** A string whose characters are all below 256, byte per character (bytes held as a latin1 string). */
  latin1(s: string): this {
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i);
    return this;
  }

  bytesField(field: number, data: Uint8Array): this {
    return this.tag(field, WIRE_LEN).uvarint(data.length).raw(data);
  }

  stringField(field: number, s: string): this {
    return this.bytesField(field, utf8Enc.encode(s));
  }

  /** Reserves room for a length prefix (up to 5 bytes) and returns where the body starts; see closeLen. */
  openLen(): number {
    this.ensure(5);
    this.len += 5;
    return this.len;
  }

  /** Writes the length of the body written since `openLen` before it, moving the body down over the unused prefix bytes. */
  closeLen(bodyStart: number): this {
    const len = this.len - bodyStart;
    let k = 1;
    for (let v = len; v >= 0x80; v = Math.floor(v / 128)) k++;
    const at = bodyStart - 5;
    const b = this.buf;
    if (k < 5) b.copyWithin(at + k, bodyStart, this.len);
    let p = at;
    let v = len;
    while (v >= 0x80) { b[p++] = (v % 128) | 0x80; v = Math.floor(v / 128); }
    b[p] = v;
    this.len = at + k + len;
    return this;
  }

  /** The bytes written, a view of the writer's buffer. */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
