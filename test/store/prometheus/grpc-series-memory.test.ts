// The sidecar's Series over real gRPC reuses its output memory across calls (slab pool, released in grpc-js's write
// callbacks) and reads Prometheus through http-stream: several answers of several MB each, two at once and then
// more in turn, must carry exactly the chunk bytes a direct remote read returns.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockWriter } from '../../../src/tsdb/block/writer.js';
import { Matcher } from '../../../src/tsdb/labels/matcher.js';
import { formatLabels } from '../../../src/tsdb/labels/labels.js';
import { PrometheusClient } from '../../../src/store/prometheus/client.js';
import { PrometheusStore } from '../../../src/store/prometheus/prometheus-store.js';
import { ChunkedFrameDecoder, RESPONSE_STREAMED_XOR_CHUNKS, encodeReadRequest } from '../../../src/store/prometheus/remote-read-codec.js';
import { snappyEncode } from '../../../src/store/prometheus/snappy.js';
import { seriesSlabs } from '../../../src/store/prometheus/slab-pool.js';
import { storeGrpcServices } from '../../../src/store/grpc-server.js';
import { GrpcStoreClient } from '../../../src/store/grpc-client.js';
import { seriesRequest } from '../../../src/store/store-api.js';
import { startGrpcServer, type RunningGrpcServer } from '../../../src/runtime/grpc-server.js';
import type { PrometheusPeer } from './prometheus-peer.js';
import { startPrometheus } from './prometheus-peer.js';

const SERIES = 3000;
const STEP = 15_000;
const HOUR = 3600_000;
const to = Math.floor((Date.now() - HOUR) / (2 * HOUR)) * 2 * HOUR;
const from = to - 2 * HOUR;
const EXT = [{ name: 'cluster', value: 'mem' }, { name: 'replica', value: '0' }];
const MATCH = [new Matcher('=', '__name__', 'mem_test')];

let dir: string;
let prom: PrometheusPeer;
let promClient: PrometheusClient;
let server: RunningGrpcServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'grpc-series-memory-'));
  const w = await BlockWriter.create(path.join(dir, 'tsdb'));
  const n = (to - from) / STEP;
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  for (let i = 0; i < SERIES; i++) {
    // Values differ per series and sample, so chunk bytes differ and a mix-up shows.
    for (let k = 0; k < n; k++) {
      ts[k] = from + k * STEP;
      vs[k] = (i * 7919 + k * k) % 100_003;
    }
    await w.addSeries([{ name: '__name__', value: 'mem_test' }, { name: 'series', value: String(i).padStart(5, '0') }], ts, vs, n);
  }
  await w.finish();
  prom = await startPrometheus(dir, { blockDuration: '2h', config: 'global:\n  external_labels:\n    cluster: mem\n    replica: "0"\n' });
  promClient = new PrometheusClient(prom.url);
  const store = new PrometheusStore(promClient, { externalLabels: () => EXT, minTime: () => from });
  server = await startGrpcServer(storeGrpcServices(store), { address: '127.0.0.1:0' });
}, 120_000);

afterAll(async () => {
  await server?.stop(0);
  promClient?.close();
  await prom?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** series key → its chunks' bytes as hex, read straight from Prometheus. */
async function direct(): Promise<Map<string, string>> {
  const res = await promClient.remoteRead(snappyEncode(encodeReadRequest([{ startMs: from, endMs: to - 1, matchers: MATCH }], [RESPONSE_STREAMED_XOR_CHUNKS])));
  const dec = new ChunkedFrameDecoder();
  const out = new Map<string, string>();
  for await (const part of res.body) {
    for (const f of dec.push(part)) {
      for (const s of f.series) out.set(formatLabels(s.labels), s.chunks.map((c) => Buffer.from(c.data).toString('hex')).join('|'));
    }
  }
  dec.end();
  return out;
}

async function viaGrpc(client: GrpcStoreClient): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const r of client.series(seriesRequest({ matchers: MATCH, minTime: from, maxTime: to - 1 }))) {
    if (r.type !== 'series') continue;
    out.set(formatLabels(r.series.labels), r.series.chunks.map((c) => Buffer.from(c.raw!.data).toString('hex')).join('|'));
  }
  return out;
}

describe('sidecar Series over gRPC with reused output memory', () => {
  it('answers concurrent and successive calls with exactly the bytes Prometheus holds', async () => {
    const want = await direct();
    expect(want.size).toBe(SERIES);
    const a = new GrpcStoreClient(`127.0.0.1:${server.port}`);
    const b = new GrpcStoreClient(`127.0.0.1:${server.port}`, { responseBatchSize: 1 });
    try {
      const check = (got: Map<string, string>): void => {
        expect(got.size).toBe(SERIES);
        let diff = 0;
        for (const [k, v] of want) if (got.get(k) !== v) diff++;
        expect(diff).toBe(0);
      };
      const [x, y] = await Promise.all([viaGrpc(a), viaGrpc(b)]);
      // Prometheus already merged the external labels in, so the keys agree as they are.
      check(x);
      check(y);
      const before = seriesSlabs.allocations;
      for (let i = 0; i < 3; i++) check(await viaGrpc(i % 2 ? a : b));
      // Successive calls draw on memory released by the earlier ones.
      expect(seriesSlabs.allocations - before).toBeLessThan(3);
    } finally {
      a.close();
      b.close();
    }
  });
});
