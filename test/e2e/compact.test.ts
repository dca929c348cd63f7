// End to end: a FILESYSTEM bucket holding 3 days of promtool-written 2h blocks from two replicas (Thanos meta
// sections, replica="a"|"b") compacted by `thanos-ts compact` as a process. The result is checked block by block
// against the levels upstream's planner produces, and every sample is served identically by thanos-ts store + query
// and by a real Prometheus 2.42 over the raw blocks. Then `--deduplication.replica-label=replica` merges the replicas
// into one stream, and the answers stay the same.
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import type { Bucket } from '../../src/objstore/bucket.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { runCli } from '../support/cli.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { startQuery, startThanos, tempWorkDir, type ThanosProc } from '../query/support/ha-cluster.js';
import { T0, openMetrics, promtoolBlocks, uploadBlock } from '../store/bucket/support.js';
import { visibleBlocks } from '../compact/support/blocks.js';

const H = 3_600_000;
const HOURS = 72;

interface Result { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }

async function api(base: string, p: string, params: Record<string, string>): Promise<Result[]> {
  const res = await fetch(`${base}/api/v1/${p}?${new URLSearchParams(params).toString()}`, { signal: AbortSignal.timeout(60_000) });
  const body = await res.json() as { status: string; data: { result: Result[] }; error?: string };
  if (body.status !== 'success') throw new Error(`${base} ${p} ${JSON.stringify(params)}: ${body.error}`);
  return body.data.result;
}

/** Results without the external `cluster` label, sorted by their labels, for comparing Thanos with Prometheus. */
function normalise(rs: Result[]): Result[] {
  return rs.map((r) => {
    const metric = { ...r.metric };
    delete metric['cluster'];
    return { ...r, metric };
  }).sort((a, b) => (JSON.stringify(a.metric) < JSON.stringify(b.metric) ? -1 : 1));
}

const QUERIES: readonly { kind: 'query' | 'query_range'; q: string }[] = [
  // Every raw sample of every series.
  { kind: 'query', q: `{__name__=~".+"}[${HOURS + 1}h]` },
  { kind: 'query_range', q: 'http_requests' },
  { kind: 'query_range', q: 'rate(cpu_seconds[5m])' },
  { kind: 'query_range', q: 'sum by (job) (http_requests)' },
];

let work = '';
let bucket: Bucket;
let bucketYml = '';
let prom: RunningPrometheus;

/** Ranges (hours from T0) and levels of the visible blocks of each replica label value (or none). */
async function layout(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const m of await visibleBlocks(bucket)) {
    if (await bucket.exists(`${m.ulid}/deletion-mark.json`)) continue;
    const key = m.thanos.labels['replica'] ?? '-';
    // promtool ends a block one ms after its last sample (a minute before the 2h boundary): hours are rounded.
    (out[key] ??= []).push(`${Math.round((m.minTime - T0) / H)}-${Math.round((m.maxTime - T0) / H)}@L${m.compaction.level}`);
  }
  return out;
}

async function compareWithPrometheus(): Promise<void> {
  const store = await startThanos(work, `store-${Date.now()}`, ['store', `--objstore.config-file=${bucketYml}`, `--data-dir=${path.join(work, `store-data-${Date.now()}`)}`]);
  let query: ThanosProc | undefined;
  try {
    query = await startQuery(work, `query-${Date.now()}`, [store.grpcAddress], ['--query.replica-label=replica']);
    const end = String((T0 + HOURS * H) / 1000);
    for (const { kind, q } of QUERIES) {
      const params: Record<string, string> = kind === 'query'
        ? { query: q, time: end }
        : { query: q, start: String(T0 / 1000), end, step: '1800' };
      const want = normalise(await api(prom.url, kind, params));
      const got = normalise(await api(query.httpUrl, kind, params));
      expect(want.length, q).toBeGreaterThan(0);
      expect(got, q).toEqual(want);
    }
  } finally {
    await query?.proc.stop(5000);
    await store.proc.stop(5000);
  }
}

beforeAll(async () => {
  work = await tempWorkDir('e2e-compact-');
  const bucketDir = path.join(work, 'bucket');
  bucketYml = path.join(work, 'bucket.yml');
  await writeFile(bucketYml, `type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`);
  bucket = await createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`, 'e2e', nopLogger), { logger: nopLogger });
  const text = openMetrics(HOURS, 1, 2);
  // The same samples from two replicas (as receive replication or identical scrapes would give), each its own blocks.
  for (const replica of ['a', 'b']) {
    const dirs = await promtoolBlocks(work, `raw-${replica}`, text);
    expect(dirs).toHaveLength(HOURS / 2);
    for (const d of dirs) await uploadBlock(bucket, d, { cluster: 'c', replica });
  }
  // Prometheus serves replica a's raw blocks as they are: no compaction of its own, no retention cut.
  const promData = path.join(work, 'prom-data');
  await mkdir(promData, { recursive: true });
  await cp(path.join(work, 'raw-a'), promData, { recursive: true });
  prom = await startPrometheus({ dataDir: promData, workDir: path.join(work, 'prom'), flags: [
    '--storage.tsdb.retention.time=100y', '--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h',
  ] });
}, 180_000);

afterAll(async () => {
  await prom?.stop();
  await bucket?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('thanos-ts compact over two replicas of 3 days of 2h blocks', () => {
  it('compacts each replica to the blocks upstream\'s planner produces, and query answers equal Prometheus\'s', async () => {
    // The default delete delay: the inputs stay in the bucket, marked, and the store gateway still sees them.
    const r = runCli(['compact', `--objstore.config-file=${bucketYml}`, `--data-dir=${path.join(work, 'compact-1')}`,
      '--consistency-delay=0s', '--delete-delay=48h', '--downsampling.disable', '--http-address=127.0.0.1:0', '--log.level=debug'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    // T0 is a day boundary and an odd day since the epoch. The 8h windows 0-8 … 56-64 each end before the newest
    // remaining block starts (68h), so are compacted; 64-72 holds the newest block, kept out, and reaches past 68h,
    // so stays 2h blocks. The 2d window [T0-24h, T0+24h) holds 0-8, 8-16, 16-24 and ends before 68h: compacted;
    // [T0+24h, T0+72h) reaches past it: not. The 14d window likewise.
    const perReplica = ['0-24@L3', '24-32@L2', '32-40@L2', '40-48@L2', '48-56@L2', '56-64@L2', '64-66@L1', '66-68@L1', '68-70@L1', '70-72@L1'];
    expect(await layout()).toEqual({ a: perReplica, b: perReplica });
    for (const m of await visibleBlocks(bucket)) {
      if (m.compaction.level > 1) expect(m.thanos.source).toBe('compactor');
      expect(m.thanos.labels['cluster']).toBe('c');
    }
    await compareWithPrometheus();
  }, 600_000);

  it('with --deduplication.replica-label=replica merges the two replicas into one stream; answers unchanged', async () => {
    const r = runCli(['compact', `--objstore.config-file=${bucketYml}`, `--data-dir=${path.join(work, 'compact-2')}`,
      '--consistency-delay=0s', '--delete-delay=0s', '--downsampling.disable', '--deduplication.replica-label=replica',
      '--http-address=127.0.0.1:0'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const l = await layout();
    expect(Object.keys(l)).toEqual(['-']);
    // The overlapping pairs merge first (one level up), then the same windows as before.
    expect(l['-']).toEqual(['0-24@L4', '24-32@L3', '32-40@L3', '40-48@L3', '48-56@L3', '56-64@L3', '64-66@L2', '66-68@L2', '68-70@L2', '70-72@L2']);
    await compareWithPrometheus();
  }, 600_000);
});
