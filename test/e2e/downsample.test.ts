// Downsampling end to end: 84h of raw data with counter resets, backfilled by promtool 2.42, compacted into one
// block, uploaded to a filesystem bucket, downsampled by the compactor's pass (raw → 5m) and then to 1h, served by a
// store gateway over gRPC and queried through the querier's StoreQueryable and PromQL engine. The answers are compared
// with a real Prometheus 2.42 reading the raw blocks:
//   - sum/count/max/min/avg_over_time over windows aligned to the resolution: equal (relative 1e-9) on 5m and 1h
//     data (count_over_time counts raw samples on downsampled data: beyond upstream, which counts windows);
//   - rate and increase over [1h] (reading 5m data, as upstream's clamp allows): within 10% of the raw answer
//     (the 5m points see the increase over the last 55 minutes of the range and extrapolate; raw sees 59m45s);
//   - resets over [6h] on 5m data: the raw answer, off by at most 1 where a reset sits in a window cut by the range
//     edge (upstream always answers 0).
// No "not supported" warning is raised and the store answers from aggregate chunks, not raw ones.
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetaFetcher } from '../../src/block/fetcher.js';
import { withThanosSection, type ThanosMeta } from '../../src/block/meta.js';
import { downsamplePass } from '../../src/compact/downsample-pass.js';
import { FilesystemBucket } from '../../src/objstore/providers/filesystem.js';
import { Engine } from '../../src/promql/engine.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { uploadBlock, blockFiles } from '../../src/shipper/upload.js';
import { seriesRequest } from '../../src/store/store-api.js';
import { StoreQueryable } from '../../src/query/queryable.js';
import { compactBlocks } from '../../src/tsdb/compact/compactor.js';
import { downsampleBlock } from '../../src/tsdb/downsample/block.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { formatLabels } from '../../src/tsdb/labels/labels.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { promtoolCreateBlocks } from '../support/promtool.js';
import { startGateway, type Gateway } from '../store/bucket/harness.js';
import { rng } from '../tsdb/support/testdata.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1) + 7_000; // samples never fall on a window edge
const SPAN = 84 * HOUR;
const STEP = 15_000;
const Q_START = Date.UTC(2024, 0, 1) + 12 * HOUR;
const Q_END = Date.UTC(2024, 0, 1) + 78 * HOUR;
const Q_STEP = HOUR;

let dir: string;
let prom: RunningPrometheus;
let gw: Gateway;

function openMetrics(): string {
  const r = rng(11);
  const lines: string[] = ['# TYPE requests gauge'];
  for (const inst of ['a', 'b']) {
    let v = 0;
    let since = 0;
    for (let t = T0; t < T0 + SPAN; t += STEP) {
      // A counter reset about every two hours, never two within 10 minutes (as restarts go; several resets inside
      // one window count once on downsampled data, see docs/downsampling.md).
      if (++since > 40 && r() < 0.002) { v = Math.floor(r() * 5); since = 0; }
      else v += Math.floor(r() * 10 * (inst === 'a' ? 1 : 3));
      lines.push(`requests{instance="${inst}"} ${v} ${t / 1000}`);
    }
  }
  lines.push('# TYPE temperature gauge');
  for (const inst of ['a', 'b']) {
    for (let t = T0; t < T0 + SPAN; t += STEP) lines.push(`temperature{instance="${inst}"} ${(20 + 5 * Math.sin(t / 4e6) + r()).toFixed(3)} ${t / 1000}`);
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-downsample-'));
  await writeFile(join(dir, 'in.om'), openMetrics());
  const raw2h = join(dir, 'promtool');
  await promtoolCreateBlocks(join(dir, 'in.om'), raw2h);
  const blockDirs = (await readdir(raw2h)).filter((d) => /^[0-9A-Z]{26}$/.test(d)).sort().map((d) => join(raw2h, d));
  // Prometheus reads promtool's blocks as they are.
  const promData = join(dir, 'prom');
  await mkdir(promData, { recursive: true });
  for (const b of blockDirs) await cp(b, join(promData, b.slice(raw2h.length + 1)), { recursive: true });
  prom = await startPrometheus({ dataDir: promData, flags: ['--storage.tsdb.retention.time=100y'] });
  // The bucket gets one raw block of the whole span (as the compactor would have made it), then its downsampled copies.
  const compacted = join(dir, 'compacted');
  await mkdir(compacted, { recursive: true });
  const meta = (await compactBlocks(compacted, blockDirs))!;
  const bucket = new FilesystemBucket(join(dir, 'bucket'));
  await uploadBlock(bucket, join(compacted, meta.ulid), withThanosSection(meta, { labels: { cluster: 'e2e' }, source: 'compactor' }));
  const metas = [...(await new MetaFetcher(bucket).fetch()).metas.values()];
  const pass = await downsamplePass(bucket, metas, join(dir, 'work'), { concurrency: 1, logger: nopLogger });
  expect(pass.failed).toEqual([]);
  expect(pass.created.map((m) => m.thanos.downsample.resolution)).toEqual([300_000]); // 84h < 10d: no 1h by the pass
  // 1h from the 5m block, as the pass does for blocks spanning 10 days.
  const five: ThanosMeta = pass.created[0]!;
  const local5m = join(dir, 'five');
  await mkdir(join(local5m, five.ulid), { recursive: true });
  for await (const name of bucket.iter(five.ulid, { recursive: true })) {
    const rel = name.slice(five.ulid.length + 1);
    await mkdir(join(local5m, five.ulid, rel, '..'), { recursive: true });
    const chunks: Buffer[] = [];
    for await (const c of await bucket.get(name)) chunks.push(c as Buffer);
    await writeFile(join(local5m, five.ulid, rel), Buffer.concat(chunks));
  }
  const oneH = await downsampleBlock(join(local5m, five.ulid), local5m, { fromRes: 300_000, toRes: HOUR });
  await uploadBlock(bucket, oneH.dir, withThanosSection(oneH.meta, {
    labels: { cluster: 'e2e' }, source: 'compactor', downsample: { resolution: HOUR }, files: await blockFiles(oneH.dir),
  }));
  gw = await startGateway(bucket, { dataDir: join(dir, 'store') });
}, 240_000);

afterAll(async () => {
  await gw?.stop();
  await prom?.stop();
  await rm(dir, { recursive: true, force: true });
});

type Matrix = Map<string, Map<number, number>>;

async function promRange(query: string): Promise<Matrix> {
  const body = await prom.api('query_range', { query, start: String(Q_START / 1000), end: String(Q_END / 1000), step: String(Q_STEP / 1000) }) as {
    status: string; data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
  };
  expect(body.status, query).toBe('success');
  const out: Matrix = new Map();
  for (const s of body.data.result) out.set(s.metric['instance'] ?? '', new Map(s.values.map(([t, v]) => [Math.round(t * 1000), Number(v)])));
  return out;
}

async function thanosRange(query: string, msr: number): Promise<{ m: Matrix; warnings: string[] }> {
  const warnings = new Set<string>();
  const q = new StoreQueryable(gw.client, { replicaLabels: [], dedup: true, algorithm: 'penalty', partialResponse: true, maxSourceResolutionMs: msr, warnings });
  const r = await new Engine({ lookbackDeltaMs: msr > 300_000 ? HOUR : 300_000 }).rangeQuery(q, query, Q_START, Q_END, Q_STEP);
  expect(r.value.type).toBe('matrix');
  const out: Matrix = new Map();
  if (r.value.type === 'matrix') {
    for (const s of r.value.series) {
      const inst = s.labels.find((l) => l.name === 'instance')?.value ?? '';
      out.set(inst, new Map(Array.from(s.timestamps, (t, i) => [t, s.values[i]!])));
    }
  }
  return { m: out, warnings: [...warnings, ...r.warnings] };
}

function compare(query: string, want: Matrix, got: Matrix, tol: number): number {
  expect([...got.keys()].sort(), query).toEqual([...want.keys()].sort());
  let worst = 0;
  let n = 0;
  for (const [inst, w] of want) {
    const g = got.get(inst)!;
    for (const [t, v] of w) {
      const x = g.get(t);
      expect(x, `${query} ${inst} at ${new Date(t).toISOString()}`).toBeDefined();
      const rel = Math.abs(x! - v) / Math.max(1e-12, Math.abs(v));
      worst = Math.max(worst, rel);
      expect(rel, `${query} ${inst} at ${new Date(t).toISOString()}: ${x} vs ${v}`).toBeLessThanOrEqual(tol);
      n++;
    }
  }
  expect(n).toBeGreaterThan(100);
  return worst;
}

describe('downsampled data through store and query against a real Prometheus on the raw blocks', () => {
  it('the store answers a 5m request from aggregate chunks only', async () => {
    const frames = [];
    for await (const f of gw.client.series(seriesRequest({
      matchers: [new Matcher('=', '__name__', 'temperature')], minTime: Q_START, maxTime: Q_END, maxResolutionWindow: 300_000, aggregates: ['COUNT', 'SUM'],
    }))) frames.push(f);
    const series = frames.flatMap((f) => (f.type === 'series' ? [f.series] : []));
    expect(frames.filter((f) => f.type === 'warning')).toEqual([]);
    expect(series.map((s) => formatLabels(s.labels))).toEqual(['{__name__="temperature", cluster="e2e", instance="a"}', '{__name__="temperature", cluster="e2e", instance="b"}']);
    for (const s of series) for (const c of s.chunks) { expect(c.raw).toBeUndefined(); expect(c.count && c.sum).toBeTruthy(); }
  });

  for (const [res, range] of [[300_000, '1h'], [HOUR, '2h']] as const) {
    for (const fn of ['sum_over_time', 'count_over_time', 'max_over_time', 'min_over_time', 'avg_over_time']) {
      for (const metric of ['temperature', 'requests']) {
        it(`${fn}(${metric}[${range}]) on ${res / 60_000}m data equals the raw answer`, async () => {
          const q = `${fn}(${metric}[${range}])`;
          const want = await promRange(q);
          const got = await thanosRange(q, res);
          expect(got.warnings).toEqual([]);
          compare(q, want, got.m, 1e-9);
        });
      }
    }
  }

  for (const fn of ['rate', 'increase']) {
    it(`${fn}(requests[1h]) on 5m data is within 10% of the raw answer`, async () => {
      const q = `${fn}(requests[1h])`;
      const got = await thanosRange(q, HOUR); // clamped to 30m per selector: 5m data
      expect(got.warnings).toEqual([]);
      const worst = compare(q, await promRange(q), got.m, 0.1);
      console.log(`${q}: worst relative difference ${worst.toFixed(4)}`);
    });
  }

  it('resets(requests[6h]) on 5m data matches the raw answer (upstream: always 0)', async () => {
    const q = 'resets(requests[6h])';
    const want = await promRange(q);
    expect([...want.values()].some((m) => [...m.values()].some((v) => v > 0))).toBe(true);
    const got = await thanosRange(q, 300_000);
    expect(got.warnings).toEqual([]);
    // A reset in the 5m window cut by an end of the range may land on the other side of it: at most 1 off there.
    let exact = 0, n = 0;
    for (const [inst, w] of want) {
      for (const [t, v] of w) {
        const x = got.m.get(inst)?.get(t);
        expect(x, `${q} ${inst} at ${new Date(t).toISOString()}`).toBeDefined();
        expect(Math.abs(x! - v), `${q} ${inst} at ${new Date(t).toISOString()}: ${x} vs ${v}`).toBeLessThanOrEqual(1);
        if (x === v) exact++;
        n++;
      }
    }
    console.log(`${q}: ${exact} of ${n} evaluations exact, the others 1 off`);
    expect(exact / n).toBeGreaterThan(0.9);
  });
});
