// The sample side of a WAL replay on the worker thread: series refs (no label strings), samples applied to head
// series' chunks, cut as MemSeries cuts them, then everything handed to the replaying thread as typed arrays and
// arena slabs (ReplayedChunks) that installChunks puts into the head's series. The replaying thread meanwhile only
// builds series from labels, so the two threads share a replay's work.

import { SAMPLES_PER_CHUNK, computeChunkEndTime, rangeForTimestamp } from '../chunkenc/cutter.js';
import type { SampleColumns } from '../wal/records.js';
import { ChunkArena } from './chunk-arena.js';
import { ROW, R_FULL_COUNT, R_FULL_FROM, R_LAST_VALUE, R_MAX_TIME, R_NEXT_AT, R_OPEN_LEN, R_OPEN_MINT, R_REF, thawOpenChunk } from './frozen-chunks.js';
import type { Head } from './head.js';


/** Everything the worker built, with its stats: a message to the replaying thread (its buffers transferable). */
export interface ReplayedChunks {
  readonly kind: 'chunks';
  readonly n: number;
  readonly rows: Float64Array;
  /** Full chunks, 4 numbers each (minTime, maxTime, location in `slabs`, length), as MemSeries.full. */
  readonly full: Float64Array;
  readonly slabs: Uint8Array[];
  readonly live: number[];
  /** Open chunk bytes, at openAt/openLen of each row. */
  readonly open: Uint8Array;
  readonly samples: number;
  readonly droppedTooOld: number;
  readonly droppedOutOfOrder: number;
  readonly droppedUnknownSeries: number;
  readonly mint: number;
  readonly maxt: number;
}

const TWO32 = 0x1_0000_0000;
const NO_WINDOW = 0xff;
const HEADER_BITS = 16;
/** First open-chunk region of a series, in bytes (doubled when a chunk outgrows it). */
const FIRST_REGION = 128;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

function growF(a: Float64Array<ArrayBuffer>, need: number): Float64Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

function growI(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/**
 * Series state in columns (index i = the i-th series defined), open chunks written bit by bit into per-series
 * regions of one byte buffer: no objects per series or sample, so this thread hardly collects garbage. The chunk
 * bytes and cut points are exactly XorAppender's and MemSeries.append's (test/tsdb/head/replay-chunks.test.ts).
 */
export class ChunkReplayer {
  private readonly index = new Map<number, number>();
  /** Refs logged again under another ref with the same label bytes map to the first one, as the head's aliases. */
  private readonly byLabels = new Map<string, number>();
  private readonly arena = new ChunkArena();
  private n = 0;
  private cap = 0;
  private ref = new Float64Array(0);
  private maxTime = new Float64Array(0);
  private lastValue = new Float64Array(0);
  private openMint = new Float64Array(0);
  private nextAt = new Float64Array(0);
  /** XOR state: samples in the open chunk, previous t and delta, previous value words, window, quirk. */
  private cnt = new Int32Array(0);
  private prevT = new Float64Array(0);
  private tDelta = new Float64Array(0);
  private vh = new Float64Array(0);
  private vl = new Float64Array(0);
  private leading = new Int32Array(0);
  private trailing = new Int32Array(0);
  private quirk = new Int32Array(0);
  /** Open chunk: region offset and size in `bytes`, bits written (the 2 header bytes included). */
  private regAt = new Int32Array(0);
  private regCap = new Int32Array(0);
  private bits = new Int32Array(0);
  private bytes = new Uint8Array(1 << 20);
  private bytesUsed = 0;
  /** Full chunks: minTime, maxTime, arena location, length per entry, and per series its list (first/last/next). */
  private full = new Float64Array(4096);
  private fullNext = new Int32Array(1024);
  private nFull = 0;
  private fullFirst = new Int32Array(0);
  private fullLast = new Int32Array(0);
  private samples = 0;
  private droppedTooOld = 0;
  private droppedOutOfOrder = 0;
  private droppedUnknownSeries = 0;
  private mint = Infinity;
  private maxt = -Infinity;

  constructor(private readonly minValidTime: number, private readonly chunkRange: number) {}

  private addSeries(ref: number): number {
    const i = this.n++;
    if (i >= this.cap) {
      const c = Math.max(1024, this.cap * 2);
      this.ref = growF(this.ref, c); this.maxTime = growF(this.maxTime, c); this.lastValue = growF(this.lastValue, c);
      this.openMint = growF(this.openMint, c); this.nextAt = growF(this.nextAt, c); this.prevT = growF(this.prevT, c);
      this.tDelta = growF(this.tDelta, c); this.vh = growF(this.vh, c); this.vl = growF(this.vl, c);
      this.cnt = growI(this.cnt, c); this.leading = growI(this.leading, c); this.trailing = growI(this.trailing, c);
      this.quirk = growI(this.quirk, c); this.regAt = growI(this.regAt, c); this.regCap = growI(this.regCap, c);
      this.bits = growI(this.bits, c); this.fullFirst = growI(this.fullFirst, c); this.fullLast = growI(this.fullLast, c);
      this.cap = c;
    }
    this.ref[i] = ref;
    this.maxTime[i] = -Infinity;
    this.lastValue[i] = 0;
    this.cnt[i] = 0;
    this.regAt[i] = -1;
    this.regCap[i] = 0;
    this.fullFirst[i] = -1;
    this.fullLast[i] = -1;
    this.index.set(ref, i);
    return i;
  }

  /**
   * Notes the refs of a series record. Series are told apart by their encoded label bytes (the head compares
   * decoded strings: the same for any valid UTF-8). A malformed record is left to the replaying thread to report.
   */
  series(rec: Uint8Array): void {
    const len = rec.length;
    const buf = Buffer.from(rec.buffer, rec.byteOffset, len);
    let p = 1;
    const uvarint = (): number => {
      let x = 0, mul = 1;
      for (let k = 0; k < 10 && p < len; k++) {
        const c = rec[p++]!;
        x += (c & 0x7f) * mul;
        if (c < 0x80) return x;
        mul *= 128;
      }
      return -1;
    };
    while (p + 8 <= len) {
      const hi = ((rec[p]! << 24) | (rec[p + 1]! << 16) | (rec[p + 2]! << 8) | rec[p + 3]!) >>> 0;
      const ref = hi * TWO32 + (((rec[p + 4]! << 24) | (rec[p + 5]! << 16) | (rec[p + 6]! << 8) | rec[p + 7]!) >>> 0);
      p += 8;
      const from = p;
      const n = uvarint();
      if (n < 0) return;
      for (let i = 0; i < 2 * n; i++) {
        const l = uvarint();
        if (l < 0 || p + l > len) return;
        p += l;
      }
      if (this.index.has(ref)) continue;
      const key = buf.toString('latin1', from, p);
      const had = this.byLabels.get(key);
      if (had !== undefined) { this.index.set(ref, had); continue; }
      this.byLabels.set(key, this.addSeries(ref));
    }
  }

  /** Applies samples in WAL order, dropping them as the head's replay does. */
  apply(cols: SampleColumns): void {
    const { refs, ts, vs, n } = cols;
    const minValid = this.minValidTime;
    let mint = this.mint, maxt = this.maxt;
    let lastRef = -1, i = -1;
    for (let k = 0; k < n; k++) {
      const ref = refs[k]!;
      if (ref !== lastRef) {
        const got = this.index.get(ref);
        if (got === undefined) { this.droppedUnknownSeries++; continue; }
        i = got;
        lastRef = ref;
      }
      const t = ts[k]!;
      if (t < minValid) { this.droppedTooOld++; continue; }
      if (t <= this.maxTime[i]!) { this.droppedOutOfOrder++; continue; }
      this.append(i, t, vs[k]!);
      if (t < mint) mint = t;
      if (t > maxt) maxt = t;
      this.samples++;
    }
    this.mint = mint;
    this.maxt = maxt;
  }

  /** MemSeries.append for series i. */
  private append(i: number, t: number, v: number): void {
    const n = this.cnt[i]!;
    if (n === 0) {
      this.openMint[i] = t;
      this.nextAt[i] = rangeForTimestamp(t, this.chunkRange);
    } else {
      if (n === SAMPLES_PER_CHUNK / 4) this.nextAt[i] = computeChunkEndTime(this.openMint[i]!, this.maxTime[i]!, this.nextAt[i]!);
      if (t >= this.nextAt[i]! || n >= SAMPLES_PER_CHUNK * 2) {
        this.cut(i);
        this.openMint[i] = t;
        this.nextAt[i] = rangeForTimestamp(t, this.chunkRange);
      }
    }
    this.xorAppend(i, t, v);
    this.maxTime[i] = t;
    this.lastValue[i] = v;
  }

  /** Moves series i's open chunk into the arena as a full chunk and empties its region. */
  private cut(i: number): void {
    const at = this.regAt[i]!;
    const len = (this.bits[i]! + 7) >>> 3;
    const b = this.bytes;
    const n = this.cnt[i]!;
    b[at] = n >>> 8;
    b[at + 1] = n & 0xff;
    const loc = this.arena.add(b.subarray(at, at + len));
    b.fill(0, at, Math.min(at + this.regCap[i]!, at + len + 6));
    const e = this.nFull++;
    this.full = growF(this.full, (e + 1) * 4);
    this.fullNext = growI(this.fullNext, e + 1);
    this.full[e * 4] = this.openMint[i]!; this.full[e * 4 + 1] = this.maxTime[i]!; this.full[e * 4 + 2] = loc; this.full[e * 4 + 3] = len;
    this.fullNext[e] = -1;
    if (this.fullLast[i]! < 0) this.fullFirst[i] = e; else this.fullNext[this.fullLast[i]!] = e;
    this.fullLast[i] = e;
    this.cnt[i] = 0;
  }

  /** Makes room for `bitsMore` bits in series i's region (moving it to a bigger one). */
  private reserve(i: number, bitsMore: number): void {
    const need = ((this.bits[i]! + bitsMore) >>> 3) + 6;
    const cap = this.regCap[i]!;
    if (need <= cap) return;
    let c = cap === 0 ? FIRST_REGION : cap * 2;
    while (c < need) c *= 2;
    if (this.bytesUsed + c > this.bytes.length) {
      const nb = new Uint8Array(Math.max(this.bytes.length * 2, this.bytesUsed + c));
      nb.set(this.bytes.subarray(0, this.bytesUsed));
      this.bytes = nb;
    }
    const at = this.bytesUsed;
    this.bytesUsed += c;
    if (cap > 0) this.bytes.copyWithin(at, this.regAt[i]!, this.regAt[i]! + cap);
    this.regAt[i] = at;
    this.regCap[i] = c;
  }

  /** Writes the low n (1..32) bits of x at series i's bit position (BitWriter.put). */
  private put(i: number, x0: number, n: number): void {
    const b = this.bytes;
    const bit = this.bits[i]!;
    const at = this.regAt[i]! + (bit >>> 3);
    const sh = bit & 7;
    const x = n === 32 ? x0 >>> 0 : (x0 << (32 - n)) >>> 0;
    b[at]! |= x >>> (24 + sh);
    b[at + 1] = x >>> (16 + sh);
    b[at + 2] = x >>> (8 + sh);
    b[at + 3] = x >>> sh;
    b[at + 4] = x << (8 - sh);
    this.bits[i] = bit + n;
  }

  private bit(i: number, one: boolean): void {
    this.put(i, one ? 1 : 0, 1);
    this.quirk[i] = 0;
  }

  private field(i: number, v: number, n: number): void {
    if (n === 0) return;
    this.quirk[i] = n % 8 === 0 && (this.bits[i]! & 7) === 0 ? 1 : 0;
    this.put(i, v, n);
  }

  private field64(i: number, hi: number, lo: number, n: number): void {
    if (n === 0) return;
    this.quirk[i] = n % 8 === 0 && (this.bits[i]! & 7) === 0 ? 1 : 0;
    if (n > 32) { this.put(i, hi, n - 32); this.put(i, lo, 32); } else this.put(i, lo, n);
  }

  private varint(i: number, u: number): void {
    while (u >= 0x80) { this.field(i, (u % 128) | 0x80, 8); u = Math.floor(u / 128); }
    this.field(i, u, 8);
  }

  /** XorAppender.append for series i. */
  private xorAppend(i: number, t: number, v: number): void {
    if (this.regCap[i]! === 0) { this.reserve(i, 160); this.bits[i] = HEADER_BITS; }
    else if (this.cnt[i]! === 0) this.bits[i] = HEADER_BITS;
    this.reserve(i, 160);
    const n = this.cnt[i]!;
    if (n === 0) {
      this.quirk[i] = 0;
      this.varint(i, t >= 0 ? t * 2 : -t * 2 - 1);
      f64[0] = v;
      this.vh[i] = u32[1]!;
      this.vl[i] = u32[0]!;
      this.field64(i, u32[1]!, u32[0]!, 64);
      this.tDelta[i] = 0;
      this.leading[i] = NO_WINDOW;
      this.trailing[i] = 0;
    } else if (n === 1) {
      const d = t - this.prevT[i]!;
      this.varint(i, d);
      this.tDelta[i] = d;
      this.value(i, v);
    } else {
      const d = t - this.prevT[i]!;
      const dod = d - this.tDelta[i]!;
      if (dod === 0) this.bit(i, false);
      else if (dod >= -8191 && dod <= 8192) { this.field(i, 0b10, 2); this.field(i, dod & 0x3fff, 14); }
      else if (dod >= -65535 && dod <= 65536) { this.field(i, 0b110, 3); this.field(i, dod & 0x1ffff, 17); }
      else if (dod >= -524287 && dod <= 524288) { this.field(i, 0b1110, 4); this.field(i, dod & 0xfffff, 20); }
      else { this.field(i, 0b1111, 4); this.field64(i, Math.floor(dod / TWO32) >>> 0, dod >>> 0, 64); }
      this.tDelta[i] = d;
      this.value(i, v);
    }
    this.prevT[i] = t;
    this.cnt[i] = n + 1;
  }

  private value(i: number, v: number): void {
    f64[0] = v;
    const h = u32[1]!;
    const l = u32[0]!;
    const xh = (h ^ this.vh[i]!) >>> 0;
    const xl = (l ^ this.vl[i]!) >>> 0;
    this.vh[i] = h;
    this.vl[i] = l;
    if (xh === 0 && xl === 0) { this.bit(i, false); return; }
    let lz = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    if (lz > 31) lz = 31;
    const tz = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    this.bit(i, true);
    const lead = this.leading[i]!;
    if (lead !== NO_WINDOW && lz >= lead && tz >= this.trailing[i]!) {
      this.bit(i, false);
    } else {
      this.leading[i] = lz;
      this.trailing[i] = tz;
      this.bit(i, true);
      this.field(i, lz, 5);
      this.field(i, (64 - lz - tz) & 63, 6);
    }
    const tr = this.trailing[i]!;
    const sig = 64 - this.leading[i]! - tr;
    let ph: number;
    let pl: number;
    if (tr === 0) { ph = xh; pl = xl; }
    else if (tr < 32) { pl = ((xl >>> tr) | (xh << (32 - tr))) >>> 0; ph = xh >>> tr; }
    else { pl = xh >>> (tr - 32); ph = 0; }
    this.field64(i, ph, pl, sig);
  }

  /** Everything built, for installChunks; the replayer is done. */
  finish(): ReplayedChunks {
    let rowsN = 0, fullN = 0, openBytes = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.maxTime[i] === -Infinity) continue;
      rowsN++;
      for (let e = this.fullFirst[i]!; e >= 0; e = this.fullNext[e]!) fullN += 4;
      if (this.cnt[i]! > 0) openBytes += (this.bits[i]! + 7) >>> 3;
    }
    const rows = new Float64Array(rowsN * ROW);
    const full = new Float64Array(fullN);
    const open = new Uint8Array(openBytes);
    let r = 0, f = 0, o = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.maxTime[i] === -Infinity) continue;
      const at = r * ROW;
      rows[at] = this.ref[i]!; rows[at + 1] = this.maxTime[i]!; rows[at + 2] = this.lastValue[i]!;
      rows[at + 3] = this.openMint[i]!; rows[at + 4] = this.nextAt[i]!;
      rows[at + 5] = f;
      for (let e = this.fullFirst[i]!; e >= 0; e = this.fullNext[e]!) {
        full[f] = this.full[e * 4]!; full[f + 1] = this.full[e * 4 + 1]!; full[f + 2] = this.full[e * 4 + 2]!; full[f + 3] = this.full[e * 4 + 3]!;
        f += 4;
      }
      rows[at + 6] = f - rows[at + 5]!;
      const n = this.cnt[i]!;
      if (n > 0) {
        const len = (this.bits[i]! + 7) >>> 3;
        const from = this.regAt[i]!;
        open.set(this.bytes.subarray(from, from + len), o);
        open[o] = n >>> 8;
        open[o + 1] = n & 0xff;
        rows[at + 7] = o; rows[at + 8] = len;
        o += len;
        // XorAppender.exportState's layout.
        rows[at + 9] = n; rows[at + 10] = this.prevT[i]!; rows[at + 11] = this.tDelta[i]!; rows[at + 12] = this.vh[i]!;
        rows[at + 13] = this.vl[i]!; rows[at + 14] = this.leading[i]!; rows[at + 15] = this.trailing[i]!;
        rows[at + 16] = this.bits[i]!; rows[at + 17] = this.quirk[i]!;
      } else {
        rows[at + 7] = 0; rows[at + 8] = -1;
      }
      r++;
    }
    const { slabs, live } = this.arena.export();
    this.index.clear();
    this.byLabels.clear();
    return {
      kind: 'chunks', n: rowsN, rows, full, slabs, live, open, samples: this.samples, droppedTooOld: this.droppedTooOld,
      droppedOutOfOrder: this.droppedOutOfOrder, droppedUnknownSeries: this.droppedUnknownSeries, mint: this.mint, maxt: this.maxt,
    };
  }
}

/** The buffers of a ReplayedChunks message (to transfer them). */
export function chunksBuffers(m: ReplayedChunks): ArrayBuffer[] {
  const out = [m.rows.buffer, m.full.buffer, m.open.buffer, ...m.slabs.map((s) => s.buffer)] as ArrayBuffer[];
  return [...new Set(out)];
}

/**
 * Puts what the worker built into the head's series (which the replaying thread made from the same series
 * records): numbers and full chunk lists; open chunks stay frozen rows until appended to. Yields every `step`
 * series so the caller can give the event loop a turn.
 */
export function* installChunks(head: Head, m: ReplayedChunks, step: number): Generator<void> {
  const arena = head.arena;
  const base = arena.adopt(m.slabs, m.live);
  const { rows, full } = m;
  const frozen = { rows, open: m.open };
  // A head replays once; were there frozen rows already, the new ones are thawed at once instead.
  const freeze = arena.frozen === undefined;
  if (freeze) arena.frozen = frozen;
  for (let r = 0; r < m.n; r++) {
    const at = r * ROW;
    const s = head.get(rows[at + R_REF]!);
    if (s) {
      s.maxTime = rows[at + R_MAX_TIME]!; s.lastValue = rows[at + R_LAST_VALUE]!; s.openMint = rows[at + R_OPEN_MINT]!;
      s.nextAt = rows[at + R_NEXT_AT]!;
      const from = rows[at + R_FULL_FROM]!, count = rows[at + R_FULL_COUNT]!;
      if (count > 0) {
        const f: number[] = [];
        for (let i = from; i < from + count; i += 4) f.push(full[i]!, full[i + 1]!, full[i + 2]! + base, full[i + 3]!);
        s.full = f;
      }
      if (rows[at + R_OPEN_LEN]! >= 0) {
        if (freeze) s.frozen = r;
        else s.open = thawOpenChunk(frozen, r);
      }
    }
    if (r % step === step - 1) yield;
  }
  if (m.samples > 0) head.noteRange(m.mint, m.maxt);
}
