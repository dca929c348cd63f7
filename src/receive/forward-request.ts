// The receiver-to-receiver message of `thanos.WriteableStore/RemoteWrite` (upstream pkg/store/storepb/rpc.proto):
// WriteRequest{repeated prometheus_copy.TimeSeries timeseries = 1; string tenant = 2; int64 replica = 3;
// repeated TimeSeriesTenantTuple timeseriesTenantData = 4}, TimeSeriesTenantTuple{timeseries = 1; tenant = 2}.
// prometheus_copy.TimeSeries has prompb's field numbers, so the series decode as a remote write 1.0 body.

import { CorruptionError } from '../runtime/errors.js';
import { ProtoReader, WIRE_LEN, WIRE_VARINT } from '../store/prometheus/proto-wire.js';
import { decodeWriteRequestV1, type WriteRequest, type WriteSeries } from './write-request.js';

/** One tenant's series of a forwarded request. */
export interface ForwardedPart {
  readonly tenant: string;
  readonly req: WriteRequest;
}

export interface ForwardedRequest {
  /** 1-based replica number; 0 = not replicated yet. */
  readonly replica: number;
  /** Field 1+2, then each tuple of field 4 (what newer upstream routers send). */
  readonly parts: readonly ForwardedPart[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Enc = new TextEncoder();

function tagOf(r: ProtoReader): { field: number; wire: number } {
  const tag = r.uvarint();
  return { field: Math.floor(tag / 8), wire: tag & 7 };
}

function stringField(r: ProtoReader, what: string): string {
  const start = r.lenDelim();
  try {
    return utf8.decode(r.buf.subarray(start, r.pos));
  } catch {
    throw new CorruptionError('thanos.WriteRequest', 'protobuf', start, `${what} is not valid UTF-8`);
  }
}

/** Decodes a thanos.WriteRequest; malformed input is a CorruptionError naming the field and byte. */
export function decodeForwardedRequest(buf: Uint8Array): ForwardedRequest {
  const r = new ProtoReader(buf, 0, buf.length, 'thanos.WriteRequest');
  let tenant = '';
  let replica = 0;
  let hasSeries = false;
  const tuples: { start: number; end: number }[] = [];
  while (!r.done()) {
    const { field, wire } = tagOf(r);
    if (field === 1 && wire === WIRE_LEN) { hasSeries = true; r.lenDelim(); }
    else if (field === 2 && wire === WIRE_LEN) tenant = stringField(r, 'tenant');
    else if (field === 3 && wire === WIRE_VARINT) replica = r.int64();
    else if (field === 4 && wire === WIRE_LEN) {
      const start = r.lenDelim();
      tuples.push({ start, end: r.pos });
    } else if (field >= 1 && field <= 4) r.fail(`field ${field} has wire type ${wire}`);
    else r.skip(wire);
  }
  if (replica < 0) r.fail(`replica ${replica} is negative`);
  const parts: ForwardedPart[] = [];
  // As upstream: the tuples, when there are any, replace fields 1 and 2.
  if (tuples.length === 0 || hasSeries) parts.push({ tenant, req: decodeWriteRequestV1(buf) });
  for (const t of tuples) {
    const sub = buf.subarray(t.start, t.end);
    let tt = '';
    const tr = new ProtoReader(sub, 0, sub.length, 'thanos.TimeSeriesTenantTuple');
    while (!tr.done()) {
      const { field, wire } = tagOf(tr);
      if (field === 2 && wire === WIRE_LEN) tt = stringField(tr, 'tuple tenant');
      else tr.skip(wire);
    }
    parts.push({ tenant: tt, req: decodeWriteRequestV1(sub) });
  }
  return { replica, parts };
}

/** A growing byte buffer with the few protobuf primitives the message needs. */
class Out {
  b: Uint8Array;
  n = 0;
  private readonly f64 = new Float64Array(1);
  private readonly f64b = new Uint8Array(this.f64.buffer);

  constructor(size: number) {
    this.b = new Uint8Array(Math.max(64, size));
  }

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
    let x = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    for (let i = 0; i < 9; i++) { this.b[this.n++] = Number(x & 0x7fn) | 0x80; x >>= 7n; }
    this.b[this.n++] = Number(x & 1n);
  }

  double(v: number): void {
    this.ensure(8);
    this.f64[0] = v;
    this.b.set(this.f64b, this.n);
    this.n += 8;
  }

  raw(d: Uint8Array): void {
    this.ensure(d.length);
    this.b.set(d, this.n);
    this.n += d.length;
  }

  latin1(s: string): void {
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.b[this.n++] = s.charCodeAt(i);
  }

  /** Reserves room for a length prefix (up to 5 bytes) and returns where the body starts. */
  openLen(): number {
    this.ensure(5);
    this.n += 5;
    return this.n;
  }

  /** Writes the body length before the body, moving the body down over the unused prefix bytes. */
  closeLen(bodyStart: number): void {
    const len = this.n - bodyStart;
    let k = 1;
    for (let v = len; v >= 0x80; v = Math.floor(v / 128)) k++;
    const at = bodyStart - 5;
    if (k < 5) this.b.copyWithin(at + k, bodyStart, this.n);
    let p = at;
    let v = len;
    while (v >= 0x80) { this.b[p++] = (v % 128) | 0x80; v = Math.floor(v / 128); }
    this.b[p] = v;
    this.n = at + k + len;
  }
}

/**
 * Encodes `series` of `req` as a thanos.WriteRequest for `tenant` with the 1-based `replica`. Label fields of a
 * 1.0 request are copied as they came (their raw bytes are the series' key); samples are re-encoded. Histograms and
 * exemplars are not forwarded (this build stores neither).
 */
export function encodeForwardedRequest(tenant: string, replica: number, req: WriteRequest, series: readonly WriteSeries[]): Uint8Array {
  let estimate = 16 + tenant.length * 3;
  for (const s of series) estimate += 8 + (s.key?.length ?? 64) + (s.to - s.from) * 21;
  const o = new Out(estimate);
  const { ts, vs } = req;
  for (const s of series) {
    o.uvarint(0x0a);
    const ser = o.openLen();
    if (s.key !== undefined) o.latin1(s.key);
    else {
      for (const l of req.labelsOf(s)) {
        o.uvarint(0x0a);
        const lb = o.openLen();
        const name = utf8Enc.encode(l.name);
        const value = utf8Enc.encode(l.value);
        o.uvarint(0x0a); o.uvarint(name.length); o.raw(name);
        o.uvarint(0x12); o.uvarint(value.length); o.raw(value);
        o.closeLen(lb);
      }
    }
    for (let i = s.from; i < s.to; i++) {
      // Sample { double value = 1; int64 timestamp = 2 }
      o.uvarint(0x12);
      const sm = o.openLen();
      o.uvarint(0x09); o.double(vs[i]!);
      o.uvarint(0x10); o.int64(ts[i]!);
      o.closeLen(sm);
    }
    o.closeLen(ser);
  }
  if (tenant !== '') {
    const t = utf8Enc.encode(tenant);
    o.uvarint(0x12); o.uvarint(t.length); o.raw(t);
  }
  if (replica !== 0) { o.uvarint(0x18); o.int64(replica); }
  return o.b.subarray(0, o.n);
}
