// The compact form a decode worker hands a 1.0 WriteRequest back in: flat buffers that move between threads without
// copying (the snappy-decoded body, sample columns, eight integers per series), not an object graph that would
// be cloned. The HTTP thread rebuilds thin series objects over them, decoding labels only for series it must.

import { ProtoReader, WIRE_LEN } from '../store/prometheus/proto-wire.js';
import type { Label } from '../tsdb/labels/labels.js';
import { latin1, readLabel, type WriteRequest, type WriteSeries } from './write-request.js';

/** Integers per series in FlatRequest.meta. */
const FIELDS = 8;
const LABELS_START = 0, LABELS_END = 1, FROM = 2, TO = 3, HISTOGRAMS = 4, EXEMPLARS = 5, LAZY = 6, REF = 7;

export interface FlatRequest {
  /** The snappy-decoded body: labels are read from it. */
  readonly raw: Uint8Array;
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  /** Per series: labels start/end in raw, samples from/to, histograms, exemplars, lazy (1: plain ASCII labels in
   *  one run, `key` is their bytes), the head ref the worker remembers for that key (-1: none, -2: not looked up). */
  readonly meta: Int32Array;
  readonly histograms: number;
  readonly exemplars: number;
}

/** The buffers to transfer with a FlatRequest. */
export function flatBuffers(f: FlatRequest): ArrayBuffer[] {
  return [f.raw.buffer as ArrayBuffer, f.ts.buffer as ArrayBuffer, f.vs.buffer as ArrayBuffer, f.meta.buffer as ArrayBuffer];
}

/**
 * Flattens a request decoded from `raw` (which must own its whole ArrayBuffer), asking `refOf` for the ref of each
 * series with a key (lazy labels).
 */
export function flatten(raw: Uint8Array, req: WriteRequest, refOf: (key: string) => number): FlatRequest {
  const n = req.series.length;
  const meta = new Int32Array(n * FIELDS);
  for (let i = 0; i < n; i++) {
    const s = req.series[i]!;
    const o = i * FIELDS;
    meta[o + LABELS_START] = s.labelsStart;
    meta[o + LABELS_END] = s.labelsEnd;
    meta[o + FROM] = s.from;
    meta[o + TO] = s.to;
    meta[o + HISTOGRAMS] = s.histograms;
    meta[o + EXEMPLARS] = s.exemplars;
    meta[o + LAZY] = s.key !== undefined ? 1 : 0;
    meta[o + REF] = s.key !== undefined ? refOf(s.key) : -2;
  }
  return { raw, ts: Float64Array.from(req.ts), vs: Float64Array.from(req.vs), meta, histograms: req.histograms, exemplars: req.exemplars };
}

/** A series over a FlatRequest: its key (label bytes as a one-byte string) is built only if someone asks. */
class FlatSeries implements WriteSeries {
  labels: Label[] | undefined;

  constructor(
    private readonly raw: Uint8Array, readonly labelsStart: number, readonly labelsEnd: number, readonly from: number, readonly to: number,
    readonly histograms: number, readonly exemplars: number, private readonly lazy: boolean, readonly refHint: number | undefined, readonly index: number,
  ) {
    this.labels = labelsStart < 0 ? [] : undefined;
  }

  get key(): string | undefined {
    return this.lazy ? latin1(this.raw, this.labelsStart, this.labelsEnd) : undefined;
  }
}

/** The WriteRequest over a FlatRequest; `learned` gets the refs the writer finds for series the worker did not know. */
export function unflatten(f: FlatRequest, learned: (s: WriteSeries, ref: number) => void): WriteRequest {
  const { raw, meta } = f;
  const n = meta.length / FIELDS;
  const series: WriteSeries[] = new Array<WriteSeries>(n);
  for (let i = 0; i < n; i++) {
    const o = i * FIELDS;
    const ref = meta[o + REF]!;
    series[i] = new FlatSeries(raw, meta[o + LABELS_START]!, meta[o + LABELS_END]!, meta[o + FROM]!, meta[o + TO]!,
      meta[o + HISTOGRAMS]!, meta[o + EXEMPLARS]!, meta[o + LAZY] === 1, ref === -2 ? undefined : ref, i);
  }
  return {
    series, ts: f.ts, vs: f.vs, samples: f.ts.length, histograms: f.histograms, exemplars: f.exemplars, learned,
    labelsOf(s: WriteSeries): Label[] {
      if (s.labels) return s.labels;
      // Label fields between labelsStart and labelsEnd, samples possibly among them (checked by the worker already).
      const r = new ProtoReader(raw, s.labelsStart, s.labelsEnd, 'remote write request');
      const out: Label[] = [];
      while (!r.done()) {
        const tag = r.uvarint();
        if (Math.floor(tag / 8) === 1 && (tag & 7) === WIRE_LEN) {
          const o2 = r.enter();
          out.push(readLabel(r));
          r.leave(o2);
        } else r.skip(tag & 7);
      }
      s.labels = out;
      return out;
    },
  };
}
