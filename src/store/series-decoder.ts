// A hand-written decoder for SeriesResponse series/batch frames, the client's hot path: one pass over the frame,
// no intermediate message objects, chunk bytes returned as views into the frame. Field numbers as in
// proto/store/types.proto (checked against upstream by test/store/wire-golden.test.ts). Warning and hints frames
// return undefined so the caller can use the generic decoder. Unknown fields are skipped, as protobuf requires.

import { InvalidArgumentError } from '../runtime/errors.js';
import type { Label } from '../tsdb/labels/labels.js';
import type { AggrChunk, Chunk, ChunkEncoding, Series } from './store-api.js';

const TWO_32 = 4294967296;
const ENCODINGS: readonly ChunkEncoding[] = ['XOR', 'HISTOGRAM', 'FLOAT_HISTOGRAM'];
const AGGR_FIELDS = ['raw', 'count', 'sum', 'min', 'max', 'counter'] as const;
/** A chunk without data (shared: an empty view per chunk would be garbage). */
const NO_DATA = new Uint8Array(0);
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

class In {
  /** The buffer's memory, read once: `.buffer` is a getter call, and every chunk's data is a view of it. */
  readonly memory: ArrayBufferLike;
  readonly memoryOffset: number;

  /** The same bytes read four at a time (label cache keys are hashed and compared by words). */
  readonly words: DataView;

  constructor(readonly buf: Uint8Array, public pos: number, readonly end: number) {
    this.memory = buf.buffer;
    this.memoryOffset = buf.byteOffset;
    this.words = new DataView(this.memory, this.memoryOffset, buf.length);
  }

  fail(reason: string): never {
    throw new InvalidArgumentError(`decode SeriesResponse: malformed protobuf at byte ${this.pos}: ${reason}`);
  }

  byte(): number {
    if (this.pos >= this.end) this.fail('unexpected end of message');
    return this.buf[this.pos++]!;
  }

  /** A varint of up to 32 significant bits (tags, lengths, enums); higher bits are dropped as protobuf does. */
  uint32(): number {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      v |= (b & 127) << shift;
      if (b < 128) return v >>> 0;
    }
    // Longer encodings (negative int32 enums) carry 10 bytes; consume the rest.
    for (let i = 0; i < 5; i++) if (this.byte() < 128) return v >>> 0;
    return this.fail('varint longer than 10 bytes');
  }

  /** A two's-complement int64 varint as a number, clamped to the safe-integer range like the generic decoder. */
  int64(): number {
    const b = this.buf;
    let p = this.pos;
    // Timestamps (6 bytes) and other values below 2^49 in one loop; only longer ones need the split below.
    if (this.end - p >= 7) {
      let v = 0;
      let mul = 1;
      for (let i = 0; i < 7; i++) {
        const c = b[p++]!;
        v += (c & 127) * mul;
        if (c < 128) {
          this.pos = p;
          return v;
        }
        mul *= 128;
      }
    }
    return this.int64Long();
  }

  private int64Long(): number {
    let lo = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.byte();
      lo |= (b & 127) << (i * 7);
      if (b < 128) return lo >>> 0;
    }
    let b = this.byte();
    lo |= (b & 127) << 28;
    let hi = (b & 127) >> 4;
    if (b >= 128) {
      let i = 0;
      for (; i < 5; i++) {
        b = this.byte();
        hi |= (b & 127) << (i * 7 + 3);
        if (b < 128) break;
      }
      if (i === 5) this.fail('varint longer than 10 bytes');
    }
    const n = (hi | 0) * TWO_32 + (lo >>> 0);
    return n > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : n < Number.MIN_SAFE_INTEGER ? Number.MIN_SAFE_INTEGER : n;
  }

  uint64Big(): bigint {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte();
      v |= BigInt(b & 127) << shift;
      if (b < 128) return v & 0xffffffffffffffffn;
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** The [start, end) of a length-delimited field's payload, advancing past it. */
  len(): number {
    const n = this.uint32();
    if (n > this.end - this.pos) this.fail(`length ${n} runs past the end`);
    const start = this.pos;
    this.pos += n;
    return start;
  }

  string(): string {
    const start = this.len();
    const b = this.buf;
    const end = this.pos;
    let ascii = true;
    for (let i = start; i < end; i++) if (b[i]! >= 0x80) { ascii = false; break; }
    if (ascii && end - start < 64) {
      let s = '';
      for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
      return s;
    }
    return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8');
  }

  skip(wireType: number): void {
    switch (wireType) {
      case VARINT: this.uint32(); return;
      case I64: this.advance(8); return;
      case LEN: this.len(); return;
      case I32: this.advance(4); return;
      default: this.fail(`invalid wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) this.fail('unexpected end of message');
    this.pos += n;
  }

  expect(wireType: number, want: number, field: string): void {
    if (wireType !== want) this.fail(`${field} has wire type ${wireType}, want ${want}`);
  }
}

const LABEL_SETS = 2048;
const MAX_CACHED_LABEL = 64;

/**
 * Decoded labels by their encoded bytes: a querier sees the same few label pairs in every series of a response (and
 * in every response), so a hit returns the Label decoded before with no string or object allocated, and equal
 * labels become the same strings (label comparisons then succeed on identity). Equal bytes always decode to an
 * equal Label, so a hit needs no validation. Two ways per set, the one hit last kept on a miss: a label present in
 * every series survives a stream of labels seen once (an `instance` per series). Keys live in one arena, so a
 * miss allocates only the Label. Owned by whoever decodes (the querier shares one among its store clients).
 */
export class LabelCache {
  private readonly arena = new Uint8Array(LABEL_SETS * 2 * MAX_CACHED_LABEL);
  private readonly arenaWords = new DataView(this.arena.buffer);
  private readonly keyLengths = new Int32Array(LABEL_SETS * 2).fill(-1);
  private readonly values: (Label | undefined)[] = new Array<Label | undefined>(LABEL_SETS * 2).fill(undefined);
  /** Per set, the way hit or filled last. */
  private readonly recent = new Uint8Array(LABEL_SETS);

  private keyIs(slot: number, r: In, start: number, len: number): boolean {
    if (this.keyLengths[slot] !== len) return false;
    const at = slot * MAX_CACHED_LABEL;
    const w = r.words;
    const aw = this.arenaWords;
    let i = 0;
    for (; i + 4 <= len; i += 4) if (aw.getInt32(at + i, true) !== w.getInt32(start + i, true)) return false;
    const arena = this.arena;
    for (; i < len; i++) if (arena[at + i] !== r.buf[start + i]) return false;
    return true;
  }

  /** The Label field in r.buf[r.pos, end), from the cache or decoded (and cached); leaves r.pos at end. */
  decode(r: In, end: number): Label {
    const start = r.pos;
    const len = end - start;
    if (len > MAX_CACHED_LABEL) return decodeLabelFields(r, end);
    const w = r.words;
    let h = 0x811c9dc5 ^ len;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      h = Math.imul(h ^ w.getInt32(i, true), 0x5bd1e995);
      h ^= h >>> 15;
    }
    for (; i < end; i++) h = Math.imul(h ^ r.buf[i]!, 0x01000193);
    const set = (h ^ (h >>> 16)) & (LABEL_SETS - 1);
    const recent = this.recent[set]!;
    for (let way = recent, k = 0; k < 2; k++, way ^= 1) {
      const slot = set * 2 + way;
      if (this.keyIs(slot, r, start, len)) {
        this.recent[set] = way;
        r.pos = end;
        return this.values[slot]!;
      }
    }
    const label = decodeLabelFields(r, end);
    const way = recent ^ 1;
    const slot = set * 2 + way;
    this.arena.set(new Uint8Array(r.memory, r.memoryOffset + start, len), slot * MAX_CACHED_LABEL);
    this.keyLengths[slot] = len;
    this.values[slot] = label;
    this.recent[set] = way;
    return label;
  }
}

function decodeLabelFields(r: In, end: number): Label {
  let name = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1) { r.expect(tag & 7, LEN, 'Label.name'); name = r.string(); }
    else if (field === 2) { r.expect(tag & 7, LEN, 'Label.value'); value = r.string(); }
    else r.skip(tag & 7);
  }
  return { name, value };
}

function decodeChunk(r: In, end: number): Chunk {
  let encoding: ChunkEncoding = 'XOR';
  let data: Uint8Array = NO_DATA;
  let hash = 0n;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1) {
      r.expect(tag & 7, VARINT, 'Chunk.type');
      const t = r.uint32();
      encoding = ENCODINGS[t] ?? r.fail(`Chunk.type: unknown enum value ${t}`);
    } else if (field === 2) {
      r.expect(tag & 7, LEN, 'Chunk.data');
      const start = r.len();
      // A plain view: Buffer#subarray costs several times more, and 10k series carry 40k chunks.
      data = new Uint8Array(r.memory, r.memoryOffset + start, r.pos - start);
    } else if (field === 3) {
      r.expect(tag & 7, VARINT, 'Chunk.hash');
      hash = r.uint64Big();
    } else r.skip(tag & 7);
  }
  return hash === 0n ? { encoding, data } : { encoding, data, hash };
}

function decodeAggrChunk(r: In, end: number): AggrChunk {
  const out: { -readonly [K in keyof AggrChunk]: AggrChunk[K] } = { minTime: 0, maxTime: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1) { r.expect(tag & 7, VARINT, 'AggrChunk.min_time'); out.minTime = r.int64(); }
    else if (field === 2) { r.expect(tag & 7, VARINT, 'AggrChunk.max_time'); out.maxTime = r.int64(); }
    else if (field >= 3 && field <= 8) {
      r.expect(tag & 7, LEN, 'AggrChunk chunk');
      const start = r.len();
      const stop = r.pos;
      r.pos = start;
      out[AGGR_FIELDS[field - 3]!] = decodeChunk(r, stop);
    } else r.skip(tag & 7);
  }
  return out;
}

function decodeSeries(r: In, end: number, cache: LabelCache | undefined): Series {
  const labels: Label[] = [];
  const chunks: AggrChunk[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 || field === 2) {
      r.expect(tag & 7, LEN, field === 1 ? 'Series.labels' : 'Series.chunks');
      const start = r.len();
      const stop = r.pos;
      r.pos = start;
      if (field === 1) labels.push(cache !== undefined ? cache.decode(r, stop) : decodeLabelFields(r, stop));
      else chunks.push(decodeAggrChunk(r, stop));
    } else r.skip(tag & 7);
  }
  return { labels, chunks };
}

/**
 * Series in a frame's `series` (1) or `batch` (4) field; undefined for warning/hints/empty frames. Labels go through
 * `cache` when given.
 */
export function decodeSeriesFrame(buf: Uint8Array, cache?: LabelCache): { batch: boolean; series: Series[] } | undefined {
  const r = new In(buf, 0, buf.length);
  let result: { batch: boolean; series: Series[] } | undefined;
  while (r.pos < r.end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 || field === 4) {
      r.expect(tag & 7, LEN, field === 1 ? 'SeriesResponse.series' : 'SeriesResponse.batch');
      const start = r.len();
      const stop = r.pos;
      r.pos = start;
      if (field === 1) {
        result = { batch: false, series: [decodeSeries(r, stop, cache)] };
      } else {
        const series: Series[] = [];
        while (r.pos < stop) {
          const t = r.uint32();
          if (t >>> 3 === 1) {
            r.expect(t & 7, LEN, 'SeriesBatch.series');
            const s = r.len();
            const e = r.pos;
            r.pos = s;
            series.push(decodeSeries(r, e, cache));
          } else r.skip(t & 7);
        }
        result = { batch: true, series };
      }
    } else if (field === 2 || field === 3) {
      return undefined; // a warning or hints frame: the generic decoder handles it
    } else {
      r.skip(tag & 7);
    }
  }
  return result;
}
