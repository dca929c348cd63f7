// Routing and replication over loopback gRPC between real in-process receivers: series land on the endpoints the
// hashring names, RF=3 writes survive one dead peer (quorum 2) and not two (503), conflicts are 409, RouterOnly
// opens no TSDB, a stalled peer is capped (503 at once, bounded memory), a failed peer is backed off and a slow one is not.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Metadata, status as Status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { HashmodHashring } from '../../src/receive/hashring/hashmod.js';
import type { Endpoint, Hashring } from '../../src/receive/hashring/hashring.js';
import { decodeForwardedRequest, encodeForwardedRequest } from '../../src/receive/forward-request.js';
import type { RoutingOptions } from '../../src/receive/receiver.js';
import { writeQuorum } from '../../src/receive/router.js';
import { decodeWriteRequestV1 } from '../../src/receive/write-request.js';
import { encodeWriteRequestV1, type SeriesToWrite } from '../../src/receive/write-request-encode.js';
import { startGrpcServer, type RunningGrpcServer } from '../../src/runtime/grpc-server.js';
import { WRITEABLE_STORE_SERVICE } from '../../src/store/grpc-services.js';
import { sortLabels, type Labels } from '../../src/tsdb/labels/labels.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { freePort } from '../support/peers/process.js';
import { postSeries, samplesOf, startReceiver, type TestReceiver } from './support.js';

const T = 1_700_000_000_000;
const ls = (o: Record<string, string>): Labels => sortLabels(Object.entries(o).map(([name, value]) => ({ name, value })));
const seriesN = (n: number, t = T, v = 1): SeriesToWrite[] => Array.from({ length: n }, (_, i) => ({ labels: ls({ __name__: 'x', i: String(i) }), ts: [t], vs: [v] }));
const all = [new Matcher('=', '__name__', 'x')];

interface Node { r: TestReceiver; grpc: RunningGrpcServer; address: string }

describe('receive router', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

  /** A receiver with its gRPC server (thanos.WriteableStore); routing when `routing` is given. */
  async function node(name: string, routing?: RoutingOptions, dir?: string, grpcAddress = '127.0.0.1:0'): Promise<Node> {
    const r = await startReceiver({ externalLabels: ls({ receive: name }), ...(routing ? { routing } : {}) }, dir);
    const grpc = await startGrpcServer([r.receiver.writeableStore()], { address: grpcAddress });
    cleanup.push(async () => { await grpc.stop(0); await r.stop(); });
    return { r, grpc, address: `127.0.0.1:${grpc.port}` };
  }

  const routing = (ring: () => Hashring, rf: number, local?: string, extra: Partial<RoutingOptions['peers']> = {}, timeoutMs = 5000): RoutingOptions => ({
    hashring: ring, localEndpoint: local, replicationFactor: rf, timeoutMs,
    peers: { workers: 5, maxBackoffMs: 5000, maxInflightBytes: 64 << 20, ...extra },
  });
  const ring = (addrs: readonly string[]): HashmodHashring => new HashmodHashring(addrs.map((address): Endpoint => ({ address, az: '' })));

  it('quorum is upstream\'s: RF=2 → 1, else a majority', () => {
    expect([1, 2, 3, 4, 5].map(writeQuorum)).toEqual([1, 1, 2, 3, 3]);
  });

  it('RouterOnly with RF=3 writes every series to all three ingestors and opens no TSDB of its own', async () => {
    const ing = await Promise.all(['a', 'b', 'c'].map((n) => node(n)));
    const routerDir = path.join(await mkdtemp(path.join(tmpdir(), 'router-')), 'never');
    cleanup.push(() => rm(path.dirname(routerDir), { recursive: true, force: true }));
    const h = ring(ing.map((i) => i.address));
    const router = await node('router', routing(() => h, 3), routerDir);
    const res = await postSeries(router.r.url, seriesN(20));
    expect(res.status, res.text).toBe(200);
    for (const i of ing) expect((await samplesOf(i.r.receiver.store!, all)).size).toBe(20);
    expect(router.r.receiver.tsdbs).toBeUndefined();
    expect(existsSync(routerDir)).toBe(false);
    const metrics = await router.r.registry.getSingleMetricAsString('thanos_receive_replications_total');
    expect(metrics).toContain('thanos_receive_replications_total{result="success"} 1');
  });

  it('RouterIngestor with RF=1 keeps its own share and forwards the rest where the ring says', async () => {
    const other = await node('b');
    const selfAddress = `127.0.0.1:${await freePort()}`;
    const h = ring([selfAddress, other.address]);
    const me = (await node('a', routing(() => h, 1, selfAddress), undefined, selfAddress)).r;
    const input = seriesN(40);
    const res = await postSeries(me.url, input);
    expect(res.status, res.text).toBe(200);
    const mine = await samplesOf(me.receiver.store!, all);
    const theirs = await samplesOf(other.r.receiver.store!, all);
    expect(mine.size + theirs.size).toBe(40);
    expect(mine.size).toBeGreaterThan(0);
    expect(theirs.size).toBeGreaterThan(0);
    for (const s of input) {
      const want = h.endpointsFor('default-tenant', s.labels, 1)[0]!.address;
      const key = (m: Map<string, unknown>): boolean => [...m.keys()].some((k) => k.includes(`i="${s.labels.find((l) => l.name === 'i')!.value}"`));
      expect(want === selfAddress ? key(mine) : key(theirs)).toBe(true);
    }
  });

  it('RF=3 survives one dead ingestor (quorum 2) and answers 503 with two dead', async () => {
    const ing = await Promise.all(['a', 'b', 'c'].map((n) => node(n)));
    const h = ring(ing.map((i) => i.address));
    const router = await node('router', routing(() => h, 3, undefined, {}, 2000));
    await ing[0]!.grpc.stop(0);
    const one = await postSeries(router.r.url, seriesN(10));
    expect(one.status, one.text).toBe(200);
    await ing[1]!.grpc.stop(0);
    const two = await postSeries(router.r.url, seriesN(10, T + 1000));
    expect(two.status, two.text).toBe(503);
    expect(two.text).toMatch(/did not reach write quorum 2/);
    expect((await samplesOf(ing[2]!.r.receiver.store!, all)).size).toBe(10);
    expect(await router.r.registry.getSingleMetricAsString('thanos_receive_forward_requests_total')).toMatch(/result="error"} [1-9]/);
  });

  it('a conflict on a majority of replicas is 409 (same timestamp, different value)', async () => {
    const ing = await Promise.all(['a', 'b', 'c'].map((n) => node(n)));
    const h = ring(ing.map((i) => i.address));
    const router = await node('router', routing(() => h, 3));
    expect((await postSeries(router.r.url, seriesN(3, T, 1))).status).toBe(200);
    const again = await postSeries(router.r.url, seriesN(3, T, 1));
    expect(again.status, again.text).toBe(200);
    const dup = await postSeries(router.r.url, seriesN(3, T, 2));
    expect(dup.status, dup.text).toBe(409);
  });

  it('an already replicated request (THANOS-REPLICA) goes to that replica only', async () => {
    const ing = await Promise.all(['a', 'b', 'c'].map((n) => node(n)));
    const h = ring(ing.map((i) => i.address));
    const router = await node('router', routing(() => h, 3));
    const input = seriesN(12);
    const res = await postSeries(router.r.url, input, { headers: { 'THANOS-REPLICA': '2' } });
    expect(res.status, res.text).toBe(200);
    let total = 0;
    for (const i of ing) total += (await samplesOf(i.r.receiver.store!, all)).size;
    expect(total).toBe(12);
    const bad = await postSeries(router.r.url, input, { headers: { 'THANOS-REPLICA': '4' } });
    expect(bad.status, bad.text).toBe(400);
  });

  it('a stalled peer costs at most the in-flight cap: further writes to it fail at once with 503', async () => {
    const stalled: sendUnaryData<Buffer>[] = [];
    const peer = await startGrpcServer([{
      definition: WRITEABLE_STORE_SERVICE,
      implementation: { RemoteWrite: (_call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => { stalled.push(cb); } },
    }], { address: '127.0.0.1:0' });
    cleanup.push(async () => { for (const cb of stalled) cb(null, Buffer.alloc(0)); await peer.stop(0); });
    const h = ring([`127.0.0.1:${peer.port}`]);
    const router = await node('router', routing(() => h, 1, undefined, { maxInflightBytes: 2000 }, 3000));
    const first = postSeries(router.r.url, seriesN(30));
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const second = await postSeries(router.r.url, seriesN(30, T + 1));
    expect(second.status, second.text).toBe(503);
    expect(second.text).toMatch(/not keeping up/);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await router.r.registry.getSingleMetricAsString('thanos_receive_forward_inflight_bytes')).toMatch(/endpoint="127\.0\.0\.1:\d+"} [1-9]/);
    expect((await first).status).toBe(503);
  });

  it('a peer that answered Unavailable is backed off: the next write fails at once without calling it', async () => {
    let calls = 0;
    const peer = await startGrpcServer([{
      definition: WRITEABLE_STORE_SERVICE,
      implementation: { RemoteWrite: (_call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => { calls++; cb({ code: Status.UNAVAILABLE, details: 'replaying', metadata: new Metadata() }); } },
    }], { address: '127.0.0.1:0' });
    cleanup.push(() => peer.stop(0));
    const h = ring([`127.0.0.1:${peer.port}`]);
    const router = await node('router', routing(() => h, 1, undefined, { maxBackoffMs: 60_000 }));
    expect((await postSeries(router.r.url, seriesN(2))).status).toBe(503);
    const again = await postSeries(router.r.url, seriesN(2));
    expect(again.status).toBe(503);
    expect(again.text).toMatch(/backing off/);
    expect(calls).toBe(1);
  });

  it('a peer that was only slow (deadline exceeded) is not backed off: the next write calls it again', async () => {
    let calls = 0;
    const late: NodeJS.Timeout[] = [];
    const peer = await startGrpcServer([{
      definition: WRITEABLE_STORE_SERVICE,
      implementation: {
        RemoteWrite: (_call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
          // The first call answers after the router's deadline, the next ones at once.
          if (calls++ === 0) late.push(setTimeout(() => cb(null, Buffer.alloc(0)), 1500));
          else cb(null, Buffer.alloc(0));
        },
      },
    }], { address: '127.0.0.1:0' });
    cleanup.push(async () => { for (const t of late) clearTimeout(t); await peer.stop(0); });
    const h = ring([`127.0.0.1:${peer.port}`]);
    // The peers' clock stands still, so a backoff, once taken, would never end.
    const router = await node('router', routing(() => h, 1, undefined, { maxBackoffMs: 60_000, now: () => T }, 500));
    const slow = await postSeries(router.r.url, seriesN(2));
    expect(slow.status, slow.text).toBe(503);
    // The router answers at its own deadline; let the call's DEADLINE_EXCEEDED land before the next write.
    await new Promise((r) => setTimeout(r, 300));
    const again = await postSeries(router.r.url, seriesN(2, T + 1));
    expect(again.status, again.text).toBe(200);
    expect(calls).toBe(2);
  });
});

describe('thanos.WriteRequest', () => {
  it('round-trips series, tenant and replica with upstream\'s field numbers', () => {
    const input = seriesN(3, T, 2.5);
    const req = decodeWriteRequestV1(encodeWriteRequestV1(input));
    const wire = encodeForwardedRequest('team-a', 2, req, req.series.slice(1));
    // field 1 (timeseries, LEN) first; tenant = field 2 (0x12), replica = field 3 (0x18) last.
    expect(wire[0]).toBe(0x0a);
    expect([...wire.subarray(wire.length - 10)]).toEqual([0x12, 6, ...Buffer.from('team-a'), 0x18, 2]);
    const back = decodeForwardedRequest(wire);
    expect(back.replica).toBe(2);
    expect(back.parts.length).toBe(1);
    const p = back.parts[0]!;
    expect(p.tenant).toBe('team-a');
    expect(p.req.series.map((s) => p.req.labelsOf(s))).toEqual(input.slice(1).map((s) => s.labels));
    expect(p.req.vs).toEqual([2.5, 2.5]);
    expect(p.req.ts).toEqual([T, T]);
  });

  it('reads newer upstream routers\' timeseriesTenantData (field 4) tuples', () => {
    const ts = encodeWriteRequestV1(seriesN(2));
    const tenant = Buffer.from('t1');
    const tuple = Buffer.concat([Buffer.from(ts), Buffer.from([0x12, tenant.length]), tenant]);
    const wire = Buffer.concat([Buffer.from([0x18, 1, 0x22, tuple.length]), tuple]);
    const back = decodeForwardedRequest(wire);
    expect(back.replica).toBe(1);
    expect(back.parts.map((p) => [p.tenant, p.req.series.length])).toEqual([['t1', 2]]);
  });
});
