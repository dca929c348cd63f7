// POST /api/v1/receive over loopback into real per-tenant TSDBs: what each kind of request is answered (upstream's
// status codes) and what ends up served by the StoreAPI.

import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAuthConfig } from '../../src/receive/auth.js';
import { encodeWriteRequestV1 } from '../../src/receive/write-request-encode.js';
import { labelValuesRequest } from '../../src/store/store-api.js';
import { snappyEncode } from '../../src/tsdb/encoding/snappy.js';
import { sortLabels, type Labels } from '../../src/tsdb/labels/labels.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { postRaw, postSeries, samplesOf, startReceiver, type TestReceiver } from './support.js';

const T = 1_700_000_000_000;
const ls = (o: Record<string, string>): Labels => sortLabels(Object.entries(o).map(([name, value]) => ({ name, value })));
const up = ls({ __name__: 'up', job: 'a' });

describe('POST /api/v1/receive', () => {
  const running: TestReceiver[] = [];
  afterEach(async () => { for (const r of running.splice(0)) await r.stop(); });
  const start = async (...a: Parameters<typeof startReceiver>): Promise<TestReceiver> => {
    const r = await startReceiver(...a);
    running.push(r);
    return r;
  };

  it('stores a remote write 1.0 request under the default tenant and serves it with external and tenant labels', async () => {
    const r = await start();
    const res = await postSeries(r.url, [{ labels: up, ts: [T, T + 15_000], vs: [1, 0] }]);
    expect(res.status).toBe(200);
    const got = await samplesOf(r.receiver.store!, [new Matcher('=', '__name__', 'up')]);
    expect([...got]).toEqual([['{__name__="up", job="a", receive="r1", tenant_id="default-tenant"}', [[T, 1], [T + 15_000, 0]]]]);
    const info = await r.receiver.store!.info();
    expect(info.labelSets).toEqual([ls({ receive: 'r1', tenant_id: 'default-tenant' })]);
  });

  it('stores a remote write 2.0 request (symbols table) and reports what it wrote in the response headers', async () => {
    const r = await start();
    const res = await postSeries(r.url, [{ labels: up, ts: [T, T + 1], vs: [5, 6] }, { labels: ls({ __name__: 'x', a: 'ü' }), ts: [T], vs: [NaN] }], { v2: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-prometheus-remote-write-samples-written')).toBe('3');
    expect(res.headers.get('x-prometheus-remote-write-histograms-written')).toBe('0');
    const got = await samplesOf(r.receiver.store!, [new Matcher('=~', '__name__', 'up|x')]);
    expect(got.get('{__name__="up", job="a", receive="r1", tenant_id="default-tenant"}')).toEqual([[T, 5], [T + 1, 6]]);
    expect(got.get('{__name__="x", a="ü", receive="r1", tenant_id="default-tenant"}')?.[0]?.[1]).toBeNaN();
  });

  it('answers 400 with the reason for bad snappy, bad protobuf, invalid UTF-8 and a bad replica header', async () => {
    const r = await start();
    const bad = await postRaw(r.url, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]));
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/snappy/);
    const proto = await postRaw(r.url, snappyEncode(new Uint8Array([0x0a, 0x50, 0x01])));
    expect(proto.status).toBe(400);
    expect(proto.text).toMatch(/unmarshal prometheus.WriteRequest: .*runs past the end/);
    const body = encodeWriteRequestV1([{ labels: [{ name: '__name__', value: 'AB' }], ts: [T], vs: [1] }]);
    const at = body.indexOf(0x41);
    body[at] = 0xc3; body[at + 1] = 0x28; // an invalid two-byte sequence
    const utf = await postRaw(r.url, snappyEncode(body));
    expect(utf.status).toBe(400);
    expect(utf.text).toMatch(/not valid UTF-8/);
    const rep = await postSeries(r.url, [{ labels: up, ts: [T], vs: [1] }], { headers: { 'THANOS-REPLICA': 'x' } });
    expect(rep.status).toBe(400);
    const v3 = await postRaw(r.url, snappyEncode(body), { 'Content-Type': 'application/x-protobuf;proto=io.prometheus.write.v3.Request' });
    expect(v3.status).toBe(415);
    expect((await samplesOf(r.receiver.store!, [new Matcher('=~', '__name__', '.+')])).size).toBe(0);
    // An empty request (no series; metadata only) is answered 200 at once, in both versions.
    expect((await postSeries(r.url, [])).status).toBe(200);
    const empty2 = await postSeries(r.url, [], { v2: true });
    expect(empty2.status).toBe(200);
    expect(empty2.headers.get('x-prometheus-remote-write-samples-written')).toBe('0');
  });

  it('answers 409 for out-of-order and duplicate samples and keeps the good samples of the request', async () => {
    const r = await start();
    expect((await postSeries(r.url, [{ labels: up, ts: [T + 60_000], vs: [1] }])).status).toBe(200);
    const res = await postSeries(r.url, [
      { labels: up, ts: [T, T + 60_000, T + 120_000], vs: [9, 2, 3] }, // older, duplicate with another value, new
      { labels: ls({ __name__: 'other' }), ts: [T], vs: [7] },
      { labels: [{ name: 'b', value: '1' }, { name: 'a', value: '2' }], ts: [T], vs: [1] }, // labels out of order
    ]);
    expect(res.status).toBe(409);
    expect(res.text).toMatch(/3 samples or series refused \(2 stored\): out of order sample/);
    const got = await samplesOf(r.receiver.store!, [new Matcher('=~', '__name__', 'up|other')]);
    expect(got.get('{__name__="up", job="a", receive="r1", tenant_id="default-tenant"}')).toEqual([[T + 60_000, 1], [T + 120_000, 3]]);
    expect(got.get('{__name__="other", receive="r1", tenant_id="default-tenant"}')).toEqual([[T, 7]]);
    // A retry of an accepted request (same timestamps and values) is harmless.
    expect((await postSeries(r.url, [{ labels: up, ts: [T + 120_000], vs: [3] }])).status).toBe(200);
  });

  it('refuses samples beyond --tsdb.too-far-in-future.time-window with 409', async () => {
    const now = T;
    const r = await start({ tooFarInFutureMs: 60_000, now: () => now });
    const res = await postSeries(r.url, [{ labels: up, ts: [now, now + 3600_000], vs: [1, 2] }]);
    expect(res.status).toBe(409);
    expect(res.text).toMatch(/too-far-in-future/);
    expect([...(await samplesOf(r.receiver.store!, [new Matcher('=', '__name__', 'up')])).values()]).toEqual([[[now, 1]]]);
  });

  it('puts each tenant in its own TSDB and label set, from the tenant header', async () => {
    const r = await start();
    expect((await postSeries(r.url, [{ labels: up, ts: [T], vs: [1] }], { headers: { 'THANOS-TENANT': 'team-a' } })).status).toBe(200);
    expect((await postSeries(r.url, [{ labels: up, ts: [T], vs: [2] }], { headers: { 'THANOS-TENANT': 'team-b' } })).status).toBe(200);
    expect((await postSeries(r.url, [{ labels: up, ts: [T], vs: [3] }], { headers: { 'THANOS-TENANT': '../etc' } })).status).toBe(400);
    expect((await r.receiver.store!.labelValues(labelValuesRequest('tenant_id'))).values).toEqual(['team-a', 'team-b']);
    const b = await samplesOf(r.receiver.store!, [new Matcher('=', 'tenant_id', 'team-b')]);
    expect([...b]).toEqual([['{__name__="up", job="a", receive="r1", tenant_id="team-b"}', [[T, 2]]]]);
    expect((await r.receiver.store!.info()).labelSets).toEqual([ls({ receive: 'r1', tenant_id: 'team-a' }), ls({ receive: 'r1', tenant_id: 'team-b' })]);
  });

  it('applies the limits file (413 size/series/samples, 429 head series) and picks up a change', async () => {
    const dir = (await import('node:os')).tmpdir();
    const file = path.join(dir, `limits-${process.pid}-${Date.now()}.yaml`);
    await writeFile(file, 'write:\n  default:\n    request:\n      series_limit: 2\n      samples_limit: 3\n    head_series_limit: 3\n  tenants:\n    small:\n      request:\n        size_bytes_limit: 20\n');
    const r = await start({ limitsFile: file });
    const s = (n: number): { labels: Labels; ts: number[]; vs: number[] }[] => Array.from({ length: n }, (_, i) => ({ labels: ls({ __name__: 'm', i: String(i) }), ts: [T], vs: [i] }));
    expect((await postSeries(r.url, s(3))).text).toMatch(/too many timeseries: 3, limit 2/);
    expect((await postSeries(r.url, [{ labels: up, ts: [T, T + 1, T + 2, T + 3], vs: [1, 1, 1, 1] }])).status).toBe(413);
    expect((await postSeries(r.url, s(2), { headers: { 'THANOS-TENANT': 'small' } })).text).toMatch(/write request too large/);
    expect((await postSeries(r.url, s(2))).status).toBe(200);
    expect((await postSeries(r.url, [{ labels: up, ts: [T], vs: [1] }])).status).toBe(200); // 3 head series now
    const limited = await postSeries(r.url, [{ labels: up, ts: [T + 1], vs: [1] }]);
    expect(limited.status).toBe(429);
    expect(limited.text).toMatch(/tenant is above active series limit/);
    await writeFile(file, 'write:\n  default:\n    head_series_limit: 0\n');
    expect(r.receiver.limits.reload()).toBe(true);
    expect((await postSeries(r.url, [{ labels: up, ts: [T + 1], vs: [1] }])).status).toBe(200);
    // A broken new version keeps the old limits.
    await writeFile(file, 'write:\n  default:\n    bogus: 1\n');
    expect(r.receiver.limits.reload()).toBe(false);
    const metrics = await r.registry.metrics();
    expect(metrics).toMatch(/thanos_receive_head_series_limited_requests_total\{tenant="default-tenant"\} 1/);
    expect(metrics).toMatch(/thanos_receive_limits_config_reload_err_total 1/);
    expect(metrics).toMatch(/thanos_receive_write_limits_hit_count\{tenant="default-tenant",limit="series"\} 1/);
  });

  it('with an auth config, takes the tenant from the bearer token and refuses another tenant (401/403)', async () => {
    const auth = parseAuthConfig('tokens:\n  - tenant: team-a\n    token: token-aaaa-1\n  - tenant: team-b\n    token: token-bbbb-2\n', 'test');
    const r = await start({ auth });
    const w = (h: Record<string, string>): Promise<{ status: number; text: string }> => postSeries(r.url, [{ labels: up, ts: [T], vs: [1] }], { headers: h });
    expect((await w({})).status).toBe(401);
    expect((await w({ Authorization: 'Bearer nope-nope-nope' })).status).toBe(401);
    const forbidden = await w({ Authorization: 'Bearer token-aaaa-1', 'THANOS-TENANT': 'team-b' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.text).toMatch(/writes as tenant team-a, not team-b/);
    expect((await w({ Authorization: 'Bearer token-aaaa-1' })).status).toBe(200);
    expect((await w({ Authorization: 'Bearer token-bbbb-2', 'THANOS-TENANT': 'team-b' })).status).toBe(200);
    expect((await r.receiver.store!.labelValues(labelValuesRequest('tenant_id'))).values).toEqual(['team-a', 'team-b']);
  });

  it('answers 503 before reading the body when requests in progress hold --receive.max-inflight-request-bytes, and admits again once they end', async () => {
    const body = snappyEncode(encodeWriteRequestV1([{ labels: up, ts: [T], vs: [1] }]));
    const r = await start({ maxInflightRequestBytes: body.length + 10 });
    const { port, pathname } = new URL(r.url);
    // A request whose body is only half sent stays in progress, holding its declared length.
    const held = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => held.once('connect', resolve));
    const answer = new Promise<string>((resolve) => { let got = ''; held.on('data', (c: Buffer) => { got += c.toString(); if (got.includes('\r\n\r\n')) resolve(got); }); });
    held.write(`POST ${pathname} HTTP/1.1\r\nHost: x\r\nContent-Encoding: snappy\r\nContent-Length: ${body.length}\r\n\r\n`);
    held.write(body.subarray(0, 3));
    await expect.poll(() => r.receiver.handler.inflightRequestBytes).toBe(body.length);
    const refused = await postRaw(r.url, body);
    expect(refused.status).toBe(503);
    expect(refused.text).toMatch(/over --receive.max-inflight-request-bytes \(\d+ bytes of requests in progress\)/);
    held.write(body.subarray(3));
    expect(await answer).toMatch(/^HTTP\/1.1 200/);
    held.destroy();
    await expect.poll(() => r.receiver.handler.inflightRequestBytes).toBe(0);
    expect((await postRaw(r.url, body)).status).toBe(200);
    // A lone request is admitted even when it is bigger than the cap.
    const small = await start({ maxInflightRequestBytes: 1 });
    expect((await postRaw(small.url, body)).status).toBe(200);
  });
});
