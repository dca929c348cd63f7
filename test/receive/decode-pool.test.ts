// --receive.decode-threads: the same remote-write requests posted to a receiver decoding on a worker thread and to
// one decoding on the HTTP thread are answered alike and store the same samples; close ends the worker.

import { describe, expect, it } from 'vitest';
import type { SeriesToWrite } from '../../src/receive/write-request-encode.js';
import { snappyEncode } from '../../src/tsdb/encoding/snappy.js';
import { sortLabels, type Labels } from '../../src/tsdb/labels/labels.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { postRaw, postSeries, samplesOf, startReceiver, type PostOptions, type TestReceiver } from './support.js';

const T = 1_700_000_000_000;
const ls = (o: Record<string, string>): Labels => sortLabels(Object.entries(o).map(([name, value]) => ({ name, value })));
const a = ls({ __name__: 'up', job: 'a' });
const b = ls({ __name__: 'up', job: 'b' });
const m0 = ls({ __name__: 'm', i: '0' });
const wide = ls({ __name__: 'm', i: 'ü' }); // not plain ASCII: the worker does not look its ref up
const fresh = ls({ __name__: 'fresh', x: '1' });
const s = (labels: Labels, ts: number[], vs: number[]): SeriesToWrite => ({ labels, ts, vs });

type Step =
  | { readonly series: SeriesToWrite[]; readonly o?: PostOptions }
  | { readonly raw: Uint8Array };

/** Known series again in later requests, in another order and among new ones, so remembered refs are used. */
const steps: Step[] = [
  { series: [s(a, [T], [1]), s(b, [T], [2]), s(m0, [T], [3]), s(wide, [T], [4])] },
  { series: [s(m0, [T + 15_000], [5]), s(b, [T + 15_000], [6]), s(fresh, [T + 15_000], [7]), s(a, [T + 15_000], [8]), s(wide, [T + 15_000], [9])] },
  { raw: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]) }, // bad snappy
  { raw: snappyEncode(new Uint8Array([0x0a, 0x50, 0x01])) }, // bad protobuf
  { series: [s(b, [T + 30_000], [10]), s(a, [T], [11]), s(fresh, [T + 30_000], [12])] }, // a: out of order
  { series: [s(fresh, [T + 45_000], [13]), s(a, [T + 45_000], [14]), s(b, [T + 45_000], [15]), s(m0, [T + 45_000, T + 60_000], [16, 17])] },
  { series: [s(a, [T + 75_000], [18]), s(ls({ __name__: 'v2only' }), [T + 75_000], [19])], o: { v2: true } },
  { series: [s(a, [T], [20]), s(fresh, [T], [21])], o: { headers: { 'THANOS-TENANT': 'team-a' } } },
  { series: [s(fresh, [T + 15_000], [22]), s(a, [T + 15_000], [23])], o: { headers: { 'THANOS-TENANT': 'team-a' } } },
  { series: [s(a, [T + 90_000], [24]), s(b, [T + 90_000], [25])] },
  { series: [] },
];

async function postAll(r: TestReceiver): Promise<string[]> {
  const out: string[] = [];
  for (const step of steps) {
    const res = 'raw' in step ? await postRaw(r.url, step.raw) : await postSeries(r.url, step.series, step.o);
    out.push(`${res.status} ${res.text.trim()} written=${res.headers.get('x-prometheus-remote-write-samples-written')}`);
  }
  return out;
}

describe('--receive.decode-threads', () => {
  it('answers and stores exactly as decoding on the HTTP thread, and close ends the worker thread', async () => {
    const threaded = await startReceiver({ decodeThreads: 1 });
    const inline = await startReceiver({ decodeThreads: 0 });
    try {
      expect(inline.receiver.decodePool).toBeUndefined();
      const pool = threaded.receiver.decodePool!;
      expect(pool.threads).toBe(0); // started on first use
      const got = await postAll(threaded);
      expect(pool.threads).toBe(1);
      const want = await postAll(inline);
      expect(got).toEqual(want);
      expect(got.map((l) => Number(l.split(' ')[0]))).toEqual([200, 200, 400, 400, 409, 200, 200, 200, 200, 200, 200]);
      expect(got[2]).toMatch(/snappy/);
      expect(got[3]).toMatch(/unmarshal prometheus.WriteRequest: .*runs past the end/);
      expect(got[4]).toMatch(/1 samples or series refused \(2 stored\): out of order sample/);

      const all = [new Matcher('=~', '__name__', '.+')];
      const stored = await samplesOf(threaded.receiver.store!, all);
      expect([...stored].sort()).toEqual([...await samplesOf(inline.receiver.store!, all)].sort());
      const tail = ', receive="r1", tenant_id="default-tenant"}';
      expect(stored.get(`{__name__="up", job="a"${tail}`)).toEqual([[T, 1], [T + 15_000, 8], [T + 45_000, 14], [T + 75_000, 18], [T + 90_000, 24]]);
      expect(stored.get(`{__name__="up", job="b"${tail}`)).toEqual([[T, 2], [T + 15_000, 6], [T + 30_000, 10], [T + 45_000, 15], [T + 90_000, 25]]);
      expect(stored.get(`{__name__="m", i="0"${tail}`)).toEqual([[T, 3], [T + 15_000, 5], [T + 45_000, 16], [T + 60_000, 17]]);
      expect(stored.get(`{__name__="m", i="ü"${tail}`)).toEqual([[T, 4], [T + 15_000, 9]]);
      expect(stored.get('{__name__="fresh", receive="r1", tenant_id="default-tenant", x="1"}')).toEqual([[T + 15_000, 7], [T + 30_000, 12], [T + 45_000, 13]]);
      expect(stored.get('{__name__="fresh", receive="r1", tenant_id="team-a", x="1"}')).toEqual([[T, 21], [T + 15_000, 22]]);
      expect(stored.size).toBe(8);
    } finally {
      await threaded.stop();
      await inline.stop();
    }
    expect(threaded.receiver.decodePool!.threads).toBe(0);
  });
});
