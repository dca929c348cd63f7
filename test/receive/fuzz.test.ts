// Bad input never hurts receive: random bytes, bad Snappy, mutated and truncated protobuf, invalid UTF-8, huge
// label counts, NaN and far-future timestamps are posted to a real listener. Every answer is a 2xx (the mutation
// left a valid request) or a 4xx with a reason, never a 5xx; afterwards the tenants' data written before and after
// the fuzz is intact and survives a restart (WAL replay). RECEIVE_FUZZ_BODIES sets the count (`npm run
// soak:receive-fuzz` posts 100k).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeWriteRequestV1, encodeWriteRequestV2, type SeriesToWrite } from '../../src/receive/write-request-encode.js';
import { snappyEncode } from '../../src/tsdb/encoding/snappy.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { postRaw, postSeries, samplesOf, startReceiver } from './support.js';

const BODIES = Number(process.env['RECEIVE_FUZZ_BODIES'] ?? '2000');
const T = Date.now();

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 0x1_0000_0000; };
}

describe('receive under random and mutated bodies', () => {
  const seed = Number(process.env['RECEIVE_FUZZ_SEED'] ?? Date.now() % 100_000);

  it(`answers ${BODIES} bad bodies with 2xx or 4xx and a reason, and keeps every tenant intact (seed ${seed})`, async () => {
    const random = rng(seed);
    const int = (n: number): number => Math.floor(random() * n);
    const dir = await mkdtemp(path.join(tmpdir(), 'receive-fuzz-'));
    const opts = { tooFarInFutureMs: 3600_000 };
    let r = await startReceiver(opts, dir);
    try {
      const good: SeriesToWrite = { labels: [{ name: '__name__', value: 'fuzz_good' }], ts: [T - 2000, T - 1000], vs: [1, 2] };
      expect((await postSeries(r.url, [good], { headers: { 'THANOS-TENANT': 'a' } })).status).toBe(200);

      const valid = (): SeriesToWrite[] => Array.from({ length: 1 + int(5) }, (_, i) => ({
        labels: [{ name: '__name__', value: `fuzz_${int(50)}` }, { name: 'k', value: `v${i}` }],
        ts: [T + int(600_000) - 300_000], vs: [random() < 0.1 ? NaN : random() * 100],
      }));
      const mutate = (b: Uint8Array): Uint8Array => {
        const out = new Uint8Array(b);
        for (let k = 1 + int(4); k > 0 && out.length > 0; k--) out[int(out.length)] = int(256);
        return random() < 0.3 ? out.subarray(0, int(out.length + 1)) : out;
      };
      const makers: (() => { body: Uint8Array; headers?: Record<string, string> })[] = [
        () => ({ body: Uint8Array.from({ length: int(300) }, () => int(256)) }), // not snappy at all
        () => ({ body: snappyEncode(Uint8Array.from({ length: int(300) }, () => int(256))) }), // snappy of junk
        () => ({ body: snappyEncode(mutate(encodeWriteRequestV1(valid()))) }), // mutated protobuf
        () => ({ body: mutate(snappyEncode(encodeWriteRequestV1(valid()))) }), // mutated snappy
        () => ({
          body: snappyEncode(mutate(encodeWriteRequestV2(valid()))),
          headers: { 'Content-Type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' },
        }),
        () => { // invalid UTF-8 in a label value
          const b = encodeWriteRequestV1([{ labels: [{ name: '__name__', value: 'utf8_XX' }], ts: [T], vs: [1] }]);
          const at = b.indexOf(0x58);
          b[at] = 0xff;
          return { body: snappyEncode(b) };
        },
        () => ({ // huge label count with repeated names
          body: snappyEncode(encodeWriteRequestV1([{ labels: Array.from({ length: 1000 + int(2000) }, (_, i) => ({ name: i % 2 ? 'a' : 'b', value: String(i) })), ts: [T], vs: [1] }])),
        }),
        () => ({ body: snappyEncode(encodeWriteRequestV1([{ labels: [{ name: '__name__', value: 'future' }], ts: [T + 86_400_000 * (1 + int(1000))], vs: [1] }])) }),
        () => ({ body: snappyEncode(encodeWriteRequestV1([{ labels: [{ name: '__name__', value: 'huge_ts' }], ts: [2 ** 62], vs: [1] }])) }),
        () => ({ body: snappyEncode(encodeWriteRequestV1(valid())), headers: { 'THANOS-TENANT': ['../x', 'a/b', '.', '..'][int(4)]! } }),
        () => ({ body: snappyEncode(encodeWriteRequestV1(valid())), headers: { 'Content-Type': 'text/plain' } }),
      ];
      const bad: string[] = [];
      const seen = new Map<number, number>();
      for (let n = 0; n < BODIES; n += 8) {
        await Promise.all(Array.from({ length: Math.min(8, BODIES - n) }, async () => {
          const k = int(makers.length);
          const { body, headers } = makers[k]!();
          const res = await postRaw(r.url, body, { 'THANOS-TENANT': ['a', 'b'][int(2)]!, ...headers }).catch((err: unknown) => ({ status: -1, text: String(err) }));
          seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
          const ok = res.status === 200 || (res.status >= 400 && res.status < 500 && res.status !== 429 && res.text.trim().length > 5);
          if (!ok) bad.push(`maker ${k}: ${res.status} ${res.text.slice(0, 200)}`);
        }));
      }
      expect(bad.slice(0, 5)).toEqual([]);
      expect(seen.get(400) ?? 0).toBeGreaterThan(BODIES / 10);

      const after: SeriesToWrite = { labels: [{ name: '__name__', value: 'fuzz_good' }], ts: [T + 1000], vs: [3] };
      expect((await postSeries(r.url, [after], { headers: { 'THANOS-TENANT': 'a' } })).status).toBe(200);
      const check = async (): Promise<void> => {
        const got = await samplesOf(r.receiver.store!, [new Matcher('=', '__name__', 'fuzz_good')]);
        expect([...got]).toEqual([['{__name__="fuzz_good", receive="r1", tenant_id="a"}', [[T - 2000, 1], [T - 1000, 2], [T + 1000, 3]]]]);
      };
      await check();
      // Restart: both tenants' WALs replay, and the data is the same.
      await r.stop();
      r = await startReceiver(opts, dir);
      await check();
      // Tenant b, whose head took the fuzz's accepted samples (up to an hour ahead), still takes new series.
      const fresh = { labels: [{ name: '__name__', value: 'fuzz_after_restart' }], ts: [Date.now() + 3_590_000], vs: [4] };
      expect((await postSeries(r.url, [fresh], { headers: { 'THANOS-TENANT': 'b' } })).status).toBe(200);
    } finally {
      await r.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000 + BODIES * 15);
});
