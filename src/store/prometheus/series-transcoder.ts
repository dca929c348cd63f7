// Re-encodes STREAMED_XOR_CHUNKS frames (prompb ChunkedReadResponse) straight into thanos SeriesResponse messages,
// the sidecar's hot path: label fields and chunk bytes are copied as bytes, with no Series, label string or chunk
// object in between. Output is byte for byte what encodeSeriesResponse writes for the same series (tests check),
// except that a label's unknown fields, which Prometheus never writes, are kept.
import type { Label, Labels } from '../../tsdb/labels/labels.js';
import { BugError, CorruptionError } from '../../runtime/errors.js';
import { MAX_BATCH_BYTES } from '../series-encoder.js';
import { FrameSplitter } from './frame-splitter.js';
import { PROM_CHUNK_FLOAT_HISTOGRAM, PROM_CHUNK_HISTOGRAM, PROM_CHUNK_XOR, readLabel } from './remote-read-codec.js';
import { ProtoReader } from './proto-wire.js';
import type { SlabPool } from './slab-pool.js';
import { seriesSlabs } from './slab-pool.js';

export interface TranscoderOptions {
  /** External labels every series must carry (Prometheus normally merged them in already). */
  readonly ext: Labels;
  /** External label names to leave out (the request's without_replica_labels). */
  readonly drop: ReadonlySet<string>;
  /** The slow path for a series whose labels need changing: Prometheus's labels to the served set. */
  readonly finish: (labels: readonly Label[]) => Labels;
  /** Maximum distinct series; 0 means unlimited. */
  readonly limit: number;
  /** Series per batch frame; 0 sends each series as its own `series` frame. */
  readonly batchSize: number;
  readonly maxFrameBytes?: number;
  /**
   * Where output memory comes from (default: the process's pool). Messages are cut from pooled slabs; a consumer
   * that calls the pool's release() for each message once done with it lets the memory serve the next call.
   */
  readonly slabs?: SlabPool;
  /** Bytes left free before every message, for the consumer to frame it in place (gRPC's 5-byte prefix). */
  readonly headroom?: number;
}

/** Room before a batch's series for its SeriesResponse.batch tag and length (1 + up to 5 bytes). */
const BATCH_HEAD = 6;
/**
 * Numbers per chunk in the chunk scratch: min time start, end, max time start, end, StoreAPI type, data start, data
 * end, and the encoded sizes of the AggrChunk and of its raw Chunk.
 */
const CF = 9;
const WHAT = 'remote read ChunkedReadResponse';

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

function corrupt(at: number, reason: string): CorruptionError {
  return new CorruptionError(WHAT, 'protobuf', at, reason);
}

// The parser keeps its cursor in locals: a varint's end comes back through this module variable, a second return
// value that allocates nothing (the hot loop reads ~100k fields a call).
let varintEnd = 0;

/** The unsigned varint at buf[p], read no further than `end`; sets varintEnd. */
function varint(buf: Uint8Array, p: number, end: number): number {
  if (p < end) {
    const c = buf[p]!;
    if (c < 0x80) {
      varintEnd = p + 1;
      return c;
    }
  }
  let x = 0;
  let mul = 1;
  for (let i = 0; i < 10 && p < end; i++) {
    const c = buf[p++]!;
    x += (c & 0x7f) * mul;
    if (c < 0x80) {
      varintEnd = p;
      return x;
    }
    mul *= 128;
  }
  throw corrupt(p, p >= end ? 'truncated varint' : 'varint longer than 10 bytes');
}

/** The end of the varint at buf[p], for values only copied (times: a value past 2^31 would allocate a number). */
function varintEndAt(buf: Uint8Array, p: number, end: number): number {
  const stop = Math.min(end, p + 10);
  while (p < stop) if (buf[p++]! < 0x80) return p;
  throw corrupt(p, p >= end ? 'truncated varint' : 'varint longer than 10 bytes');
}

/** The start of the length-delimited payload whose length is at buf[p]; varintEnd is set to the payload's end. */
function payload(buf: Uint8Array, p: number, end: number): number {
  const n = varint(buf, p, end);
  const start = varintEnd;
  if (n > end - start) throw corrupt(start, `length ${n} runs past the end of the message`);
  varintEnd = start + n;
  return start;
}

/** The end of the field whose tag is at buf[p], for fields the transcoder does not read. */
function skipField(buf: Uint8Array, p: number, end: number): number {
  const wire = varint(buf, p, end) & 7;
  p = varintEnd;
  switch (wire) {
    case 0: varint(buf, p, end); return varintEnd;
    case 1: p += 8; break;
    case 2: payload(buf, p, end); return varintEnd;
    case 5: p += 4; break;
    default: throw corrupt(p, `unsupported wire type ${wire}`);
  }
  if (p > end) throw corrupt(end, 'truncated field');
  return p;
}

function storeChunkType(type: number, at: number): number {
  switch (type) {
    case PROM_CHUNK_XOR: return 0;
    case PROM_CHUNK_HISTOGRAM: return 1;
    case PROM_CHUNK_FLOAT_HISTOGRAM: return 2;
    default: throw new CorruptionError('remote read stream', 'chunk', at, `unsupported chunk encoding ${type}`);
  }
}

/** A scratch array twice as long, holding the first `used` numbers of `a`. */
function grown(a: Int32Array<ArrayBuffer>, used: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a.subarray(0, used));
  return b;
}

/** Label fields (Series.labels = 1, Label{name = 1, value = 2}) for a label set, as Go writes them. */
function encodeLabelFields(labels: readonly Label[]): Buffer {
  const parts: Buffer[] = [];
  for (const l of labels) {
    const n = Buffer.from(l.name, 'utf8');
    const v = Buffer.from(l.value, 'utf8');
    const ls = (n.length ? 1 + varintSize(n.length) + n.length : 0) + (v.length ? 1 + varintSize(v.length) + v.length : 0);
    const b = Buffer.allocUnsafe(1 + varintSize(ls) + ls);
    let p = writeVarint(b, 0, 0x0a);
    p = writeVarint(b, p, ls);
    if (n.length) {
      b[p++] = 0x0a; // Label.name = 1
      p = writeBytes(b, writeVarint(b, p, n.length), n);
    }
    if (v.length) {
      b[p++] = 0x12; // Label.value = 2
      writeBytes(b, writeVarint(b, p, v.length), v);
    }
    parts.push(b);
  }
  return Buffer.concat(parts);
}

function writeVarint(b: Uint8Array, p: number, n: number): number {
  while (n > 127) {
    b[p++] = (n & 127) | 128;
    n >>>= 7;
  }
  b[p++] = n;
  return p;
}

function writeBytes(b: Uint8Array, p: number, data: Uint8Array): number {
  b.set(data, p);
  return p + data.length;
}

function bytesEqual(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number): boolean {
  for (let i = as; i < ae; i++) if (a[i] !== b[bs++]) return false;
  return true;
}

export class SeriesTranscoder {
  private readonly splitter: FrameSplitter;
  private readonly extNames: Buffer[];
  private readonly extValues: Buffer[];
  private readonly dropNames: Buffer[];
  private out: Uint8Array[] = [];
  private readonly slabs: SlabPool;
  private slab: Buffer | undefined;
  /** Bytes reserved before a message's first series: headroom, plus the batch head when batching. */
  private readonly room: number;
  /** Start of the batch being filled in `slab` (its reserved room included), and the write position. */
  private batchStart = 0;
  private pos = 0;
  private inBatch = 0;
  private batchDataBytes = 0;
  private count = 0;
  /** Where the previous series' label fields were written, to spot a series split over frames. */
  private prev: Uint8Array | undefined;
  private prevStart = 0;
  private prevEnd = 0;
  /** Scratch per series: kept label field ranges (start, end), and chunk entries (CF numbers each). */
  private labelRanges = new Int32Array(32);
  private chunks = new Int32Array(16 * CF);
  private labelCount = 0;
  private chunkCount = 0;
  /** True once the limit stopped the stream: the caller should stop reading. */
  limited = false;
  private readonly onFrame = (message: Uint8Array): void => this.frame(message);

  constructor(private readonly o: TranscoderOptions) {
    this.splitter = new FrameSplitter(o.maxFrameBytes);
    this.extNames = o.ext.map((l) => Buffer.from(l.name, 'utf8'));
    this.extValues = o.ext.map((l) => Buffer.from(l.value, 'utf8'));
    this.dropNames = [...o.drop].map((n) => Buffer.from(n, 'utf8'));
    this.slabs = o.slabs ?? seriesSlabs;
    this.room = (o.headroom ?? 0) + (o.batchSize > 0 ? BATCH_HEAD : 0);
  }


  /** Feeds response bytes, appending the SeriesResponse messages completed to `out`; false once the limit stopped the stream. */
  push(chunk: Uint8Array, out: Uint8Array[]): boolean {
    this.out = out;
    if (!this.limited) this.splitter.push(chunk, this.onFrame);
    return !this.limited;
  }

  /** After the last push: appends the remaining messages; throws when the stream ended inside a frame. */
  end(out: Uint8Array[]): void {
    this.out = out;
    if (!this.limited) this.splitter.end();
    this.flush();
    if (this.slab !== undefined) this.slabs.seal(this.slab);
    this.slab = undefined;
  }

  /** Transcodes one frame's ChunkedReadResponse. */
  private frame(buf: Uint8Array): void {
    const end = buf.length;
    let p = 0;
    while (p < end && !this.limited) {
      if (buf[p] === 0x0a) { // ChunkedReadResponse.chunked_series = 1
        const s = payload(buf, p + 1, end);
        p = varintEnd;
        this.series(buf, s, p);
      } else p = skipField(buf, p, end);
    }
  }

  /** Transcodes the ChunkedSeries in buf[start, end). */
  private series(buf: Uint8Array, start: number, end: number): void {
    let lr = this.labelRanges;
    let ch = this.chunks;
    let nl = 0;
    let nc = 0;
    const ext = this.extNames.length;
    let extFound = 0;
    let extOk = true;
    let labelBytes = 0;
    let dataBytes = 0;
    let chunkBytes = 0;
    let p = start;
    while (p < end) {
      const tag = buf[p]!;
      if (tag === 0x0a) { // ChunkedSeries.labels = 1
        const ls = payload(buf, p + 1, end);
        const le = varintEnd;
        let ns = 0, ne = 0, vs = 0, ve = 0;
        for (let q = ls; q < le;) {
          const f = buf[q]!;
          if (f === 0x0a) { ns = payload(buf, q + 1, le); q = ne = varintEnd; } // Label.name = 1
          else if (f === 0x12) { vs = payload(buf, q + 1, le); q = ve = varintEnd; } // Label.value = 2
          else q = skipField(buf, q, le);
        }
        let keep = true;
        for (let i = 0; i < ext; i++) {
          const n = this.extNames[i]!;
          if (n.length !== ne - ns || !bytesEqual(buf, ns, ne, n, 0)) continue;
          extFound++;
          const v = this.extValues[i]!;
          if (v.length !== ve - vs || !bytesEqual(buf, vs, ve, v, 0)) extOk = false;
          for (const d of this.dropNames) if (d.length === n.length && bytesEqual(buf, ns, ne, d, 0)) keep = false;
          break;
        }
        if (keep) {
          if (nl + 2 > lr.length) lr = this.labelRanges = grown(lr, nl);
          lr[nl++] = p;
          lr[nl++] = le;
          labelBytes += le - p;
        }
        p = le;
      } else if (tag === 0x12) { // ChunkedSeries.chunks = 2
        const cs = payload(buf, p + 1, end);
        const ce = varintEnd;
        let mins = 0, mine = 0, maxs = 0, maxe = 0, type = 0, ds = 0, de = 0;
        for (let q = cs; q < ce;) {
          switch (buf[q]) {
            case 0x08: mins = q + 1; q = mine = varintEndAt(buf, mins, ce); break; // min_time_ms = 1
            case 0x10: maxs = q + 1; q = maxe = varintEndAt(buf, maxs, ce); break; // max_time_ms = 2
            case 0x18: type = varint(buf, q + 1, ce); q = varintEnd; break; // type = 3
            case 0x22: ds = payload(buf, q + 1, ce); q = de = varintEnd; break; // data = 4
            default: q = skipField(buf, q, ce);
          }
        }
        // A zero time is left out, as Go's encoder does.
        if (mine - mins === 1 && buf[mins] === 0) mine = mins;
        if (maxe - maxs === 1 && buf[maxs] === 0) maxe = maxs;
        const st = storeChunkType(type, cs);
        const dl = de - ds;
        const rs = (st !== 0 ? 2 : 0) + (dl > 0 ? 1 + varintSize(dl) + dl : 0);
        const as = (mine > mins ? 1 + mine - mins : 0) + (maxe > maxs ? 1 + maxe - maxs : 0) + 1 + varintSize(rs) + rs;
        if (nc + CF > ch.length) ch = this.chunks = grown(ch, nc);
        ch[nc++] = mins;
        ch[nc++] = mine;
        ch[nc++] = maxs;
        ch[nc++] = maxe;
        ch[nc++] = st;
        ch[nc++] = ds;
        ch[nc++] = de;
        ch[nc++] = as;
        ch[nc++] = rs;
        chunkBytes += 1 + varintSize(as) + as;
        dataBytes += dl;
        p = ce;
      } else p = skipField(buf, p, end);
    }
    this.labelCount = nl;
    this.chunkCount = nc;
    // Labels that must change (an external label missing or different) take the slow path through strings.
    let slow: Buffer | undefined;
    if (!extOk || extFound !== ext) {
      slow = encodeLabelFields(this.o.finish(this.decodeLabels(buf)));
      labelBytes = slow.length;
    }
    // Distinct series are counted only for the limit; a series split over frames repeats its labels.
    if (this.o.limit > 0 && !(this.prev !== undefined && labelBytes === this.prevEnd - this.prevStart && this.sameLabels(buf, slow))) {
      if (this.count >= this.o.limit) {
        this.limited = true;
        return;
      }
      this.count++;
    }
    this.write(buf, start, end, slow, labelBytes + chunkBytes, labelBytes, dataBytes);
  }

  private decodeLabels(buf: Uint8Array): Label[] {
    const out: Label[] = [];
    const lr = this.labelRanges;
    // Dropped labels are external ones, which finish() drops again anyway; only kept ranges are needed.
    for (let i = 0; i < this.labelCount; i += 2) {
      const r = new ProtoReader(buf, lr[i]!, lr[i + 1]!, 'remote read label');
      r.uvarint(); // the ChunkedSeries.labels tag
      out.push(readLabel(r));
    }
    return out;
  }

  private sameLabels(buf: Uint8Array, slow: Buffer | undefined): boolean {
    const prev = this.prev!;
    if (slow !== undefined) return bytesEqual(slow, 0, slow.length, prev, this.prevStart);
    let at = this.prevStart;
    const lr = this.labelRanges;
    for (let i = 0; i < this.labelCount; i += 2) {
      if (!bytesEqual(buf, lr[i]!, lr[i + 1]!, prev, at)) return false;
      at += lr[i + 1]! - lr[i]!;
    }
    return true;
  }

  /**
   * Writes one Series (size `ss`) from the ChunkedSeries in buf[start, end) into the current batch, or as its own
   * message when not batching.
   */
  private write(buf: Uint8Array, start: number, end: number, slow: Buffer | undefined, ss: number, labelBytes: number, dataBytes: number): void {
    const need = 1 + varintSize(ss) + ss;
    // The series' input is copied too (see below): the whole frame message when the series is nearly all of it (as
    // Prometheus sends, a series per frame), which takes no view of its own; else just the series.
    const input = buf.length - (end - start) <= 16 ? buf : new Uint8Array(buf.buffer, buf.byteOffset + start, end - start);
    const inputStart = input === buf ? 0 : start;
    const want = need + input.length;
    if (this.slab === undefined || this.slab.length - this.pos < want + (this.inBatch === 0 ? this.room : 0)) {
      // A batch being filled moves to the next slab (it is at most MAX_BATCH_BYTES and one series), so batch
      // boundaries do not depend on slab sizes. The old slab keeps its bytes until its messages are released, and
      // `prev` (compared before this write) moves to the new slab with it.
      const carry = this.inBatch > 0 ? this.pos - this.batchStart : 0;
      const next = this.slabs.take(carry + want + this.room);
      if (carry > 0) next.set(new Uint8Array(this.slab!.buffer, this.slab!.byteOffset + this.batchStart, carry), 0);
      if (this.slab !== undefined) this.slabs.seal(this.slab);
      this.slab = next;
      this.batchStart = 0;
      this.pos = carry;
    }
    if (this.inBatch === 0) {
      this.batchStart = this.pos;
      this.pos += this.room;
    }
    const b = this.slab!;
    let p = this.pos;
    // The input goes in one copy just past where this series' output ends, and fields move from there with
    // copyWithin. Copying each field out of `buf` would need a view per field, a heap object each: 50k a call were
    // most of the sidecar's garbage. Later writes overwrite the copy.
    const copyAt = p + need;
    b.set(input, copyAt);
    const shift = copyAt - inputStart;
    b[p++] = 0x0a; // SeriesResponse.series = 1, or SeriesBatch.series = 1
    p = writeVarint(b, p, ss);
    this.prev = b;
    this.prevStart = p;
    if (slow !== undefined) p = writeBytes(b, p, slow);
    else {
      const lr = this.labelRanges;
      const n = this.labelCount;
      for (let i = 0; i < n;) {
        // Adjacent ranges (all of them, unless a label is dropped) move in one call.
        const from = lr[i]!;
        let to = lr[i + 1]!;
        for (i += 2; i < n && lr[i] === to; i += 2) to = lr[i + 1]!;
        b.copyWithin(p, from + shift, to + shift);
        p += to - from;
      }
    }
    this.prevEnd = p;
    if (p - this.prevStart !== labelBytes) throw new BugError(`series transcoder: wrote ${p - this.prevStart} label bytes, measured ${labelBytes}`);
    const ch = this.chunks;
    for (let i = 0, n = this.chunkCount; i < n; i += CF) {
      const mins = ch[i]!, mine = ch[i + 1]!, maxs = ch[i + 2]!, maxe = ch[i + 3]!, st = ch[i + 4]!, ds = ch[i + 5]!, de = ch[i + 6]!;
      const dl = de - ds;
      b[p++] = 0x12; // Series.chunks = 2
      p = writeVarint(b, p, ch[i + 7]!);
      if (mine > mins) {
        b[p++] = 0x08; // AggrChunk.min_time = 1: the same int64 varint as prompb's min_time_ms
        for (let k = mins; k < mine; k++) b[p++] = buf[k]!;
      }
      if (maxe > maxs) {
        b[p++] = 0x10; // AggrChunk.max_time = 2
        for (let k = maxs; k < maxe; k++) b[p++] = buf[k]!;
      }
      b[p++] = 0x1a; // AggrChunk.raw = 3
      p = writeVarint(b, p, ch[i + 8]!);
      if (st !== 0) {
        b[p++] = 0x08; // Chunk.type = 1
        b[p++] = st;
      }
      if (dl > 0) {
        b[p++] = 0x12; // Chunk.data = 2
        p = writeVarint(b, p, dl);
        b.copyWithin(p, ds + shift, de + shift);
        p += dl;
      }
    }
    if (p > copyAt) throw new BugError(`series transcoder: output ran ${p - copyAt} bytes into its input copy`);
    this.pos = p;
    this.inBatch++;
    this.batchDataBytes += dataBytes;
    if (this.o.batchSize === 0 || this.inBatch >= this.o.batchSize || this.batchDataBytes >= MAX_BATCH_BYTES) this.flush();
  }

  /** Hands out the batch being filled as one message. */
  private flush(): void {
    if (this.inBatch === 0) return;
    const slab = this.slab!;
    if (this.o.batchSize === 0) this.out.push(slab.subarray(this.batchStart + this.room, this.pos));
    else {
      // SeriesResponse.batch = 4, its length written just before the series so nothing moves.
      const len = this.pos - this.batchStart - this.room;
      const at = this.batchStart + this.room - 1 - varintSize(len);
      slab[at] = 0x22;
      writeVarint(slab, at + 1, len);
      this.out.push(slab.subarray(at, this.pos));
    }
    this.slabs.handOut(slab);
    this.inBatch = 0;
    this.batchDataBytes = 0;
  }
}
