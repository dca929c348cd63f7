// Prometheus remote read on the wire (reference: tsdb-format.md §8): the ReadRequest we send, the SAMPLES
// ReadResponse, and the STREAMED_XOR_CHUNKS frames (uvarint size, BE32 CRC32C, ChunkedReadResponse).
import type { Label } from '../../tsdb/labels/labels.js';
import type { Matcher } from '../../tsdb/labels/matcher.js';
import { FrameSplitter } from './frame-splitter.js';
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
export function readLabel(r: ProtoReader): Label {
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
 * Splits a byte stream into STREAMED_XOR_CHUNKS frames whatever the chunk boundaries and decodes them; each frame's
 * CRC32C is checked and its size capped before buffering. Feed bytes with push(), then call end() to detect a
 * truncated last frame.
 */
export class ChunkedFrameDecoder {
  private readonly splitter: FrameSplitter;
  private out: ChunkedReadResponse[] = [];
  private readonly onFrame = (message: Uint8Array): void => {
    this.out.push(decodeChunkedReadResponse(message));
  };

  constructor(maxFrameBytes = 50 * 1024 * 1024) {
    this.splitter = new FrameSplitter(maxFrameBytes);
  }

  /** Returns the frames completed by `chunk`. */
  push(chunk: Uint8Array): ChunkedReadResponse[] {
    this.out = [];
    this.splitter.push(chunk, this.onFrame);
    return this.out;
  }

  /** Throws when the stream ended inside a frame. */
  end(): void {
    this.splitter.end();
  }
}
