// End to end: `thanos-ts store` as a real process over a FILESYSTEM bucket of promtool blocks, with a MEMCACHED
// index cache (real memcached): ready after the first sync, gRPC answers equal promtool's dump, the cache is hit on
// repeated queries, and a restart reuses the index-headers in --data-dir.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { labelValuesRequest, seriesRequest } from '../../src/store/store-api.js';
import { formatLabels } from '../../src/tsdb/labels/labels.js';
import { Matcher, matchesAll } from '../../src/tsdb/labels/matcher.js';
import { startMemcached, type Memcached } from '../support/peers/memcached.js';
import { freePort, spawnPeer, waitForHttp, type PeerProcess } from '../support/peers/process.js';
import { collectSeries } from '../store/bucket/harness.js';
import { T0, openMetrics, promtoolBlocks, promtoolDump, samplesOf, uploadBlock, type SampleMap } from '../store/bucket/support.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(REPO_ROOT, 'src', 'cmd', 'main.ts');

interface StoreProc {
  readonly proc: PeerProcess;
  readonly http: string;
  readonly grpc: string;
  /** Sum of every sample of a metric in /metrics whose labels contain `having`. */
  metric(name: string, having?: string): Promise<number>;
}

let work = '';
let memcached: Memcached;
let args: string[] = [];
const expected: SampleMap = new Map();
let seq = 0;

async function startStore(): Promise<StoreProc> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const proc = spawnPeer(`store-${++seq}`, process.execPath, ['--import', 'tsx', MAIN, 'store',
    `--http-address=127.0.0.1:${httpPort}`, `--grpc-address=127.0.0.1:${grpcPort}`, ...args], { logDir: work, cwd: REPO_ROOT });
  const http = `http://127.0.0.1:${httpPort}`;
  try {
    await waitForHttp(`${http}/-/ready`, proc, 60_000, (s) => s === 200);
  } catch (err) {
    await proc.stop(1000);
    throw new Error(`store did not become ready: ${readFileSync(proc.logFile, 'utf8').slice(-2000)}`, { cause: err });
  }
  return {
    proc, http, grpc: `127.0.0.1:${grpcPort}`,
    async metric(name, having = '') {
      const text = await (await fetch(`${http}/metrics`)).text();
      return text.split('\n').filter((l) => (l.startsWith(name + ' ') || l.startsWith(name + '{')) && l.includes(having))
        .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    },
  };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'e2e-store-'));
  memcached = await startMemcached(work);
  const bucketDir = path.join(work, 'bucket');
  const bucket = await createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`, 'e2e', nopLogger), { logger: nopLogger });
  for (const d of await promtoolBlocks(work, 'a', openMetrics(5, 1))) await uploadBlock(bucket, d, { cluster: 'a', replica: '0' });
  for (const d of await promtoolBlocks(work, 'b', openMetrics(3, 2))) await uploadBlock(bucket, d, { cluster: 'b', replica: '0' });
  await bucket.close();
  for (const [k, v] of promtoolDump(path.join(work, 'a'), { cluster: 'a', replica: '0' })) expected.set(k, v);
  for (const [k, v] of promtoolDump(path.join(work, 'b'), { cluster: 'b', replica: '0' })) expected.set(k, v);
  await writeFile(path.join(work, 'bucket.yml'), `type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`);
  await writeFile(path.join(work, 'cache.yml'), `type: MEMCACHED\nconfig:\n  addresses: ["${memcached.address}"]\n  timeout: 2s\nenabled_items: [Postings, Series]\n`);
  args = [
    `--objstore.config-file=${path.join(work, 'bucket.yml')}`,
    `--index-cache.config-file=${path.join(work, 'cache.yml')}`,
    `--data-dir=${path.join(work, 'data')}`,
    '--ignore-deletion-marks-delay=1h',
  ];
}, 120_000);

afterAll(async () => {
  await memcached?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('thanos-ts store', () => {
  it('serves the bucket over gRPC, uses memcached, and reuses index-headers after a restart', async () => {
    const first = await startStore();
    const client = new GrpcStoreClient(first.grpc);
    try {
      const info = await client.info();
      expect(info.labelSets.map(formatLabels)).toEqual(['{cluster="a", replica="0"}', '{cluster="b", replica="0"}']);
      const matchers = [new Matcher('=', '__name__', 'http_requests'), new Matcher('=', 'code', '500')];
      const { series } = await collectSeries(client, seriesRequest({ matchers }));
      const want = [...expected.values()].filter((e) => matchesAll(matchers, e.labels))
        .map((e) => ({ labels: formatLabels(e.labels), ts: e.ts, vs: e.vs }))
        .sort((x, y) => (x.labels < y.labels ? -1 : 1));
      expect(want.length).toBeGreaterThan(0);
      expect(series.map((s) => ({ labels: formatLabels(s.labels), ...samplesOf(s, T0 - 1, T0 + 6 * 3600_000) }))).toEqual(want);
      const hitsBefore = await first.metric('thanos_store_index_cache_hits_total');
      await collectSeries(client, seriesRequest({ matchers }));
      await expect.poll(() => first.metric('thanos_store_index_cache_hits_total')).toBeGreaterThan(hitsBefore);
      const values = await client.labelValues(labelValuesRequest('code'));
      expect(values.values).toEqual(['200', '500']);
      expect(await first.metric('thanos_bucket_store_indexheader_build_bytes_total')).toBeGreaterThan(0);
      // The families upstream's store dashboard and ThanosStoreGrpcErrorRate read.
      expect(await first.metric('grpc_server_handled_total', 'grpc_service="thanos.Store",grpc_method="Series",grpc_code="OK"')).toBe(2);
      expect(await first.metric('grpc_server_handling_seconds_count', 'grpc_method="LabelValues"')).toBe(1);
      expect(await first.metric('http_requests_total', 'handler="/-/ready"')).toBeGreaterThan(0);
      expect(await first.metric('thanos_bucket_store_series_gate_queries_total')).toBe(2);
      expect(await first.metric('thanos_bucket_store_series_gate_queries_max')).toBe(20);
      expect(await first.metric('thanos_bucket_store_series_gate_duration_seconds_count')).toBe(2);
      expect(await first.metric('thanos_bucket_store_series_blocks_queried_count')).toBe(2);
      expect(await first.metric('thanos_bucket_store_series_blocks_queried_sum')).toBeGreaterThan(0);
      expect(await first.metric('thanos_bucket_store_series_result_series_sum')).toBe(2 * want.length);
      expect(await first.metric('thanos_bucket_store_sent_chunk_size_bytes_count')).toBe(2 * want.length);
      // The second call found the postings and series in memcached: touched twice, fetched from the bucket once.
      const touched = await first.metric('thanos_bucket_store_series_data_touched_sum', 'data_type="series"');
      const fetched = await first.metric('thanos_bucket_store_series_data_fetched_sum', 'data_type="series"');
      expect(touched).toBeGreaterThan(0);
      expect(fetched).toBeLessThan(touched);
    } finally {
      client.close();
      await first.proc.stop(10_000);
    }

    const second = await startStore();
    try {
      expect(await second.metric('thanos_bucket_store_blocks_loaded')).toBe(5);
      expect(await second.metric('thanos_bucket_store_indexheader_build_bytes_total')).toBe(0);
      // meta.json comes from the local meta-syncer cache (the only GETs are the deletion-mark probes, one per block);
      // from each index only the small label offset table is read by range.
      expect(await second.metric('thanos_objstore_bucket_operations_total', 'operation="get"')).toBe(5);
      expect(await second.metric('thanos_objstore_bucket_operations_total', 'operation="get_range"')).toBeLessThanOrEqual(10);
    } finally {
      await second.proc.stop(10_000);
    }
  }, 120_000);
});
