// WAL record payloads as Prometheus 2.42 writes them (tsdb/record): series, samples, tombstones, exemplars and
// metadata. The first byte is the record type; 64-bit fields are big-endian; deltas are zig-zag varints.

import { CorruptionError } from '../../runtime/errors.js';
import { Decoder } from '../encoding/decoder.js';
import { Encoder } from '../encoding/encoder.js';
import type { Label, Labels } from '../labels/labels.js';

export const RecordType = {
  Series: 1, Samples: 2, Tombstones: 3, Exemplars: 4, MmapMarkers: 5, Metadata: 6,
  HistogramSamples: 7, FloatHistogramSamples: 8,
} as const;

/** Metric types of metadata records (Prometheus textparse.MetricType, as a byte). */
export const MetricType = { Unknown: 0, Counter: 1, Gauge: 2, Histogram: 3, GaugeHistogram: 4, Summary: 5, Info: 6, StateSet: 7 } as const;

export interface SeriesEntry {
  readonly ref: number;
  readonly labels: Labels;
}

/** Samples in columns: entry i is (refs[i], ts[i], vs[i]) for i < n. Values keep their bit patterns (stale NaN). */
export interface SampleColumns {
  n: number;
  refs: Float64Array;
  ts: Float64Array;
  vs: Float64Array;
}

export interface TombstoneEntry {
  readonly ref: number;
  readonly mint: number;
  readonly maxt: number;
}

export interface ExemplarEntry {
  readonly ref: number;
  readonly t: number;
  readonly v: number;
  readonly labels: Labels;
}

export interface MetadataEntry {
  readonly ref: number;
  readonly type: number;
  readonly unit: string;
  readonly help: string;
}

const TWO32 = 0x1_0000_0000;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

export function newSampleColumns(capacity = 1024): SampleColumns {
  return { n: 0, refs: new Float64Array(capacity), ts: new Float64Array(capacity), vs: new Float64Array(capacity) };
}

/** Makes room for `need` entries, keeping the first `cols.n`. */
export function growSampleColumns(cols: SampleColumns, need: number): void {
  if (need <= cols.ts.length) return;
  let cap = cols.ts.length * 2;
  while (cap < need) cap *= 2;
  const grow = (a: Float64Array): Float64Array => { const b = new Float64Array(cap); b.set(a.subarray(0, cols.n)); return b; };
  cols.refs = grow(cols.refs);
  cols.ts = grow(cols.ts);
  cols.vs = grow(cols.vs);
}

/** The record type of a decoded record (0 for an empty one). */
export function recordType(rec: Uint8Array): number {
  return rec.length > 0 ? rec[0]! : 0;
}

/** Writes a signed 64-bit integer (|v| < 2^53) as BE64 two's complement. */
function putBE64Signed(e: Encoder, v: number): void {
  e.putBE32(Math.floor(v / TWO32) >>> 0);
  e.putBE32(v >>> 0);
}

function putF64(e: Encoder, v: number): void {
  f64[0] = v;
  e.putBE32(u32[1]!);
  e.putBE32(u32[0]!);
}

function readBE64Signed(d: Decoder): number {
  const hi = d.be32() | 0;
  const lo = d.be32();
  return hi * TWO32 + lo;
}

function readF64(d: Decoder): number {
  u32[1] = d.be32();
  u32[0] = d.be32();
  return f64[0]!;
}

function putLabels(e: Encoder, labels: Labels): void {
  e.putUvarint(labels.length);
  for (const l of labels) { e.putUvarintStr(l.name); e.putUvarintStr(l.value); }
}

function readLabels(d: Decoder): Label[] {
  const n = d.uvarint();
  const out: Label[] = [];
  for (let i = 0; i < n && d.err() === undefined; i++) {
    const name = d.uvarintStr();
    out.push({ name, value: d.uvarintStr() });
  }
  return out;
}

function expectType(d: Decoder, want: number, what: string, file: string): void {
  const t = d.byte();
  if (d.err() === undefined && t !== want) throw new CorruptionError(file, `${what} record`, 0, `record type ${t}, want ${want}`);
}

export function encodeSeries(series: readonly SeriesEntry[], e = new Encoder()): Uint8Array {
  e.reset();
  e.putByte(RecordType.Series);
  for (const s of series) { e.putBE64(s.ref); putLabels(e, s.labels); }
  return e.bytes();
}

export function decodeSeries(rec: Uint8Array, file = 'wal record'): SeriesEntry[] {
  const d = new Decoder(rec);
  expectType(d, RecordType.Series, 'series', file);
  const out: SeriesEntry[] = [];
  while (d.remaining > 0 && d.err() === undefined) {
    const ref = d.be64();
    out.push({ ref, labels: readLabels(d) });
  }
  d.check(file, 'series record');
  return out;
}

/** Encodes samples [from, to) of `cols`; an empty range gives a record of the type byte alone, as Prometheus. */
export function encodeSamples(cols: SampleColumns, e = new Encoder(), from = 0, to = cols.n): Uint8Array {
  e.reset();
  e.putByte(RecordType.Samples);
  if (to <= from) return e.bytes();
  const ref0 = cols.refs[from]!;
  const t0 = cols.ts[from]!;
  e.putBE64(ref0);
  putBE64Signed(e, t0);
  for (let i = from; i < to; i++) {
    e.putVarint(cols.refs[i]! - ref0);
    e.putVarint(cols.ts[i]! - t0);
    putF64(e, cols.vs[i]!);
  }
  return e.bytes();
}

/**
 * Decodes a samples record, appending to `cols` (its `n` grows). The loop reads varints and value bits by hand:
 * it is the WAL replay hot path.
 */
export function decodeSamplesInto(rec: Uint8Array, cols: SampleColumns, file = 'wal record'): void {
  if (rec[0] !== RecordType.Samples) throw new CorruptionError(file, 'samples record', 0, `record type ${rec[0]}, want ${RecordType.Samples}`);
  const len = rec.length;
  if (len === 1) return;
  if (len < 17) throw new CorruptionError(file, 'samples record', len, 'record ends inside its first ref and timestamp');
  const hi0 = ((rec[1]! << 24) | (rec[2]! << 16) | (rec[3]! << 8) | rec[4]!) >>> 0;
  const ref0 = hi0 * TWO32 + (((rec[5]! << 24) | (rec[6]! << 16) | (rec[7]! << 8) | rec[8]!) >>> 0);
  const thi = (rec[9]! << 24) | (rec[10]! << 16) | (rec[11]! << 8) | rec[12]!;
  const t0 = thi * TWO32 + (((rec[13]! << 24) | (rec[14]! << 16) | (rec[15]! << 8) | rec[16]!) >>> 0);
  let p = 17;
  // Each entry is at least 1 + 1 + 8 bytes.
  growSampleColumns(cols, cols.n + Math.ceil((len - 17) / 10));
  const { refs, ts } = cols;
  const words = new Uint32Array(cols.vs.buffer);
  let n = cols.n;
  while (p < len) {
    let u = 0, mul = 1, c = 0x80, k = 0;
    while (c >= 0x80) {
      if (p >= len || k++ === 10) throw new CorruptionError(file, 'samples record', p, 'truncated or overlong ref delta');
      c = rec[p++]!; u += (c & 0x7f) * mul; mul *= 128;
    }
    const dref = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    u = 0; mul = 1; c = 0x80; k = 0;
    while (c >= 0x80) {
      if (p >= len || k++ === 10) throw new CorruptionError(file, 'samples record', p, 'truncated or overlong timestamp delta');
      c = rec[p++]!; u += (c & 0x7f) * mul; mul *= 128;
    }
    const dt = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    if (p + 8 > len) throw new CorruptionError(file, 'samples record', p, 'record ends inside a sample value');
    refs[n] = ref0 + dref;
    ts[n] = t0 + dt;
    words[2 * n + 1] = ((rec[p]! << 24) | (rec[p + 1]! << 16) | (rec[p + 2]! << 8) | rec[p + 3]!) >>> 0;
    words[2 * n] = ((rec[p + 4]! << 24) | (rec[p + 5]! << 16) | (rec[p + 6]! << 8) | rec[p + 7]!) >>> 0;
    p += 8;
    n++;
  }
  cols.n = n;
}

export function encodeTombstones(stones: readonly TombstoneEntry[], e = new Encoder()): Uint8Array {
  e.reset();
  e.putByte(RecordType.Tombstones);
  for (const s of stones) { e.putBE64(s.ref); e.putVarint(s.mint); e.putVarint(s.maxt); }
  return e.bytes();
}

export function decodeTombstones(rec: Uint8Array, file = 'wal record'): TombstoneEntry[] {
  const d = new Decoder(rec);
  expectType(d, RecordType.Tombstones, 'tombstones', file);
  const out: TombstoneEntry[] = [];
  while (d.remaining > 0 && d.err() === undefined) {
    const ref = d.be64();
    const mint = d.varint();
    out.push({ ref, mint, maxt: d.varint() });
  }
  d.check(file, 'tombstones record');
  return out;
}

export function encodeExemplars(exemplars: readonly ExemplarEntry[], e = new Encoder()): Uint8Array {
  e.reset();
  e.putByte(RecordType.Exemplars);
  if (exemplars.length === 0) return e.bytes();
  const first = exemplars[0]!;
  e.putBE64(first.ref);
  putBE64Signed(e, first.t);
  for (const x of exemplars) {
    e.putVarint(x.ref - first.ref);
    e.putVarint(x.t - first.t);
    putF64(e, x.v);
    putLabels(e, x.labels);
  }
  return e.bytes();
}

export function decodeExemplars(rec: Uint8Array, file = 'wal record'): ExemplarEntry[] {
  const d = new Decoder(rec);
  expectType(d, RecordType.Exemplars, 'exemplars', file);
  const out: ExemplarEntry[] = [];
  if (d.remaining === 0) return out;
  const ref0 = d.be64();
  const t0 = readBE64Signed(d);
  while (d.remaining > 0 && d.err() === undefined) {
    const ref = ref0 + d.varint();
    const t = t0 + d.varint();
    const v = readF64(d);
    out.push({ ref, t, v, labels: readLabels(d) });
  }
  d.check(file, 'exemplars record');
  return out;
}

export function encodeMetadata(entries: readonly MetadataEntry[], e = new Encoder()): Uint8Array {
  e.reset();
  e.putByte(RecordType.Metadata);
  for (const m of entries) {
    e.putUvarint(m.ref);
    e.putByte(m.type);
    e.putUvarint(2);
    e.putUvarintStr('UNIT'); e.putUvarintStr(m.unit);
    e.putUvarintStr('HELP'); e.putUvarintStr(m.help);
  }
  return e.bytes();
}

/** Decodes a metadata record; unknown fields are skipped, as Prometheus does. */
export function decodeMetadata(rec: Uint8Array, file = 'wal record'): MetadataEntry[] {
  const d = new Decoder(rec);
  expectType(d, RecordType.Metadata, 'metadata', file);
  const out: MetadataEntry[] = [];
  while (d.remaining > 0 && d.err() === undefined) {
    const ref = d.uvarint();
    const type = d.byte();
    const fields = d.uvarint();
    let unit = '', help = '';
    for (let i = 0; i < fields && d.err() === undefined; i++) {
      const k = d.uvarintStr();
      const v = d.uvarintStr();
      if (k === 'UNIT') unit = v;
      else if (k === 'HELP') help = v;
    }
    out.push({ ref, type, unit, help });
  }
  d.check(file, 'metadata record');
  return out;
}
