// The StoreAPI acceptance suite against the production stores as they run: the store gateway (BucketStore over a
// filesystem bucket of uploaded blocks, behind gRPC) and the sidecar (a `thanos-ts sidecar` process beside a real
// Prometheus 2.42, over gRPC; and PrometheusStore in process, whose object path standalone's querier reads).
// The fixture holds a series that is a prefix of another, which Prometheus sends out of the served order once it
// merges the external labels in; a test here shows Prometheus really does, so the suite's order checks bite.
// The TSDB store over a live Db (receive's and rule's store) runs it with the fixture half in a block written by
// head compaction and half still in the head, in process and behind gRPC; and receive's store over its tenants.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { MultiTsdb } from '../../src/receive/multitsdb.js';
import { TenantsStore } from '../../src/receive/tenants-store.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { PrometheusClient } from '../../src/store/prometheus/client.js';
import { PrometheusStore } from '../../src/store/prometheus/prometheus-store.js';
import { ChunkedFrameDecoder, RESPONSE_STREAMED_XOR_CHUNKS, encodeReadRequest } from '../../src/store/prometheus/remote-read-codec.js';
import { snappyEncode } from '../../src/store/prometheus/snappy.js';
import { startGrpcServer } from '../../src/runtime/grpc-server.js';
import { storeGrpcServices } from '../../src/store/grpc-server.js';
import { TsdbStore } from '../../src/store/tsdb-store.js';
import { BlockWriter } from '../../src/tsdb/block/writer.js';
import type { HeadAppender } from '../../src/tsdb/head/appender.js';
import { Db } from '../../src/tsdb/head/db.js';
import { compareLabels, formatLabels, sortLabels, type Labels } from '../../src/tsdb/labels/labels.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { startGateway } from './bucket/harness.js';
import { uploadBlock } from './bucket/support.js';
import { startPrometheus, type PrometheusPeer } from './prometheus/prometheus-peer.js';
import { eventually, startSidecar } from './prometheus/sidecar-process.js';
import { T0, describeStoreAPI, type SampleSeries } from './support/acceptance.js';

const SPLIT = T0 + 250 * 15_000;

/** Writes the fixture into `dir` as two blocks split at SPLIT (as a TSDB would hold it); returns the block dirs. */
async function writeBlocks(dir: string, data: readonly SampleSeries[]): Promise<string[]> {
  const out: string[] = [];
  for (const [from, to] of [[-Infinity, SPLIT], [SPLIT, Infinity]] as const) {
    const rows = data.map((s) => s.ts.flatMap((t, i) => (t >= from && t < to ? [i] : [])));
    if (rows.every((idx) => idx.length === 0)) continue;
    const w = await BlockWriter.create(dir);
    for (const [k, s] of data.entries()) {
      const idx = rows[k]!;
      if (idx.length > 0) await w.addSeries(s.labels, idx.map((i) => s.ts[i]!), idx.map((i) => s.vs[i]!));
    }
    out.push(path.join(dir, (await w.finish()).ulid));
  }
  return out;
}

describeStoreAPI('store gateway (BucketStore over a filesystem bucket, gRPC)', async (data, ext) => {
  const work = await mkdtemp(path.join(tmpdir(), 'acceptance-gateway-'));
  const bucket = await createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${path.join(work, 'bucket')}\n`, 'test', nopLogger), { logger: nopLogger });
  try {
    for (const b of await writeBlocks(path.join(work, 'blocks'), data)) await uploadBlock(bucket, b, Object.fromEntries(ext.map((l) => [l.name, l.value])));
    const gw = await startGateway(bucket, { dataDir: path.join(work, 'data') });
    return { store: gw.client, close: async () => { await gw.stop(); await bucket.close(); await rm(work, { recursive: true, force: true }); } };
  } catch (err) {
    await bucket.close();
    await rm(work, { recursive: true, force: true });
    throw err;
  }
});

/** A real Prometheus over the fixture's blocks, with the fixture's external labels in its config. */
async function prometheusWith(data: readonly SampleSeries[], ext: Labels): Promise<{ work: string; prom: PrometheusPeer }> {
  const work = await mkdtemp(path.join(tmpdir(), 'acceptance-prom-'));
  try {
    await writeBlocks(path.join(work, 'tsdb'), data);
    const config = `global:\n  external_labels:\n${ext.map((l) => `    ${l.name}: ${JSON.stringify(l.value)}\n`).join('')}`;
    // Blocks span ~2 h: keep Prometheus from compacting them while the suite reads.
    return { work, prom: await startPrometheus(work, { config, blockDuration: '2h' }) };
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

/** 1 h ranges: the fixture's 2 h 5 min make head compaction write its first hour as a block. */
const LIVE_DB = { chunkRange: 3600_000 };

/** Feeds the fixture through `appender` in time order, 100 samples a commit (as remote write would). */
async function appendInTimeOrder(data: readonly SampleSeries[], appender: () => Promise<HeadAppender>): Promise<void> {
  const samples = data.flatMap((s) => s.ts.map((t, i) => ({ labels: s.labels, t, v: s.vs[i]! }))).sort((a, b) => a.t - b.t);
  for (let i = 0; i < samples.length; i += 100) {
    const app = await appender();
    for (const s of samples.slice(i, i + 100)) app.append(s.labels, s.t, s.v);
    app.commit();
  }
}

/** The suite must see both parts: some samples in a block, the rest only in the head. */
function expectBlockAndHead(db: Db, written: number): void {
  if (written !== 1 || db.head.minTime === Infinity) throw new Error(`expected one block and a non-empty head, got ${written} blocks`);
}

/** A Db fed the fixture, then head-compacted once. */
async function liveDb(data: readonly SampleSeries[]): Promise<{ db: Db; work: string }> {
  const work = await mkdtemp(path.join(tmpdir(), 'acceptance-live-'));
  const db = await Db.open(path.join(work, 'tsdb'), LIVE_DB);
  await appendInTimeOrder(data, async () => db.appender());
  expectBlockAndHead(db, (await db.compactHead()).length);
  return { db, work };
}

describeStoreAPI('TSDB store over a live Db (head + a head-compacted block)', async (data, ext) => {
  const { db, work } = await liveDb(data);
  const store = TsdbStore.forDb(db, { externalLabels: ext, componentType: 'receive' });
  return { store, close: async () => { await db.close(); await rm(work, { recursive: true, force: true }); } };
});

describeStoreAPI('TSDB store over a live Db behind gRPC', async (data, ext) => {
  const { db, work } = await liveDb(data);
  const server = await startGrpcServer(storeGrpcServices(TsdbStore.forDb(db, { externalLabels: ext, componentType: 'receive' })), { address: '127.0.0.1:0' });
  const client = new GrpcStoreClient(`127.0.0.1:${server.port}`);
  return {
    store: client,
    close: async () => { client.close(); await server.stop(1000); await db.close(); await rm(work, { recursive: true, force: true }); },
  };
});

// Receive's store: the fixture written to tenant r1 (the tenant label is the fixture's `replica`, the other external
// label comes from --label), beside tenant r2 whose TSDB is open but empty, behind the per-tenant proxy and gRPC.
describeStoreAPI('receive TenantsStore (two tenants, one holding the fixture in head + block, gRPC)', async (data, ext) => {
  const work = await mkdtemp(path.join(tmpdir(), 'acceptance-receive-'));
  const tenantLabel = 'replica';
  const tenant = ext.find((l) => l.name === tenantLabel)!.value;
  const tsdbs = new MultiTsdb({
    dir: work, externalLabels: ext.filter((l) => l.name !== tenantLabel), tenantLabelName: tenantLabel, db: LIVE_DB,
    retentionMs: 0, logger: nopLogger, now: Date.now,
  });
  try {
    await tsdbs.start();
    await appendInTimeOrder(data, () => tsdbs.appender(tenant));
    await tsdbs.appender('r2');
    expectBlockAndHead(tsdbs.openTenants().find((t) => t.id === tenant)!.db, await tsdbs.compact());
    const server = await startGrpcServer(storeGrpcServices(new TenantsStore(tsdbs)), { address: '127.0.0.1:0' });
    const client = new GrpcStoreClient(`127.0.0.1:${server.port}`);
    return {
      store: client,
      // As upstream, an open tenant advertises its labels before it holds data.
      otherLabelSets: [sortLabels([...ext.filter((l) => l.name !== tenantLabel), { name: tenantLabel, value: 'r2' }])],
      close: async () => { client.close(); await server.stop(1000); await tsdbs.close(); await rm(work, { recursive: true, force: true }); },
    };
  } catch (err) {
    await tsdbs.close();
    await rm(work, { recursive: true, force: true });
    throw err;
  }
});

describeStoreAPI('sidecar (thanos-ts sidecar process beside Prometheus 2.42, gRPC)', async (data, ext) => {
  const { work, prom } = await prometheusWith(data, ext);
  try {
    const sidecar = await startSidecar(work, [`--prometheus.url=${prom.url}`, `--tsdb.path=${prom.tsdbDir}`]);
    await eventually(async () => (await fetch(`${sidecar.httpUrl}/-/ready`)).status === 200, 'the sidecar to be ready');
    const client = new GrpcStoreClient(sidecar.grpcAddress);
    return { store: client, close: async () => { client.close(); await sidecar.stop(); await prom.stop(); await rm(work, { recursive: true, force: true }); } };
  } catch (err) {
    await prom.stop();
    await rm(work, { recursive: true, force: true });
    throw err;
  }
});

describeStoreAPI('sidecar store in process (PrometheusStore.series over Prometheus 2.42)', async (data, ext) => {
  const { work, prom } = await prometheusWith(data, ext);
  const client = new PrometheusClient(prom.url);
  const store = new PrometheusStore(client, { externalLabels: () => ext, minTime: () => T0 - 3600_000 });
  return { store, close: async () => { client.close(); await prom.stop(); await rm(work, { recursive: true, force: true }); } };
});

describe('Prometheus 2.42 remote read with external labels', () => {
  it('sends a series before one it is a prefix of, which is out of order once external labels are merged', async () => {
    const ext: Labels = [{ name: 'region', value: 'eu' }];
    const mk = (labels: Labels): SampleSeries => ({ labels, ts: [T0, T0 + 15_000], vs: [1, 2] });
    const { work, prom } = await prometheusWith([
      mk([{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }]),
      mk([{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }, { name: 'path', value: '/x' }]),
    ], ext);
    const client = new PrometheusClient(prom.url);
    try {
      const req = snappyEncode(encodeReadRequest([{ startMs: T0 - 60_000, endMs: T0 + 60_000, matchers: [new Matcher('=', '__name__', 'up')] }], [RESPONSE_STREAMED_XOR_CHUNKS]));
      const res = await client.remoteRead(req);
      const dec = new ChunkedFrameDecoder();
      const got: Labels[] = [];
      for await (const part of res.body) for (const f of dec.push(part)) for (const s of f.series) got.push(s.labels);
      dec.end();
      expect(got.map(formatLabels)).toEqual(['{__name__="up", job="a", region="eu"}', '{__name__="up", job="a", path="/x", region="eu"}']);
      expect(compareLabels(got[0]!, got[1]!)).toBeGreaterThan(0);
    } finally {
      client.close();
      await prom.stop();
      await rm(work, { recursive: true, force: true });
    }
  });
});
