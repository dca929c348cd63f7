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

/** Writes the low n (1..32) bits of x at bit `bit` of the region at `base` (BitWriter.put); the new bit position. */
function put(b: Uint8Array, base: number, bit: number, x0: number, n: number): number {
  const at = base + (bit >>> 3);
  const sh = bit & 7;
  const x = n === 32 ? x0 >>> 0 : (x0 << (32 - n)) >>> 0;
  b[at]! |= x >>> (24 + sh);
  b[at + 1] = x >>> (16 + sh);
  b[at + 2] = x >>> (8 + sh);
  b[at + 3] = x >>> sh;
  b[at + 4] = x << (8 - sh);
  return bit + n;
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
  /**
   * Series by a 30-bit hash of their label bytes; refs logged again under another ref with the same label bytes
   * map to the first one in `index`, as the head's aliases.
   */
  private readonly byLabels = new Map<number, number | number[]>();
  private labelBytes = new Uint8Array(1 << 16);
  private labelUsed = 0;
  private labelAt = new Int32Array(1024);
  private labelLen = new Int32Array(1024);
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
   * decoded strings: the same for any valid UTF-8), found by a hash of them and compared with a copy kept in
   * `labelBytes`. A malformed record is left to the replaying thread to report.
   */
  series(rec: Uint8Array): void {
    const len = rec.length;
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
      let h = 0x811c9dc5 | 0;
      for (let k = from; k < p; k++) h = Math.imul(h ^ rec[k]!, 0x01000193);
      h &= 0x3fff_ffff;
      const had = this.findLabels(h, rec, from, p);
      if (had >= 0) { this.index.set(ref, had); continue; }
      const i = this.addSeries(ref);
      this.keepLabels(i, rec, from, p);
      const same = this.byLabels.get(h);
      if (same === undefined) this.byLabels.set(h, i);
      else if (typeof same === 'number') this.byLabels.set(h, [same, i]);
      else same.push(i);
    }
  }

  /** The series whose label bytes are rec[from, to) (hash h), or -1. */
  private findLabels(h: number, rec: Uint8Array, from: number, to: number): number {
    const same = this.byLabels.get(h);
    if (same === undefined) return -1;
    if (typeof same === 'number') return this.sameLabels(same, rec, from, to) ? same : -1;
    for (const i of same) if (this.sameLabels(i, rec, from, to)) return i;
    return -1;
  }

  private sameLabels(i: number, rec: Uint8Array, from: number, to: number): boolean {
    const at = this.labelAt[i]!;
    if (this.labelLen[i] !== to - from) return false;
    const b = this.labelBytes;
    for (let k = 0; k < to - from; k++) if (b[at + k] !== rec[from + k]) return false;
    return true;
  }

  private keepLabels(i: number, rec: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (this.labelUsed + n > this.labelBytes.length) {
      const nb = new Uint8Array(Math.max(this.labelBytes.length * 2, this.labelUsed + n));
      nb.set(this.labelBytes.subarray(0, this.labelUsed));
      this.labelBytes = nb;
    }
    this.labelBytes.set(rec.subarray(from, to), this.labelUsed);
    this.labelAt = growI(this.labelAt, i + 1);
    this.labelLen = growI(this.labelLen, i + 1);
    this.labelAt[i] = this.labelUsed;
    this.labelLen[i] = n;
    this.labelUsed += n;
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

  /** XorAppender.append for series i, with the bit position and quirk flag in locals while it writes. */
  private xorAppend(i: number, t: number, v: number): void {
    if (this.cnt[i]! === 0) this.bits[i] = HEADER_BITS;
    this.reserve(i, 160);
    const b = this.bytes;
    const base = this.regAt[i]!;
    let bit = this.bits[i]!;
    const n = this.cnt[i]!;
    if (n === 0) {
      let u = t >= 0 ? t * 2 : -t * 2 - 1;
      while (u >= 0x80) { bit = put(b, base, bit, (u % 128) | 0x80, 8); u = Math.floor(u / 128); }
      bit = put(b, base, bit, u, 8);
      f64[0] = v;
      this.vh[i] = u32[1]!;
      this.vl[i] = u32[0]!;
      // The quirk flag follows the last field written: here the 64-bit value.
      this.quirk[i] = (bit & 7) === 0 ? 1 : 0;
      bit = put(b, base, bit, u32[1]!, 32);
      bit = put(b, base, bit, u32[0]!, 32);
      this.tDelta[i] = 0;
      this.leading[i] = NO_WINDOW;
      this.trailing[i] = 0;
    } else if (n === 1) {
      const d = t - this.prevT[i]!;
      let u = d;
      while (u >= 0x80) { bit = put(b, base, bit, (u % 128) | 0x80, 8); u = Math.floor(u / 128); }
      bit = put(b, base, bit, u, 8);
      this.tDelta[i] = d;
      bit = this.value(i, v, b, base, bit);
    } else {
      const d = t - this.prevT[i]!;
      const dod = d - this.tDelta[i]!;
      if (dod === 0) { bit = put(b, base, bit, 0, 1); }
      else if (dod >= -8191 && dod <= 8192) { bit = put(b, base, bit, 0b10, 2); bit = put(b, base, bit, dod & 0x3fff, 14); }
      else if (dod >= -65535 && dod <= 65536) { bit = put(b, base, bit, 0b110, 3); bit = put(b, base, bit, dod & 0x1ffff, 17); }
      else if (dod >= -524287 && dod <= 524288) { bit = put(b, base, bit, 0b1110, 4); bit = put(b, base, bit, dod & 0xfffff, 20); }
      else {
        bit = put(b, base, bit, 0b1111, 4);
        bit = put(b, base, bit, Math.floor(dod / TWO32) >>> 0, 32);
        bit = put(b, base, bit, dod >>> 0, 32);
      }
      this.tDelta[i] = d;
      // The quirk flag after a value is set by value(): its last field decides.
      bit = this.value(i, v, b, base, bit);
    }
    this.bits[i] = bit;
    this.prevT[i] = t;
    this.cnt[i] = n + 1;
  }

  /** XorAppender's value encoding for series i at `bit`; sets the quirk flag, returns the new bit position. */
  private value(i: number, v: number, b: Uint8Array, base: number, bit: number): number {
    f64[0] = v;
    const h = u32[1]!;
    const l = u32[0]!;
    const xh = (h ^ this.vh[i]!) >>> 0;
    const xl = (l ^ this.vl[i]!) >>> 0;
    this.vh[i] = h;
    this.vl[i] = l;
    if (xh === 0 && xl === 0) { this.quirk[i] = 0; return put(b, base, bit, 0, 1); }
    let lz = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    if (lz > 31) lz = 31;
    const tz = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    const lead = this.leading[i]!;
    if (lead !== NO_WINDOW && lz >= lead && tz >= this.trailing[i]!) {
      bit = put(b, base, bit, 0b10, 2);
    } else {
      this.leading[i] = lz;
      this.trailing[i] = tz;
      bit = put(b, base, bit, 0b11, 2);
      bit = put(b, base, bit, lz, 5);
      bit = put(b, base, bit, (64 - lz - tz) & 63, 6);
    }
    const tr = this.trailing[i]!;
    const sig = 64 - this.leading[i]! - tr;
    let ph: number;
    let pl: number;
    if (tr === 0) { ph = xh; pl = xl; }
    else if (tr < 32) { pl = ((xl >>> tr) | (xh << (32 - tr))) >>> 0; ph = xh >>> tr; }
    else { pl = xh >>> (tr - 32); ph = 0; }
    this.quirk[i] = sig % 8 === 0 && (bit & 7) === 0 ? 1 : 0;
    if (sig > 32) { bit = put(b, base, bit, ph, sig - 32); return put(b, base, bit, pl, 32); }
    return put(b, base, bit, pl, sig);
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
