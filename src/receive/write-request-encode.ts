// Encoding remote-write requests (1.0 prompb.WriteRequest and 2.0 io.prometheus.write.v2.Request): what a sender
// puts on the wire. Used by the crash-test sender, the benchmark and tests; receive itself only decodes.

import type { Labels } from '../tsdb/labels/labels.js';
import { ProtoWriter } from '../store/prometheus/proto-wire.js';

export interface SeriesToWrite {
  readonly labels: Labels;
  readonly ts: readonly number[];
  readonly vs: readonly number[];
}

/** Sample { double value = 1; int64 timestamp = 2 } as field 2 of a TimeSeries. */
function sample(w: ProtoWriter, t: number, v: number): void {
  w.uvarint(0x12);
  const at = w.openLen();
  w.uvarint(0x09).double(v).uvarint(0x10).int64(t);
  w.closeLen(at);
}

/** prompb.WriteRequest with the given series (labels as given, not re-sorted). */
export function encodeWriteRequestV1(series: readonly SeriesToWrite[]): Uint8Array {
  const w = new ProtoWriter(4096);
  for (const s of series) {
    w.uvarint(0x0a);
    const ts = w.openLen();
    for (const l of s.labels) {
      w.uvarint(0x0a);
      const lb = w.openLen();
      w.stringField(1, l.name).stringField(2, l.value);
      w.closeLen(lb);
    }
    for (let i = 0; i < s.ts.length; i++) sample(w, s.ts[i]!, s.vs[i]!);
    w.closeLen(ts);
  }
  return w.finish().slice();
}

/** io.prometheus.write.v2.Request: a symbols table ("" first, as the spec requires) and series referring to it. */
export function encodeWriteRequestV2(series: readonly SeriesToWrite[]): Uint8Array {
  const symbols = new Map<string, number>([['', 0]]);
  const ref = (s: string): number => {
    let r = symbols.get(s);
    if (r === undefined) { r = symbols.size; symbols.set(s, r); }
    return r;
  };
  const refs = series.map((s) => s.labels.flatMap((l) => [ref(l.name), ref(l.value)]));
  const w = new ProtoWriter(4096);
  for (const s of symbols.keys()) w.stringField(4, s);
  series.forEach((s, k) => {
    w.uvarint(0x2a);
    const ts = w.openLen();
    w.uvarint(0x0a);
    const packed = w.openLen();
    for (const r of refs[k]!) w.uvarint(r);
    w.closeLen(packed);
    for (let i = 0; i < s.ts.length; i++) sample(w, s.ts[i]!, s.vs[i]!);
    w.closeLen(ts);
  });
  return w.finish().slice();
}
