// The StoreAPI acceptance suite run against every implementation in this folder: the in-memory store, the gRPC
// client/server pair over loopback, the proxy merging stores split by time, and the TSDB store over blocks
// written by our block writer (split in two blocks), also behind gRPC and the proxy.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGrpcServer } from '../../src/runtime/grpc-server.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { storeGrpcServices } from '../../src/store/grpc-server.js';
import { ProxyStore } from '../../src/store/proxy.js';
import type { AggrChunk, Series, StoreAPI } from '../../src/store/store-api.js';
import { TsdbStore } from '../../src/store/tsdb-store.js';
import { BlockWriter } from '../../src/tsdb/block/writer.js';
import { encodeXor } from '../../src/tsdb/chunkenc/xor.js';
import type { Labels } from '../../src/tsdb/labels/labels.js';
import { T0, describeStoreAPI, type SampleSeries, type StoreUnderTest } from './support/acceptance.js';
import { MemoryStore } from './support/memory-store.js';

/** Samples in [from, to) of every series, cut into 120-sample XOR chunks. */
function toSeries(data: readonly SampleSeries[], from = -Infinity, to = Infinity): Series[] {
  return data.flatMap((s) => {
    const idx = s.ts.flatMap((t, i) => (t >= from && t < to ? [i] : []));
    if (idx.length === 0) return [];
    const ts = idx.map((i) => s.ts[i]!);
    const vs = idx.map((i) => s.vs[i]!);
    const chunks: AggrChunk[] = [];
    for (let a = 0; a < ts.length; a += 120) {
      const b = Math.min(ts.length, a + 120);
      chunks.push({ minTime: ts[a]!, maxTime: ts[b - 1]!, raw: { encoding: 'XOR', data: encodeXor(ts, vs, a, b) } });
    }
    return [{ labels: s.labels, chunks }];
  });
}

const SPLIT = T0 + 250 * 15_000;

async function overGrpc(inner: StoreUnderTest): Promise<StoreUnderTest> {
  const server = await startGrpcServer(storeGrpcServices(inner.store), { address: '127.0.0.1:0' });
  const client = new GrpcStoreClient(`127.0.0.1:${server.port}`);
  return { store: client, close: async () => { client.close(); await server.stop(1000); await inner.close(); } };
}

async function proxyOf(stores: StoreAPI[]): Promise<StoreUnderTest> {
  const targets = await Promise.all(stores.map(async (store, i) => ({ name: `store-${i}`, store, info: await store.info() })));
  return { store: new ProxyStore(() => targets), close: async () => {} };
}

async function tsdb(data: readonly SampleSeries[], ext: Labels): Promise<StoreUnderTest> {
  const dir = mkdtempSync(path.join(tmpdir(), 'acceptance-tsdb-'));
  for (const [from, to] of [[-Infinity, SPLIT], [SPLIT, Infinity]] as const) {
    const w = await BlockWriter.create(dir);
    for (const s of data) {
      const idx = s.ts.flatMap((t, i) => (t >= from && t < to ? [i] : []));
      await w.addSeries(s.labels, idx.map((i) => s.ts[i]!), idx.map((i) => s.vs[i]!));
    }
    await w.finish();
  }
  const store = await TsdbStore.open(dir, { externalLabels: ext });
  return { store, close: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

describeStoreAPI('MemoryStore', async (data, ext) => ({ store: new MemoryStore(toSeries(data), ext), close: async () => {} }));

describeStoreAPI('GrpcStoreClient ↔ gRPC server', async (data, ext) =>
  overGrpc({ store: new MemoryStore(toSeries(data), ext), close: async () => {} }));

describeStoreAPI('ProxyStore over two stores split by time', async (data, ext) =>
  proxyOf([new MemoryStore(toSeries(data, -Infinity, SPLIT), ext), new MemoryStore(toSeries(data, SPLIT), ext)]));

describeStoreAPI('TsdbStore over two blocks', tsdb);

describeStoreAPI('ProxyStore → gRPC → TsdbStore', async (data, ext) => {
  const remote = await overGrpc(await tsdb(data, ext));
  const proxy = await proxyOf([remote.store]);
  return { store: proxy.store, close: () => remote.close() };
});
