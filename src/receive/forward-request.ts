// The receiver-to-receiver message of `thanos.WriteableStore/RemoteWrite` (upstream pkg/store/storepb/rpc.proto):
// WriteRequest{repeated prometheus_copy.TimeSeries timeseries = 1; string tenant = 2; int64 replica = 3;
// repeated TimeSeriesTenantTuple timeseriesTenantData = 4}, TimeSeriesTenantTuple{timeseries = 1; tenant = 2}.
// prometheus_copy.TimeSeries has prompb's field numbers, so the series decode as a remote write 1.0 body.

import { CorruptionError } from '../runtime/errors.js';
import { ProtoReader, ProtoWriter, WIRE_LEN, WIRE_VARINT } from '../store/prometheus/proto-wire.js';
import { decodeWriteRequestV1, type WriteRequest, type WriteSeries } from './write-request.js';

/** One tenant's series of a forwarded request. */
export interface ForwardedPart {
  readonly tenant: string;
  readonly req: WriteRequest;
}

export interface ForwardedRequest {
  /** 1-based replica number; 0 = not replicated yet. */
  readonly replica: number;
  /** Field 1+2, then each tuple of field 4 (what newer upstream routers send). */
  readonly parts: readonly ForwardedPart[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function tagOf(r: ProtoReader): { field: number; wire: number } {
  const tag = r.uvarint();
  return { field: Math.floor(tag / 8), wire: tag & 7 };
}

function stringField(r: ProtoReader, what: string): string {
  const start = r.lenDelim();
  try {
    return utf8.decode(r.buf.subarray(start, r.pos));
  } catch {
    throw new CorruptionError('thanos.WriteRequest', 'protobuf', start, `${what} is not valid UTF-8`);
  }
}

/** Decodes a thanos.WriteRequest; malformed input is a CorruptionError naming the field and byte. */
export function decodeForwardedRequest(buf: Uint8Array): ForwardedRequest {
  const r = new ProtoReader(buf, 0, buf.length, 'thanos.WriteRequest');
  let tenant = '';
  let replica = 0;
  let hasSeries = false;
  const tuples: { start: number; end: number }[] = [];
  while (!r.done()) {
    const { field, wire } = tagOf(r);
    if (field === 1 && wire === WIRE_LEN) { hasSeries = true; r.lenDelim(); }
    else if (field === 2 && wire === WIRE_LEN) tenant = stringField(r, 'tenant');
    else if (field === 3 && wire === WIRE_VARINT) replica = r.int64();
    else if (field === 4 && wire === WIRE_LEN) {
      const start = r.lenDelim();
      tuples.push({ start, end: r.pos });
    } else if (field >= 1 && field <= 4) r.fail(`field ${field} has wire type ${wire}`);
    else r.skip(wire);
  }
  if (replica < 0) r.fail(`replica ${replica} is negative`);
  const parts: ForwardedPart[] = [];
  // As upstream: the tuples, when there are any, replace fields 1 and 2.
  if (tuples.length === 0 || hasSeries) parts.push({ tenant, req: decodeWriteRequestV1(buf) });
  for (const t of tuples) {
    const sub = buf.subarray(t.start, t.end);
    let tt = '';
    const tr = new ProtoReader(sub, 0, sub.length, 'thanos.TimeSeriesTenantTuple');
    while (!tr.done()) {
      const { field, wire } = tagOf(tr);
      if (field === 2 && wire === WIRE_LEN) tt = stringField(tr, 'tuple tenant');
      else tr.skip(wire);
    }
    parts.push({ tenant: tt, req: decodeWriteRequestV1(sub) });
  }
  return { replica, parts };
}

/**
 * Encodes `series` of `req` as a thanos.WriteRequest for `tenant` with the 1-based `replica`. Label fields of a
 * 1.0 request are copied as they came (their raw bytes are the series' key); samples are re-encoded. Histograms and
 * exemplars are not forwarded (this build stores neither).
 */
export function encodeForwardedRequest(tenant: string, replica: number, req: WriteRequest, series: readonly WriteSeries[]): Uint8Array {
  let estimate = 16 + tenant.length * 3;
  for (const s of series) estimate += 8 + (s.key?.length ?? 64) + (s.to - s.from) * 21;
  const o = new ProtoWriter(estimate);
  const { ts, vs } = req;
  for (const s of series) {
    o.uvarint(0x0a);
    const ser = o.openLen();
    if (s.key !== undefined) o.latin1(s.key);
    else {
      for (const l of req.labelsOf(s)) {
        o.uvarint(0x0a);
        const lb = o.openLen();
        o.stringField(1, l.name).stringField(2, l.value); // Label { name = 1; value = 2 }
        o.closeLen(lb);
      }
    }
    for (let i = s.from; i < s.to; i++) {
      // Sample { double value = 1; int64 timestamp = 2 }
      o.uvarint(0x12);
      const sm = o.openLen();
      o.uvarint(0x09); o.double(vs[i]!);
      o.uvarint(0x10); o.int64(ts[i]!);
      o.closeLen(sm);
    }
    o.closeLen(ser);
  }
  if (tenant !== '') o.stringField(2, tenant);
  if (replica !== 0) { o.uvarint(0x18); o.int64(replica); }
  return o.finish();
}
