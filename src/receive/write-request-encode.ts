// Encoding remote-write requests (1.0 prompb.WriteRequest and 2.0 io.prometheus.write.v2.Request): what a sender
// puts on the wire. Used by the crash-test sender, the benchmark and tests; receive itself only decodes.

import type { Labels } from '../tsdb/labels/labels.js';

export interface SeriesToWrite {
  readonly labels: Labels;
  readonly ts: readonly number[];
  readonly vs: readonly number[];
}

const utf8 = new TextEncoder();

/** A growing byte buffer with the protobuf primitives the two messages need. */
class Buf {
  b = new Uint8Array(4096);
  n = 0;
  private readonly f64 = new Float64Array(1);
  private readonly f64b = new Uint8Array(this.f64.buffer);

  ensure(k: number): void {
    if (this.n + k <= this.b.length) return;
    const next = new Uint8Array(Math.max(this.b.length * 2, this.n + k));
    next.set(this.b.subarray(0, this.n));
    this.b = next;
  }

  uvarint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.b[this.n++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.b[this.n++] = v;
  }

  int64(v: number): void {
    if (v >= 0) { this.uvarint(v); return; }
    // Two's complement in 10 bytes.
    let lo = Number(BigInt.asUintN(64, BigInt(v)) & 0xffffffffn);
    let hi = Number(BigInt.asUintN(64, BigInt(v)) >> 32n);
    this.ensure(10);
    for (let i = 0; i < 9; i++) {
      this.b[this.n++] = (lo & 0x7f) | 0x80;
      lo = (lo >>> 7) | ((hi & 0x7f) << 25);
      hi >>>= 7;
    }
    this.b[this.n++] = lo & 0x01;
  }

  double(v: number): void {
    this.ensure(8);
    this.f64[0] = v;
    this.b.set(this.f64b, this.n);
    this.n += 8;
  }

  bytes(d: Uint8Array): void {
    this.uvarint(d.length);
    this.ensure(d.length);
    this.b.set(d, this.n);
    this.n += d.length;
  }

  /** Writes `body` as a length-delimited field with tag `tag`. */
  nested(tag: number, body: (b: Buf) => void): void {
    const inner = new Buf();
    body(inner);
    this.uvarint(tag);
    this.bytes(inner.b.subarray(0, inner.n));
  }

  result(): Uint8Array {
    return this.b.slice(0, this.n);
  }
}

function sample(b: Buf, t: number, v: number): void {
  // Sample { double value = 1; int64 timestamp = 2 }
  b.nested(0x12, (s) => { s.uvarint(0x09); s.double(v); s.uvarint(0x10); s.int64(t); });
}

/** prompb.WriteRequest with the given series (labels as given, not re-sorted). */
export function encodeWriteRequestV1(series: readonly SeriesToWrite[]): Uint8Array {
  const b = new Buf();
  for (const s of series) {
    b.nested(0x0a, (ts) => {
      for (const l of s.labels) ts.nested(0x0a, (lb) => { lb.uvarint(0x0a); lb.bytes(utf8.encode(l.name)); lb.uvarint(0x12); lb.bytes(utf8.encode(l.value)); });
      for (let i = 0; i < s.ts.length; i++) sample(ts, s.ts[i]!, s.vs[i]!);
    });
  }
  return b.result();
}

/** io.prometheus.write.v2.Request: a symbols table ("" first, as the spec requires) and series referring to it. */
export function encodeWriteRequestV2(series: readonly SeriesToWrite[]): Uint8Array {
  const symbols = new Map<string, number>([['', 0]]);
  const ref = (s: string): number => {
    let r = symbols.get(s);
    if (r === undefined) { r = symbols.size; symbols.set(s, r); }
    return r;
  };
  const refs = series.map((s) => s.labels.flatMap((l) => [ref(l.name), ref(l.value)]));
  const b = new Buf();
  for (const s of symbols.keys()) { b.uvarint(0x22); b.bytes(utf8.encode(s)); }
  series.forEach((s, k) => {
    b.nested(0x2a, (ts) => {
      ts.nested(0x0a, (p) => { for (const r of refs[k]!) p.uvarint(r); });
      for (let i = 0; i < s.ts.length; i++) sample(ts, s.ts[i]!, s.vs[i]!);
    });
  });
  return b.result();
}
