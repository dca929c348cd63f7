// Decoding remote-write bodies (already snappy-decoded) into one shape for the writer: prompb WriteRequest (remote
// write 1.0, proto/prompb/remote.proto) and io.prometheus.write.v2.Request (2.0: labels as references into a symbols
// table, proto/prompb/write_v2.proto). Malformed input is a CorruptionError naming the field and byte offset.

import { CorruptionError } from '../runtime/errors.js';
import { ProtoReader, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '../store/prometheus/proto-wire.js';
import type { Label } from '../tsdb/labels/labels.js';

/** One series of a request: labels as sent (not yet validated) and its float samples in request order. */
export interface WriteSeries {
  readonly labels: Label[];
  readonly ts: number[];
  readonly vs: number[];
  /** Native histogram samples sent for the series (not stored: the head holds floats only). */
  histograms: number;
  /** Exemplars sent for the series (stored only with --tsdb.max-exemplars > 0, which is refused for now). */
  exemplars: number;
}

export interface WriteRequest {
  readonly series: WriteSeries[];
  /** Totals over all series. */
  samples: number;
  histograms: number;
  exemplars: number;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A string field that must be valid UTF-8 (label names and values, symbols): invalid bytes are an error. */
function utf8String(r: ProtoReader, what: string): string {
  const start = r.lenDelim();
  const end = r.pos;
  const b = r.buf;
  if (end - start <= 64) {
    let out = '';
    let ascii = true;
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      if (c >= 0x80) { ascii = false; break; }
      out += String.fromCharCode(c);
    }
    if (ascii) return out;
  }
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

/** Decodes a prompb.WriteRequest (remote write 1.0). Metadata (field 3) is skipped, as upstream does. */
export function decodeWriteRequestV1(buf: Uint8Array): WriteRequest {
  const r = new ProtoReader(buf, 0, buf.length, 'remote write request');
  const out: WriteRequest = { series: [], samples: 0, histograms: 0, exemplars: 0 };
  while (!r.done()) {
    const { field, wire } = readTag(r);
    if (field === 1) {
      expectWire(r, wire, WIRE_LEN, 'timeseries');
      const outer = r.enter();
      const s: WriteSeries = { labels: [], ts: [], vs: [], histograms: 0, exemplars: 0 };
      while (!r.done()) {
        const t = readTag(r);
        if (t.field === 1) {
          expectWire(r, t.wire, WIRE_LEN, 'labels');
          const o2 = r.enter();
          let name = '';
          let value = '';
          while (!r.done()) {
            const lt = readTag(r);
            if (lt.field === 1 && lt.wire === WIRE_LEN) name = utf8String(r, 'label name');
            else if (lt.field === 2 && lt.wire === WIRE_LEN) value = utf8String(r, 'label value');
            else r.skip(lt.wire);
          }
          r.leave(o2);
          s.labels.push({ name, value });
        } else if (t.field === 2) {
          expectWire(r, t.wire, WIRE_LEN, 'samples');
          readSample(r, s);
        } else if (t.field === 3) {
          r.skip(t.wire);
          s.exemplars++;
        } else if (t.field === 4) {
          r.skip(t.wire);
          s.histograms++;
        } else r.skip(t.wire);
      }
      r.leave(outer);
      out.series.push(s);
      out.samples += s.ts.length;
      out.histograms += s.histograms;
      out.exemplars += s.exemplars;
    } else r.skip(wire);
  }
  return out;
}

/** A Sample message {double value = 1; int64 timestamp = 2} (same numbers in 1.0 and 2.0). */
function readSample(r: ProtoReader, s: WriteSeries): void {
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
  s.ts.push(t);
  s.vs.push(v);
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
  const out: WriteRequest = { series: [], samples: 0, histograms: 0, exemplars: 0 };
  const sym = (ref: number): string => {
    return symbols[ref] ?? r.fail(`label reference ${ref} is outside the symbols table (${symbols.length} symbols)`);
  };
  for (const at of seriesAt) {
    r.pos = at;
    r.end = buf.length;
    const outer = r.enter();
    const s: WriteSeries = { labels: [], ts: [], vs: [], histograms: 0, exemplars: 0 };
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
        readSample(r, s);
      } else if (t.field === 3) {
        r.skip(t.wire);
        s.histograms++;
      } else if (t.field === 4) {
        r.skip(t.wire);
        s.exemplars++;
      } else r.skip(t.wire);
    }
    r.leave(outer);
    if (refs.length % 2 !== 0) r.fail(`a series has an odd number of label references (${refs.length})`);
    for (let i = 0; i < refs.length; i += 2) s.labels.push({ name: sym(refs[i]!), value: sym(refs[i + 1]!) });
    out.series.push(s);
    out.samples += s.ts.length;
    out.histograms += s.histograms;
    out.exemplars += s.exemplars;
  }
  return out;
}
