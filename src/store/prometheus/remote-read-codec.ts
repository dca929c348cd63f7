// Prometheus remote read on the wire (reference: tsdb-format.md §8): the ReadRequest we send, the SAMPLES
// ReadResponse, and the STREAMED_XOR_CHUNKS frames (uvarint size, BE32 CRC32C, ChunkedReadResponse).
import type { Label } from '../../tsdb/labels/labels.js';
import type { Matcher } from '../../tsdb/labels/matcher.js';
import { crc32c } from '../../tsdb/encoding/crc32c.js';
import { CorruptionError, LimitError } from '../../runtime/errors.js';
import { ProtoReader, ProtoWriter } from './proto-wire.js';

export const RESPONSE_SAMPLES = 0;
export const RESPONSE_STREAMED_XOR_CHUNKS = 1;

/** prompb Chunk.Encoding: the Prometheus chunk encoding byte (XOR is 1 here, 0 in the StoreAPI). */
export const PROM_CHUNK_XOR = 1;
export const PROM_CHUNK_HISTOGRAM = 2;
export const PROM_CHUNK_FLOAT_HISTOGRAM = 3;

export interface ReadHints {
  readonly stepMs: number;
  readonly func: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly grouping: readonly string[];
  readonly by: boolean;
  readonly rangeMs: number;
}

export interface RemoteReadQuery {
  readonly startMs: number;
  readonly endMs: number;
  readonly matchers: readonly Matcher[];
  readonly hints?: ReadHints;
}

const MATCH_TYPE: Readonly<Record<Matcher['type'], number>> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };

export function encodeReadRequest(queries: readonly RemoteReadQuery[], acceptedResponseTypes: readonly number[]): Uint8Array {
  const w = new ProtoWriter();
  for (const q of queries) {
    const qw = new ProtoWriter();
    if (q.startMs !== 0) qw.tag(1, 0).int64(q.startMs);
    if (q.endMs !== 0) qw.tag(2, 0).int64(q.endMs);
    for (const m of q.matchers) {
      const mw = new ProtoWriter();
      const t = MATCH_TYPE[m.type];
      if (t !== 0) mw.tag(1, 0).uvarint(t);
      if (m.name !== '') mw.stringField(2, m.name);
      if (m.value !== '') mw.stringField(3, m.value);
      qw.bytesField(3, mw.finish());
    }
    if (q.hints) {
      const h = q.hints;
      const hw = new ProtoWriter();
      if (h.stepMs !== 0) hw.tag(1, 0).int64(h.stepMs);
      if (h.func !== '') hw.stringField(2, h.func);
      if (h.startMs !== 0) hw.tag(3, 0).int64(h.startMs);
      if (h.endMs !== 0) hw.tag(4, 0).int64(h.endMs);
      for (const g of h.grouping) hw.stringField(5, g);
      if (h.by) hw.tag(6, 0).uvarint(1);
      if (h.rangeMs !== 0) hw.tag(7, 0).int64(h.rangeMs);
      qw.bytesField(4, hw.finish());
    }
    w.bytesField(1, qw.finish());
  }
  if (acceptedResponseTypes.length > 0) {
    const pw = new ProtoWriter();
    for (const t of acceptedResponseTypes) pw.uvarint(t);
    w.bytesField(2, pw.finish());
  }
  return w.finish();
}

export interface RemoteChunk {
  /** Inclusive bounds, ms. */
  readonly minTime: number;
  readonly maxTime: number;
  /** Prometheus chunk encoding (PROM_CHUNK_*). */
  readonly type: number;
  /** A view into the frame: keep it only as long as the frame is kept. */
  readonly data: Uint8Array;
}

export interface ChunkedSeries {
  readonly labels: Label[];
  readonly chunks: RemoteChunk[];
}

export interface ChunkedReadResponse {
  readonly series: ChunkedSeries[];
  readonly queryIndex: number;
}

/** Reads a Label submessage at the reader's position. */
function readLabel(r: ProtoReader): Label {
  const outer = r.enter();
  let name = '';
  let value = '';
  while (!r.done()) {
    const tag = r.uvarint();
    if (tag === 10) name = r.string();
    else if (tag === 18) value = r.string();
    else r.skip(tag & 7);
  }
  r.leave(outer);
  return { name, value };
}

function readChunk(r: ProtoReader): RemoteChunk {
  const outer = r.enter();
  let minTime = 0;
  let maxTime = 0;
  let type = 0;
  let data: Uint8Array = EMPTY;
  while (!r.done()) {
    const tag = r.uvarint();
    switch (tag) {
      case 8: minTime = r.int64(); break;
      case 16: maxTime = r.int64(); break;
      case 24: type = r.uvarint(); break;
      case 34: data = r.bytes(); break;
      default: r.skip(tag & 7);
    }
  }
  r.leave(outer);
  return { minTime, maxTime, type, data };
}

const EMPTY = new Uint8Array(0);

/** Decodes one ChunkedReadResponse message held in buf[start, end). */
export function decodeChunkedReadResponse(buf: Uint8Array, start = 0, end = buf.length): ChunkedReadResponse {
  const r = new ProtoReader(buf, start, end, 'remote read ChunkedReadResponse');
  const series: ChunkedSeries[] = [];
  let queryIndex = 0;
  while (!r.done()) {
    const tag = r.uvarint();
    if (tag === 10) {
      const outer = r.enter();
      const labels: Label[] = [];
      const chunks: RemoteChunk[] = [];
      while (!r.done()) {
        const t = r.uvarint();
        if (t === 10) labels.push(readLabel(r));
        else if (t === 18) chunks.push(readChunk(r));
        else r.skip(t & 7);
      }
      r.leave(outer);
      series.push({ labels, chunks });
    } else if (tag === 16) queryIndex = r.int64();
    else r.skip(tag & 7);
  }
  return { series, queryIndex };
}

export interface SampledSeries {
  readonly labels: Label[];
  readonly timestamps: number[];
  readonly values: number[];
  /** Native histogram samples present (not decoded). */
  readonly histograms: number;
}

/** Decodes a (decompressed) SAMPLES ReadResponse into one list of series per query. Histograms are not decoded. */
export function decodeReadResponse(buf: Uint8Array): SampledSeries[][] {
  const r = new ProtoReader(buf, 0, buf.length, 'remote read ReadResponse');
  const results: SampledSeries[][] = [];
  while (!r.done()) {
    const tag = r.uvarint();
    if (tag !== 10) {
      r.skip(tag & 7);
      continue;
    }
    const qOuter = r.enter();
    const out: SampledSeries[] = [];
    while (!r.done()) {
      const t = r.uvarint();
      if (t !== 10) {
        r.skip(t & 7);
        continue;
      }
      const sOuter = r.enter();
      const labels: Label[] = [];
      const timestamps: number[] = [];
      const values: number[] = [];
      let histograms = 0;
      while (!r.done()) {
        const f = r.uvarint();
        if (f === 10) labels.push(readLabel(r));
        else if (f === 34) {
          histograms++;
          r.skip(2);
        }
        else if (f === 18) {
          const smpOuter = r.enter();
          let value = 0;
          let timestamp = 0;
          while (!r.done()) {
            const g = r.uvarint();
            if (g === 9) value = r.double();
            else if (g === 16) timestamp = r.int64();
            else r.skip(g & 7);
          }
          r.leave(smpOuter);
          timestamps.push(timestamp);
          values.push(value);
        } else r.skip(f & 7);
      }
      r.leave(sOuter);
      out.push({ labels, timestamps, values, histograms });
    }
    r.leave(qOuter);
    results.push(out);
  }
  return results;
}

/**
 * Splits a byte stream into STREAMED_XOR_CHUNKS frames whatever the chunk boundaries; each frame's CRC32C is checked
 * and its size capped before buffering. Feed bytes with push(), then call end() to detect a truncated last frame.
 */
export class ChunkedFrameDecoder {
  private pending: Uint8Array[] = [];
  private pendingLen = 0;
  private offset = 0;

  constructor(private readonly maxFrameBytes = 50 * 1024 * 1024) {}

  /** Returns the frames completed by `chunk`. */
  push(chunk: Uint8Array): ChunkedReadResponse[] {
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingLen += chunk.length;
    }
    const out: ChunkedReadResponse[] = [];
    for (;;) {
      const head = this.headView(15);
      if (head === undefined) break;
      // Frame header: uvarint size then 4 bytes of CRC.
      let size = 0;
      let mul = 1;
      let i = this.offset;
      let complete = false;
      for (let k = 0; k < 10 && i < head.length; k++) {
        const c = head[i++]!;
        size += (c & 0x7f) * mul;
        mul *= 128;
        if (c < 0x80) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (i - this.offset >= 10) throw new CorruptionError('remote read stream', 'frame header', this.offset, 'size varint longer than 10 bytes');
        break;
      }
      if (size > this.maxFrameBytes) {
        throw new LimitError(`remote read frame of ${size} bytes exceeds the limit of ${this.maxFrameBytes} bytes`, 'chunked_read_limit', size);
      }
      const headerLen = i - this.offset + 4;
      if (this.pendingLen - this.offset < headerLen + size) break;
      const buf = this.headView(headerLen + size)!;
      const crcAt = this.offset + headerLen - 4;
      const want = ((buf[crcAt]! << 24) | (buf[crcAt + 1]! << 16) | (buf[crcAt + 2]! << 8) | buf[crcAt + 3]!) >>> 0;
      const msgStart = this.offset + headerLen;
      const msgEnd = msgStart + size;
      const got = crc32c(buf, 0, msgStart, msgEnd);
      if (got !== want) {
        throw new CorruptionError('remote read stream', 'frame', this.offset, `checksum mismatch: header says ${want.toString(16)}, message has ${got.toString(16)}`);
      }
      out.push(decodeChunkedReadResponse(buf, msgStart, msgEnd));
      this.offset = msgEnd;
    }
    return out;
  }

  /** Throws when the stream ended inside a frame. */
  end(): void {
    if (this.pendingLen - this.offset > 0) {
      throw new CorruptionError('remote read stream', 'frame', this.offset, `stream ended inside a frame (${this.pendingLen - this.offset} bytes left)`);
    }
  }

  /**
   * Makes at least `n` unread bytes (or all there are, when fewer) contiguous in pending[0] and returns it; the
   * unread part starts at this.offset. undefined when nothing is unread.
   */
  private headView(n: number): Uint8Array | undefined {
    const unread = this.pendingLen - this.offset;
    if (unread <= 0) {
      this.pending = [];
      this.pendingLen = 0;
      this.offset = 0;
      return undefined;
    }
    const first = this.pending[0]!;
    if (first.length - this.offset >= Math.min(n, unread)) {
      if (this.offset >= first.length) return undefined;
      return first;
    }
    // Coalesce the unread bytes into one buffer; done at most once per frame, so copying stays linear.
    const merged = new Uint8Array(unread);
    let at = 0;
    let skip = this.offset;
    for (const p of this.pending) {
      if (skip >= p.length) {
        skip -= p.length;
        continue;
      }
      merged.set(skip > 0 ? p.subarray(skip) : p, at);
      at += p.length - skip;
      skip = 0;
    }
    this.pending = [merged];
    this.pendingLen = unread;
    this.offset = 0;
    return merged;
  }
}
