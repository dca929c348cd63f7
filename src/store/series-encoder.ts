// A hand-written encoder for SeriesResponse series/batch frames, the StoreAPI's hot path: sizes are computed
// first, then every field is written into one exactly-sized Buffer, chunk bytes copied once. Field numbers are
// those of proto/store/types.proto (checked against upstream by test/store/wire-golden.test.ts). Zero values are
// omitted, as Go's encoder does.

import type { Chunk, ChunkEncoding, Series, SeriesRequest } from './store-api.js';

const TWO_32 = 4294967296;
const ENCODING: Readonly<Record<ChunkEncoding, number>> = { XOR: 0, HISTOGRAM: 1, FLOAT_HISTOGRAM: 2 };
/** AggrChunk fields 3..8 in order. */
const AGGR_FIELDS = ['raw', 'count', 'sum', 'min', 'max', 'counter'] as const;

function varintSize(n: number): number {
  // n is a non-negative integer below 2^32 here (lengths, enum values).
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** Two's-complement 64-bit split of a safe integer, as (hi, lo) unsigned 32-bit halves. */
function split64(n: number): [number, number] {
  if (n >= 0) return [Math.floor(n / TWO_32) >>> 0, n >>> 0];
  const a = -n;
  const alo = a >>> 0;
  const ahi = Math.floor(a / TWO_32) >>> 0;
  const lo = (~alo + 1) >>> 0;
  const hi = (~ahi + (lo === 0 ? 1 : 0)) >>> 0;
  return [hi, lo];
}

function varint64Size(n: number): number {
  if (n >= 0 && n < TWO_32) return varintSize(n);
  let [hi, lo] = split64(n);
  let size = 1;
  while (hi !== 0 || lo > 127) {
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
    size++;
  }
  return size;
}

class Out {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(n: number): void {
    const b = this.buf;
    while (n > 127) {
      b[this.pos++] = (n & 127) | 128;
      n >>>= 7;
    }
    b[this.pos++] = n;
  }

  varint64(n: number): void {
    if (n >= 0 && n < TWO_32) {
      this.varint(n);
      return;
    }
    let [hi, lo] = split64(n);
    const b = this.buf;
    while (hi !== 0 || lo > 127) {
      b[this.pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    b[this.pos++] = lo;
  }

  uint64Big(v: bigint): void {
    while (v > 127n) {
      this.buf[this.pos++] = Number(v & 127n) | 128;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  string(tag: number, s: string, byteLength: number): void {
    const b = this.buf;
    b[this.pos++] = tag;
    this.varint(byteLength);
    if (byteLength === s.length) {
      // ASCII (utf8Length said so): one byte per char.
      let p = this.pos;
      for (let i = 0; i < byteLength; i++) b[p++] = s.charCodeAt(i);
      this.pos = p;
    } else {
      this.pos += b.write(s, this.pos, byteLength, 'utf8');
    }
  }

  bytes(tag: number, data: Uint8Array): void {
    this.buf[this.pos++] = tag;
    this.varint(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }
}

/** UTF-8 length; label strings are short and usually ASCII, where a JS loop beats crossing into C++. */
function utf8Length(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return n;
}

function uint64BigSize(v: bigint): number {
  let size = 1;
  while (v > 127n) {
    v >>= 7n;
    size++;
  }
  return size;
}

function chunkSize(c: Chunk): number {
  const t = ENCODING[c.encoding];
  let size = t === 0 ? 0 : 1 + varintSize(t);
  if (c.data.length > 0) size += 1 + varintSize(c.data.length) + c.data.length;
  if (c.hash !== undefined && c.hash !== 0n) size += 1 + uint64BigSize(c.hash);
  return size;
}

/**
 * Sizes from the measuring pass, consumed in the same order by the writing pass, so nothing is measured twice.
 * Encoding is synchronous, so one module-level scratch array is safe.
 */
const sizes: number[] = [];
let next = 0;

/** Measures a series, recording (series size, then per label nb/vb/label size, per chunk aggr size + chunk sizes). */
function measureSeries(s: Series): number {
  const at = sizes.length;
  sizes.push(0);
  let size = 0;
  for (const l of s.labels) {
    const nb = utf8Length(l.name);
    const vb = utf8Length(l.value);
    const ls = (nb ? 1 + varintSize(nb) + nb : 0) + (vb ? 1 + varintSize(vb) + vb : 0);
    sizes.push(nb, vb, ls);
    size += 1 + varintSize(ls) + ls;
  }
  for (const a of s.chunks) {
    const ai = sizes.length;
    sizes.push(0);
    let as = 0;
    if (a.minTime !== 0) as += 1 + varint64Size(a.minTime);
    if (a.maxTime !== 0) as += 1 + varint64Size(a.maxTime);
    for (const f of AGGR_FIELDS) {
      const c = a[f];
      if (!c) continue;
      const cs = chunkSize(c);
      sizes.push(cs);
      as += 1 + varintSize(cs) + cs;
    }
    sizes[ai] = as;
    size += 1 + varintSize(as) + as;
  }
  sizes[at] = size;
  return size;
}

/** Writes the series measured next (tag and length first, then fields). */
function writeSeries(o: Out, tag: number, s: Series): void {
  o.buf[o.pos++] = tag;
  o.varint(sizes[next++]!);
  for (const l of s.labels) {
    const nb = sizes[next++]!;
    const vb = sizes[next++]!;
    o.buf[o.pos++] = 0x0a; // Series.labels = 1
    o.varint(sizes[next++]!);
    if (nb) o.string(0x0a, l.name, nb); // Label.name = 1
    if (vb) o.string(0x12, l.value, vb); // Label.value = 2
  }
  for (const a of s.chunks) {
    o.buf[o.pos++] = 0x12; // Series.chunks = 2
    o.varint(sizes[next++]!);
    if (a.minTime !== 0) {
      o.buf[o.pos++] = 0x08; // AggrChunk.min_time = 1
      o.varint64(a.minTime);
    }
    if (a.maxTime !== 0) {
      o.buf[o.pos++] = 0x10; // AggrChunk.max_time = 2
      o.varint64(a.maxTime);
    }
    for (let i = 0; i < AGGR_FIELDS.length; i++) {
      const c = a[AGGR_FIELDS[i]!];
      if (!c) continue;
      o.buf[o.pos++] = ((3 + i) << 3) | 2; // AggrChunk.raw = 3 .. counter = 8
      o.varint(sizes[next++]!);
      const t = ENCODING[c.encoding];
      if (t !== 0) {
        o.buf[o.pos++] = 0x08; // Chunk.type = 1
        o.varint(t);
      }
      if (c.data.length > 0) o.bytes(0x12, c.data); // Chunk.data = 2
      if (c.hash !== undefined && c.hash !== 0n) {
        o.buf[o.pos++] = 0x18; // Chunk.hash = 3
        o.uint64Big(c.hash);
      }
    }
  }
}

/** SeriesResponse{series = 1}. */
export function encodeSeriesFrame(s: Series): Buffer {
  sizes.length = 0;
  next = 0;
  const ss = measureSeries(s);
  const o = new Out(Buffer.allocUnsafe(1 + varintSize(ss) + ss));
  writeSeries(o, 0x0a, s);
  return o.buf;
}

/** SeriesResponse{batch = 4: SeriesBatch{series = 1 (repeated)}}. */
export function encodeBatchFrame(series: readonly Series[]): Buffer {
  sizes.length = 0;
  next = 0;
  let bs = 0;
  for (const s of series) {
    const ss = measureSeries(s);
    bs += 1 + varintSize(ss) + ss;
  }
  const o = new Out(Buffer.allocUnsafe(1 + varintSize(bs) + bs));
  o.buf[o.pos++] = 0x22;
  o.varint(bs);
  for (const s of series) writeSeries(o, 0x0a, s);
  return o.buf;
}

/** Upper bound on chunk bytes in one batch frame, so batching never builds huge messages. */
export const MAX_BATCH_BYTES = 1 << 20;

/** Series per SeriesResponse batch frame the request asks for; 0 means one `series` frame per series. */
export function responseBatchSize(req: { readonly responseBatchSize: number }): number {
  return req.responseBatchSize > 1 ? req.responseBatchSize : 0;
}

/**
 * A store that can answer Series with ready-encoded SeriesResponse messages, which the gRPC server writes as they
 * are (no Series objects in between). Series are batched as responseBatchSize(req) and MAX_BATCH_BYTES say.
 */
export interface EncodedSeriesSource {
  encodedSeries(req: SeriesRequest, signal?: AbortSignal): AsyncIterable<Uint8Array>;
  /** The same messages in groups (whatever is ready at once), so the server pays one await per group, not per message. */
  encodedSeriesGroups?(req: SeriesRequest, signal?: AbortSignal): AsyncIterable<readonly Uint8Array[]>;
  /**
   * Called once per message the consumer no longer reads (the gRPC server: once it is written out), so the source
   * can reuse the memory. A consumer that never calls it is fine: the memory is then simply not reused.
   */
  releaseMessage?(message: Uint8Array): void;
  /** Bytes before each message (in its buffer) that the consumer may overwrite, e.g. to frame it in place. */
  readonly messageHeadroom?: number;
}

export function isEncodedSeriesSource(s: object): s is EncodedSeriesSource {
  return typeof (s as Partial<EncodedSeriesSource>).encodedSeries === 'function';
}
