// Decoding remote-write bodies (already snappy-decoded) into one shape for the writer: prompb WriteRequest (remote
// write 1.0, proto/prompb/remote.proto) and io.prometheus.write.v2.Request (2.0: labels as references into a symbols
// table, proto/prompb/write_v2.proto). Malformed input is a CorruptionError naming the field and byte offset.

import { CorruptionError } from '../runtime/errors.js';
import { ProtoReader, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '../store/prometheus/proto-wire.js';
import type { Label } from '../tsdb/labels/labels.js';

/**
 * One series of a request. Its samples are `ts`/`vs` of the request from `from` (inclusive) to `to`. Labels of a
 * 1.0 request are decoded only when needed (`labelsOf`): `key` (the label fields' raw bytes) lets the writer find
 * a known series without building its label strings at all.
 */
export interface WriteSeries {
  labels: Label[] | undefined;
  /** The raw bytes of the series' label fields as a one-byte string; undefined when labels are already decoded. */
  readonly key: string | undefined;
  readonly labelsStart: number;
  readonly labelsEnd: number;
  readonly from: number;
  readonly to: number;
  /** Native histogram samples sent for the series (not stored: the head holds floats only). */
  readonly histograms: number;
  /** Exemplars sent for the series (stored only with --tsdb.max-exemplars > 0, which is refused for now). */
  readonly exemplars: number;
  /**
   * From a decode worker (flat-request.ts): the head series ref it remembers for these label bytes, -1 when it knows
   * none; undefined when no worker looked (the writer then keeps its own map).
   */
  readonly refHint?: number | undefined;
  /** Position in the request as decoded. */
  readonly index?: number;
}

export interface WriteRequest {
  readonly series: WriteSeries[];
  /** Sample timestamps and values of all series, series after series. */
  readonly ts: ArrayLike<number>;
  readonly vs: ArrayLike<number>;
  /** Totals over all series. */
  samples: number;
  histograms: number;
  exemplars: number;
  /** The series' labels as sent (not yet validated), decoding them on first use. */
  labelsOf(s: WriteSeries): Label[];
  /** Told the ref the writer found by labels for a series whose refHint was -1 or stale (the worker learns it). */
  readonly learned?: ((s: WriteSeries, ref: number) => void) | undefined;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Node's Buffer#latin1Slice, which works on any Uint8Array: no Buffer object per string. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

/** Bytes [start, end) of `b` as a one-byte string (for ASCII, the same as UTF-8). */
export function latin1(b: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(b, start, end);
}

/** A string field that must be valid UTF-8 (label names and values, symbols): invalid bytes are an error. */
function utf8String(r: ProtoReader, what: string): string {
  const start = r.lenDelim();
  const end = r.pos;
  const b = r.buf;
  // ASCII (nearly every label) becomes a flat one-byte string in one native call; building it char by char made a
  // rope that every Map lookup of it had to flatten first.
  let ascii = true;
  for (let i = start; i < end; i++) if (b[i]! >= 0x80) { ascii = false; break; }
  if (ascii) return latin1(b, start, end);
  try {
    return fatalUtf8.decode(b.subarray(start, end));
  } catch {
    throw new CorruptionError('remote write request', 'protobuf', start, `${what} is not valid UTF-8`);
  }
}

function readTag(r: ProtoReader): { field: number; wire: number } {
  const tag = r.uvarint();
  return { field: Math.floor(tag / 8), wire: tag & 7 };
}

function expectWire(r: ProtoReader, wire: number, want: number, field: string): void {
  if (wire !== want) r.fail(`field ${field} has wire type ${wire}, want ${want}`);
}

/** Reads one Label message's name and value (the reader is inside the label field's payload). */
export function readLabel(r: ProtoReader): Label {
  let name = '';
  let value = '';
  while (!r.done()) {
    const lt = readTag(r);
    if (lt.field === 1 && lt.wire === WIRE_LEN) name = utf8String(r, 'label name');
    else if (lt.field === 2 && lt.wire === WIRE_LEN) value = utf8String(r, 'label value');
    else r.skip(lt.wire);
  }
  return { name, value };
}

/**
 * Decodes a prompb.WriteRequest (remote write 1.0). Metadata (field 3) is skipped, as upstream does. Label fields
 * that come together and are plain ASCII are only checked here and decoded later, on demand; others (non-ASCII,
 * which must be checked as UTF-8, or interleaved with samples) are decoded at once.
 */
export function decodeWriteRequestV1(buf: Uint8Array): WriteRequest {
  const r = new ProtoReader(buf, 0, buf.length, 'remote write request');
  const raw = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const ts: number[] = [];
  const vs: number[] = [];
  const series: WriteSeries[] = [];
  let histograms = 0;
  let exemplars = 0;
  while (!r.done()) {
    const { field, wire } = readTag(r);
    if (field !== 1) { r.skip(wire); continue; }
    expectWire(r, wire, WIRE_LEN, 'timeseries');
    const outer = r.enter();
    const from = ts.length;
    let labelsStart = -1;
    let labelsEnd = -1;
    let lazy = true;
    let h = 0;
    let e = 0;
    let sawOther = false;
    while (!r.done()) {
      const fieldAt = r.pos;
      const t = readTag(r);
      if (t.field === 1) {
        expectWire(r, t.wire, WIRE_LEN, 'labels');
        if (labelsStart < 0) labelsStart = fieldAt;
        else if (sawOther) lazy = false;
        const o2 = r.enter();
        for (let i = r.pos; i < r.end; i++) if (buf[i]! >= 0x80) { lazy = false; break; }
        readLabelShape(r);
        r.leave(o2);
        labelsEnd = r.pos;
      } else {
        if (labelsStart >= 0) sawOther = true;
        if (t.field === 2) {
          expectWire(r, t.wire, WIRE_LEN, 'samples');
          readSample(r, ts, vs);
        } else if (t.field === 3) {
          r.skip(t.wire);
          e++;
        } else if (t.field === 4) {
          r.skip(t.wire);
          h++;
        } else r.skip(t.wire);
      }
    }
    let labels: Label[] | undefined;
    if (labelsStart < 0) labels = [];
    else if (!lazy) {
      // Decode (and so check) every label field of the series now.
      labels = [];
      const endPos = r.pos;
      r.pos = labelsStart;
      while (r.pos < endPos) {
        const t = readTag(r);
        if (t.field === 1 && t.wire === WIRE_LEN) {
          const o2 = r.enter();
          labels.push(readLabel(r));
          r.leave(o2);
        } else r.skip(t.wire);
      }
    }
    r.leave(outer);
    series.push({
      labels, key: labels === undefined ? raw.toString('latin1', labelsStart, labelsEnd) : undefined, labelsStart, labelsEnd,
      from, to: ts.length, histograms: h, exemplars: e,
    });
    histograms += h;
    exemplars += e;
  }
  return {
    series, ts, vs, samples: ts.length, histograms, exemplars,
    labelsOf(s: WriteSeries): Label[] {
      if (s.labels) return s.labels;
      const lr = new ProtoReader(buf, s.labelsStart, s.labelsEnd, 'remote write request');
      const out: Label[] = [];
      while (!lr.done()) {
        readTag(lr);
        const o2 = lr.enter();
        out.push(readLabel(lr));
        lr.leave(o2);
      }
      s.labels = out;
      return out;
    },
  };
}

/** Checks a Label message's structure without building its strings. */
function readLabelShape(r: ProtoReader): void {
  while (!r.done()) {
    const lt = readTag(r);
    r.skip(lt.wire);
  }
}

/** A Sample message {double value = 1; int64 timestamp = 2} (same numbers in 1.0 and 2.0). */
function readSample(r: ProtoReader, ts: number[], vs: number[]): void {
  const outer = r.enter();
  let v = 0;
  let t = 0;
  while (!r.done()) {
    const st = readTag(r);
    if (st.field === 1 && st.wire === WIRE_FIXED64) v = r.double();
    else if (st.field === 2 && st.wire === WIRE_VARINT) t = r.int64();
    else r.skip(st.wire);
  }
  r.leave(outer);
  ts.push(t);
  vs.push(v);
}

/**
 * Decodes an io.prometheus.write.v2.Request: symbols (field 4) first, then series (field 5) whose labels are pairs
 * of references into the symbols. Metadata and start timestamps are not stored (the head has no place for them).
 */
export function decodeWriteRequestV2(buf: Uint8Array): WriteRequest {
  const r = new ProtoReader(buf, 0, buf.length, 'remote write 2.0 request');
  const symbols: string[] = [];
  const seriesAt: number[] = [];
  // Symbols may in principle follow the series on the wire: collect them first, then read the series.
  while (!r.done()) {
    const { field, wire } = readTag(r);
    if (field === 4) {
      expectWire(r, wire, WIRE_LEN, 'symbols');
      symbols.push(utf8String(r, 'symbol'));
    } else if (field === 5) {
      expectWire(r, wire, WIRE_LEN, 'timeseries');
      seriesAt.push(r.pos);
      r.lenDelim();
    } else r.skip(wire);
  }
  const ts: number[] = [];
  const vs: number[] = [];
  const series: WriteSeries[] = [];
  let histograms = 0;
  let exemplars = 0;
  const sym = (ref: number): string => {
    return symbols[ref] ?? r.fail(`label reference ${ref} is outside the symbols table (${symbols.length} symbols)`);
  };
  for (const at of seriesAt) {
    r.pos = at;
    r.end = buf.length;
    const outer = r.enter();
    const from = ts.length;
    let h = 0;
    let e = 0;
    const refs: number[] = [];
    while (!r.done()) {
      const t = readTag(r);
      if (t.field === 1 && t.wire === WIRE_LEN) {
        const o2 = r.enter();
        while (!r.done()) refs.push(r.uvarint());
        r.leave(o2);
      } else if (t.field === 1 && t.wire === WIRE_VARINT) refs.push(r.uvarint());
      else if (t.field === 2) {
        expectWire(r, t.wire, WIRE_LEN, 'samples');
        readSample(r, ts, vs);
      } else if (t.field === 3) {
        r.skip(t.wire);
        h++;
      } else if (t.field === 4) {
        r.skip(t.wire);
        e++;
      } else r.skip(t.wire);
    }
    r.leave(outer);
    if (refs.length % 2 !== 0) r.fail(`a series has an odd number of label references (${refs.length})`);
    const labels: Label[] = [];
    for (let i = 0; i < refs.length; i += 2) labels.push({ name: sym(refs[i]!), value: sym(refs[i + 1]!) });
    series.push({ labels, key: undefined, labelsStart: -1, labelsEnd: -1, from, to: ts.length, histograms: h, exemplars: e });
    histograms += h;
    exemplars += e;
  }
  return { series, ts, vs, samples: ts.length, histograms, exemplars, labelsOf: (s) => s.labels ?? [] };
}
