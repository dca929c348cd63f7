// Re-encodes STREAMED_XOR_CHUNKS frames (prompb ChunkedReadResponse) straight into thanos SeriesResponse messages,
// the sidecar's hot path: label fields and chunk bytes are copied as bytes, with no Series, label string or chunk
// object in between. Output is byte for byte what encodeSeriesResponse writes for the same series (tests check),
// except that a label's unknown fields, which Prometheus never writes, are kept.
import type { Label, Labels } from '../../tsdb/labels/labels.js';
import { BugError, CorruptionError } from '../../runtime/errors.js';
import { MAX_BATCH_BYTES } from '../series-encoder.js';
import { FrameSplitter } from './frame-splitter.js';
import { PROM_CHUNK_FLOAT_HISTOGRAM, PROM_CHUNK_HISTOGRAM, PROM_CHUNK_XOR, readLabel } from './remote-read-codec.js';
import { ProtoReader, WireScan } from './proto-wire.js';
import type { SlabPool } from './slab-pool.js';
import { seriesSlabs } from './slab-pool.js';
import type { RunOrder } from '../sorted-runs.js';
import { SortedRun } from '../sorted-runs.js';

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

/** The end of the varint at buf[p], for values only copied (times: a value past 2^31 would allocate a number). */
function varintEndAt(buf: Uint8Array, p: number, end: number): number {
  const stop = Math.min(end, p + 10);
  while (p < stop) if (buf[p++]! < 0x80) return p;
  throw corrupt(p, p >= end ? 'truncated varint' : 'varint longer than 10 bytes');
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

/** Go's string order on UTF-8 bytes: a[as, ae) against b[bs, be). */
function compareBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let i = 0; i < n; i++) {
    const d = a[as + i]! - b[bs + i]!;
    if (d !== 0) return d;
  }
  return (ae - as) - (be - bs);
}

/**
 * One series part (frame) taken out of the output while a run is sorted: its whole `series = 1` field as written
 * (tag, length, Series), where its label fields are, and its chunk data bytes (for batch sizing).
 */
interface Part {
  readonly bytes: Uint8Array;
  readonly labelStart: number;
  readonly labelEnd: number;
  readonly dataBytes: number;
}

export class SeriesTranscoder {
  private readonly splitter: FrameSplitter;
  private readonly extNames: Buffer[];
  private readonly extValues: Buffer[];
  private readonly dropNames: Buffer[];
  private out: Uint8Array[] = [];
  private readonly slabs: SlabPool;
  private slab: Buffer | undefined;
  /**
   * The slab as a plain Uint8Array: the parser's functions (varint, payload) see only plain arrays, so their
   * element reads stay monomorphic; handing them a Buffer as well made the whole parse ~40 % slower.
   */
  private slabView: Uint8Array = new Uint8Array(0);
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
  /** Labels of the series written last (its label fields are prev[prevStart, prevEnd)), and whether it was relabelled. */
  private prevCount = 0;
  private prevSlow = false;
  private slowCount = 0;
  private chunkCount = 0;
  /** True once the limit stopped the stream: the caller should stop reading. */
  limited = false;
  /**
   * Messages complete but not handed out: they hold the latest series (the tail), which the next series may sort
   * before once external labels are merged in (see sorted-runs.ts). Handed out when the next series sorts after it.
   */
  private readonly held: (Uint8Array | undefined)[] = [];
  /** Messages in `held` (the array is not shrunk: setting an array's length to 0 frees its store, a new one per series). */
  private heldN = 0;
  /** Where the tail's first part is: the index in `held` of its message (heldN: the batch being filled), slab and offset. */
  private tailHeld = 0;
  private tailSlab: Buffer | undefined;
  private tailAt = 0;
  /** The run being sorted, while there is one. */
  private run: SortedRun<Part> | undefined;
  private readonly order: RunOrder<Part>;
  /** Name and value ranges of the two labels compared last (scratch, 8 numbers). */
  private readonly nv = new Int32Array(8);
  private readonly scan = new WireScan(WHAT);
  private readonly onFrame = (message: Uint8Array): void => this.frame(message);

  constructor(private readonly o: TranscoderOptions) {
    this.splitter = new FrameSplitter(o.maxFrameBytes);
    this.extNames = o.ext.map((l) => Buffer.from(l.name, 'utf8'));
    this.extValues = o.ext.map((l) => Buffer.from(l.value, 'utf8'));
    this.dropNames = [...o.drop].map((n) => Buffer.from(n, 'utf8'));
    this.slabs = o.slabs ?? seriesSlabs;
    this.room = (o.headroom ?? 0) + (o.batchSize > 0 ? BATCH_HEAD : 0);
    this.order = {
      compare: (a, b) => this.compareFields(a.bytes, a.labelStart, a.labelEnd, b.bytes, b.labelStart, b.labelEnd),
      extendsRoot: (root, x) => this.extendsRoot(root, x),
    };
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
    if (this.run !== undefined) this.endRun();
    this.flush();
    this.releaseHeld();
    if (this.slab !== undefined) this.slabs.seal(this.slab);
    this.slab = undefined;
  }

  /** Transcodes one frame's ChunkedReadResponse. */
  private frame(buf: Uint8Array): void {
    const w = this.scan;
    const end = buf.length;
    let p = 0;
    while (p < end && !this.limited) {
      if (buf[p] === 0x0a) { // ChunkedReadResponse.chunked_series = 1
        const s = w.payload(buf, p + 1, end);
        p = w.next;
        this.series(buf, s, p);
      } else p = w.skipField(buf, p, end);
    }
  }

  /** Transcodes the ChunkedSeries in buf[start, end). */
  private series(buf: Uint8Array, start: number, end: number): void {
    const w = this.scan;
    const nv = this.nv;
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
        const le = this.labelAt(buf, p, end, 0);
        const ns = nv[0]!, ne = nv[1]!, vs = nv[2]!, ve = nv[3]!;
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
        const cs = w.payload(buf, p + 1, end);
        const ce = w.next;
        let mins = 0, mine = 0, maxs = 0, maxe = 0, type = 0, ds = 0, de = 0;
        for (let q = cs; q < ce;) {
          switch (buf[q]) {
            case 0x08: mins = q + 1; q = mine = varintEndAt(buf, mins, ce); break; // min_time_ms = 1
            case 0x10: maxs = q + 1; q = maxe = varintEndAt(buf, maxs, ce); break; // max_time_ms = 2
            case 0x18: type = w.varint(buf, q + 1, ce); q = w.next; break; // type = 3
            case 0x22: ds = w.payload(buf, q + 1, ce); q = de = w.next; break; // data = 4
            default: q = w.skipField(buf, q, ce);
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
      } else p = w.skipField(buf, p, end);
    }
    this.labelCount = nl;
    this.chunkCount = nc;
    // Labels that must change (an external label missing or different) take the slow path through strings.
    let slow: Buffer | undefined;
    if (!extOk || extFound !== ext) {
      const finished = this.o.finish(this.decodeLabels(buf));
      this.slowCount = finished.length;
      slow = encodeLabelFields(finished);
      labelBytes = slow.length;
    }
    // Where this series goes against the one before (0: the same labels, i.e. a series split over frames, which is
    // not counted for the limit nor reordered; below 0: it sorts before, so a run starts).
    // Only a series with more labels can sort before the previous one (sorted-runs.ts), so the usual case costs a
    // length check, plus a byte comparison when the counts are equal (a split series); relabelled series (the slow
    // path) fall outside that reasoning and are always compared.
    const labels = slow !== undefined ? this.slowCount : nl >> 1;
    let order = 1;
    if (this.prev !== undefined) {
      if (slow !== undefined || this.prevSlow || labels > this.prevCount) order = this.compareToPrev(buf, slow);
      else if (labels === this.prevCount && labelBytes === this.prevEnd - this.prevStart && this.sameLabels(buf)) order = 0;
    }
    const cont = order === 0;
    if (this.o.limit > 0 && !cont) {
      if (this.count >= this.o.limit) {
        this.limited = true;
        return;
      }
      this.count++;
    }
    if (this.run !== undefined) {
      // Inside a run (rare): the series is written as usual, then taken out to be sorted with the run.
      this.write(buf, start, end, slow, labelBytes + chunkBytes, labelBytes, dataBytes, false);
      const part = this.cutTail()[0]!;
      if (this.run.add(part)) return;
      this.endRun();
      this.place(part);
      return;
    }
    if (order < 0) {
      // This series sorts before the one held: start a run at that one.
      const root = this.cutTail();
      this.write(buf, start, end, slow, labelBytes + chunkBytes, labelBytes, dataBytes, false);
      this.run = new SortedRun(this.order, root, this.cutTail()[0]!);
      return;
    }
    if (!cont) this.releaseHeld();
    this.write(buf, start, end, slow, labelBytes + chunkBytes, labelBytes, dataBytes, cont);
  }

  /**
   * The sign of (this series' labels − the previous series' labels), in Go's order; labels are in `slow` or buf at
   * the label ranges. Label fields with equal bytes are passed over without parsing (most are: the metric name,
   * the external labels), so only the first differing label is parsed.
   */
  private compareToPrev(buf: Uint8Array, slow: Buffer | undefined): number {
    const w = this.scan;
    const prev = this.prev!;
    if (slow !== undefined) return this.compareFields(new Uint8Array(slow.buffer, slow.byteOffset, slow.length), 0, slow.length, prev, this.prevStart, this.prevEnd);
    const lr = this.labelRanges;
    let q = this.prevStart;
    const pe = this.prevEnd;
    for (let i = 0, n = this.labelCount; i < n; i += 2) {
      if (q >= pe) return 1;
      const s = lr[i]!, e = lr[i + 1]!;
      const len = w.varint(prev, q + 1, pe);
      const qe = w.next + len;
      if (qe - q !== e - s || !bytesEqual(buf, s, e, prev, q)) {
        this.labelAt(buf, s, e, 0);
        this.labelAt(prev, q, pe, 4);
        const c = this.compareNv(buf, prev);
        if (c !== 0) return c;
      }
      q = qe;
    }
    return q < pe ? -1 : 0;
  }

  /** The sign of (a's label fields − b's label fields) in Go's order. */
  private compareFields(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
    while (as < ae && bs < be) {
      as = this.labelAt(a, as, ae, 0);
      bs = this.labelAt(b, bs, be, 4);
      const c = this.compareNv(a, b);
      if (c !== 0) return c;
    }
    return as < ae ? 1 : bs < be ? -1 : 0;
  }

  /** Compares the labels parsed last into nv[0..3] (of a) and nv[4..7] (of b): name first, then value. */
  private compareNv(a: Uint8Array, b: Uint8Array): number {
    const nv = this.nv;
    return compareBytes(a, nv[0]!, nv[1]!, b, nv[4]!, nv[5]!) || compareBytes(a, nv[2]!, nv[3]!, b, nv[6]!, nv[7]!);
  }

  /** Parses the label field (tag, length, Label) at buf[s]: name and value ranges go to nv[k..k+3]; returns its end. */
  private labelAt(buf: Uint8Array, s: number, end: number, k: number): number {
    const w = this.scan;
    const ls = w.payload(buf, s + 1, end);
    const le = w.next;
    let ns = 0, ne = 0, vs = 0, ve = 0;
    for (let q = ls; q < le;) {
      const f = buf[q]!;
      if (f === 0x0a) { ns = w.payload(buf, q + 1, le); q = ne = w.next; } // Label.name = 1
      else if (f === 0x12) { vs = w.payload(buf, q + 1, le); q = ve = w.next; } // Label.value = 2
      else q = w.skipField(buf, q, le);
    }
    const nv = this.nv;
    nv[k] = ns;
    nv[k + 1] = ne;
    nv[k + 2] = vs;
    nv[k + 3] = ve;
    return le;
  }

  /** True when x's label fields, external labels left out, start with all of root's. */
  private extendsRoot(root: Part, x: Part): boolean {
    let r = root.labelStart;
    let q = x.labelStart;
    for (;;) {
      r = this.skipExternal(root.bytes, r, root.labelEnd);
      q = this.skipExternal(x.bytes, q, x.labelEnd);
      if (r >= root.labelEnd) return true;
      if (q >= x.labelEnd) return false;
      const re = this.labelAt(root.bytes, r, root.labelEnd, 0);
      const qe = this.labelAt(x.bytes, q, x.labelEnd, 4);
      if (re - r !== qe - q || !bytesEqual(root.bytes, r, re, x.bytes, q)) return false;
      r = re;
      q = qe;
    }
  }

  /** The first label field at or after buf[s] that is not an external label. */
  private skipExternal(buf: Uint8Array, s: number, end: number): number {
    while (s < end) {
      const next = this.labelAt(buf, s, end, 0);
      const ns = this.nv[0]!, ne = this.nv[1]!;
      if (!this.extNames.some((n) => n.length === ne - ns && bytesEqual(buf, ns, ne, n, 0))) return s;
      s = next;
    }
    return s;
  }

  /** Hands the held messages to the consumer: the series that follows sorts after them. */
  private releaseHeld(): void {
    const held = this.held;
    for (let i = 0, n = this.heldN; i < n; i++) {
      this.out.push(held[i]!);
      held[i] = undefined;
    }
    this.heldN = 0;
  }

  /**
   * Takes the tail series (all its parts) out of the output, as copies: out of held messages (dropped, or cut short
   * when earlier series share the message) and out of the batch being filled.
   */
  private cutTail(): Part[] {
    const w = this.scan;
    const parts: Part[] = [];
    const held = this.held;
    const slab = this.tailSlab!;
    const first = this.tailHeld;
    const heldLen = this.heldN;
    let keepFirst = false;
    for (let i = first; i < heldLen; i++) {
      const m = held[i]!;
      // The series area of the message: after the batch header when batching.
      let from = 0;
      if (this.o.batchSize > 0) {
        w.varint(m, 1, m.length);
        from = w.next;
      }
      const seriesStart = from;
      if (i === first) from = slab.byteOffset + this.tailAt - m.byteOffset;
      copyParts(w, m, from, m.length, parts);
      if (i === first && from > seriesStart) {
        // Earlier series stay: rewrite the batch header for the shorter length, just before them.
        const len = from - seriesStart;
        const at = seriesStart - 1 - varintSize(len);
        m[at] = 0x22;
        writeVarint(m, at + 1, len);
        held[i] = m.subarray(at, from);
        keepFirst = true;
      } else this.slabs.release(m);
    }
    if (first < heldLen) {
      this.heldN = first + (keepFirst ? 1 : 0);
      for (let i = this.heldN; i < heldLen; i++) held[i] = undefined;
    }
    if (this.inBatch > 0) {
      // The batch being filled holds the tail from its first part on, or (when that is in a held message) only tail parts.
      const from = first >= heldLen ? this.tailAt : this.batchStart + this.room;
      const b = this.slab!;
      const n = copyParts(w, b, from, this.pos, parts);
      let data = 0;
      for (let k = parts.length - n; k < parts.length; k++) data += parts[k]!.dataBytes;
      this.inBatch -= n;
      this.batchDataBytes -= data;
      this.pos = this.inBatch === 0 ? this.batchStart : from;
    }
    const last = parts.at(-1)!;
    this.prev = last.bytes;
    this.prevStart = last.labelStart;
    this.prevEnd = last.labelEnd;
    // A part's labels are compared in full with the next series (prevSlow): runs are rare.
    this.prevSlow = true;
    return parts;
  }

  /** Writes a sorted run out; its last series becomes the tail. */
  private endRun(): void {
    const parts = this.run!.sorted();
    this.run = undefined;
    for (let i = 0; i < parts.length; i++) {
      const cont = i > 0 && this.order.compare(parts[i - 1]!, parts[i]!) === 0;
      if (!cont) this.releaseHeld();
      this.writePart(parts[i]!, cont);
    }
  }

  /** Places a part taken out of the output after a run: written after the tail, or the start of a new run. */
  private place(part: Part): void {
    const cont = this.prev !== undefined && this.compareFields(part.bytes, part.labelStart, part.labelEnd, this.prev, this.prevStart, this.prevEnd) === 0;
    if (!cont && this.prev !== undefined && this.compareFields(part.bytes, part.labelStart, part.labelEnd, this.prev, this.prevStart, this.prevEnd) < 0) {
      this.run = new SortedRun(this.order, this.cutTail(), part);
      return;
    }
    if (!cont) this.releaseHeld();
    this.writePart(part, cont);
  }

  /** Writes a part taken out earlier back into the output, as it was. */
  private writePart(part: Part, cont: boolean): void {
    const p = this.reserve(part.bytes.length);
    const b = this.slab!;
    if (!cont) this.markTail(p);
    b.set(part.bytes, p);
    this.prev = this.slabView;
    this.prevStart = p + part.labelStart;
    this.prevEnd = p + part.labelEnd;
    this.prevSlow = true;
    this.commit(p + part.bytes.length, part.dataBytes);
  }

  private markTail(p: number): void {
    this.tailHeld = this.heldN;
    this.tailSlab = this.slab;
    this.tailAt = p;
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

  /** Whether this series' kept label fields (fast path) equal the previous series' bytes. */
  private sameLabels(buf: Uint8Array): boolean {
    const prev = this.prev!;
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
  private write(buf: Uint8Array, start: number, end: number, slow: Buffer | undefined, ss: number, labelBytes: number, dataBytes: number, cont: boolean): void {
    const need = 1 + varintSize(ss) + ss;
    // The series' input is copied too (see below): the whole frame message when the series is nearly all of it (as
    // Prometheus sends, a series per frame), which takes no view of its own; else just the series.
    const input = buf.length - (end - start) <= 16 ? buf : new Uint8Array(buf.buffer, buf.byteOffset + start, end - start);
    const inputStart = input === buf ? 0 : start;
    let p = this.reserve(need + input.length);
    const b = this.slab!;
    if (!cont) this.markTail(p);
    // The input goes in one copy just past where this series' output ends, and fields move from there with
    // copyWithin. Copying each field out of `buf` would need a view per field, a heap object each: 50k a call were
    // most of the sidecar's garbage. Later writes overwrite the copy.
    const copyAt = p + need;
    b.set(input, copyAt);
    const shift = copyAt - inputStart;
    b[p++] = 0x0a; // SeriesResponse.series = 1, or SeriesBatch.series = 1
    p = writeVarint(b, p, ss);
    this.prev = this.slabView;
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
    this.prevCount = slow !== undefined ? this.slowCount : this.labelCount >> 1;
    this.prevSlow = slow !== undefined;
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
    this.commit(p, dataBytes);
  }

  /** Room for `want` bytes in the batch being filled (opening one if needed); returns where to write. */
  private reserve(want: number): number {
    if (this.slab === undefined || this.slab.length - this.pos < want + (this.inBatch === 0 ? this.room : 0)) {
      // A batch being filled moves to the next slab (it is at most MAX_BATCH_BYTES and one series), so batch
      // boundaries do not depend on slab sizes. The old slab keeps its bytes until its messages are released, and
      // `prev` (compared before this write) moves to the new slab with it; so does the tail when in this batch.
      const carry = this.inBatch > 0 ? this.pos - this.batchStart : 0;
      const next = this.slabs.take(carry + want + this.room);
      if (carry > 0) next.set(new Uint8Array(this.slab!.buffer, this.slab!.byteOffset + this.batchStart, carry), 0);
      if (carry > 0 && this.tailSlab === this.slab && this.tailHeld === this.heldN && this.tailAt >= this.batchStart) {
        this.tailSlab = next;
        this.tailAt -= this.batchStart;
      }
      if (this.slab !== undefined) this.slabs.seal(this.slab);
      this.slab = next;
      this.slabView = new Uint8Array(next.buffer, next.byteOffset, next.length);
      this.batchStart = 0;
      this.pos = carry;
    }
    if (this.inBatch === 0) {
      this.batchStart = this.pos;
      this.pos += this.room;
    }
    return this.pos;
  }

  /** Ends a series written up to `p` in the batch being filled; the batch is cut once full. */
  private commit(p: number, dataBytes: number): void {
    this.pos = p;
    this.inBatch++;
    this.batchDataBytes += dataBytes;
    if (this.o.batchSize === 0 || this.inBatch >= this.o.batchSize || this.batchDataBytes >= MAX_BATCH_BYTES) this.flush();
  }

  /** Closes the batch being filled as one message, held until the series after the tail is known. */
  private flush(): void {
    if (this.inBatch === 0) return;
    const slab = this.slab!;
    if (this.o.batchSize === 0) this.held[this.heldN++] = slab.subarray(this.batchStart + this.room, this.pos);
    else {
      // SeriesResponse.batch = 4, its length written just before the series so nothing moves.
      const len = this.pos - this.batchStart - this.room;
      const at = this.batchStart + this.room - 1 - varintSize(len);
      slab[at] = 0x22;
      writeVarint(slab, at + 1, len);
      this.held[this.heldN++] = slab.subarray(at, this.pos);
    }
    this.slabs.handOut(slab);
    this.inBatch = 0;
    this.batchDataBytes = 0;
  }
}

/**
 * Copies each `series = 1` field in m[from, end) into `parts` (the bytes as written: tag, length, Series whose label
 * fields come first); returns how many.
 */
function copyParts(w: WireScan, message: Uint8Array, from: number, end: number, parts: Part[]): number {
  // A plain array, as the parser's functions only ever see (see slabView).
  const m = new Uint8Array(message.buffer, message.byteOffset, message.length);
  let n = 0;
  for (let p = from; p < end; n++) {
    const s = w.payload(m, p + 1, end);
    const e = w.next;
    let le = s;
    let data = 0;
    while (le < e && m[le] === 0x0a) le = (w.payload(m, le + 1, e), w.next);
    for (let q = le; q < e;) {
      // Series.chunks = 2 → AggrChunk.raw = 3 → Chunk.data = 2: only the data length counts for batch sizing.
      const cs = w.payload(m, q + 1, e);
      const ce = w.next;
      q = ce;
      for (let r = cs; r < ce;) {
        if (m[r] === 0x1a) {
          const rs = w.payload(m, r + 1, ce);
          const re = w.next;
          for (let t = rs; t < re;) {
            if (m[t] === 0x12) { const ds = w.payload(m, t + 1, re); data += w.next - ds; t = w.next; }
            else t = w.skipField(m, t, re);
          }
          r = re;
        } else r = w.skipField(m, r, ce);
      }
    }
    parts.push({ bytes: m.slice(p, e), labelStart: s - p, labelEnd: le - p, dataBytes: data });
    p = e;
  }
  return n;
}
