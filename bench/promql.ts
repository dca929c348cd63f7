// PromQL benchmark: a real 24 h block of 10k series at 15 s (counters with job/instance/code/handler, classic
// histograms, gauges), queried by our engine reading the block directly and by Prometheus 2.42 started on the same
// data dir. Prints per query and mode our latency, Prometheus's and the ratio, then the median ratio.
// Run: npm run bench:promql   (the block is generated once and cached under $TMPDIR/thanos-ts-bench-promql-v1)

import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Label, Labels } from '../src/tsdb/labels/labels.js';
import { compareLabels, sortLabels } from '../src/tsdb/labels/labels.js';
import type { Matcher } from '../src/tsdb/labels/matcher.js';
import { BlockWriter } from '../src/tsdb/block/writer.js';
import { BlockReader, sampleIterator } from '../src/tsdb/block/reader.js';
import { ChunkSeriesIterator } from '../src/tsdb/block/series-iterator.js';
import { Engine } from '../src/promql/engine.js';
import type { Queryable, SelectHints, StorageSeries } from '../src/promql/queryable.js';
import type { QueryValue } from '../src/promql/value.js';
import { startPrometheus } from '../test/support/prometheus.js';

const STEP_MS = 15_000;
const HOUR = 3_600_000;
const SAMPLES = (24 * HOUR) / STEP_MS;
const JOBS = 5;
const INSTANCES = 10;
const HANDLERS = 10;
const CODES = ['200', '201', '404', '500', '503'];
const LES = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
/** Timed runs per query and mode (median reported); JIT warm-up runs before them (cheap instant queries get more). */
const RUNS = 3;
const WARMUP = { instant: 5, range: 1 } as const;

const QUERIES: readonly string[] = [
  'rate(http_requests_total{job="job-1"}[5m])',
  'sum by (job) (rate(http_requests_total[5m]))',
  'sum by (job, code) (rate(http_requests_total{code=~"5.."}[5m]))',
  'histogram_quantile(0.99, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m])))',
  'topk(5, sum by (handler) (rate(http_requests_total[5m])))',
  'avg_over_time(node_cpu_usage{job="job-2"}[10m])',
  'sum by (job, instance, handler, code) (rate(http_requests_total{job="job-0"}[5m])) / on (job, instance, handler) group_left sum by (job, instance, handler) (rate(http_request_duration_seconds_count{job="job-0"}[5m]))',
  'max_over_time(sum by (job) (rate(http_requests_total[5m]))[1h:1m])',
  'sum(rate(http_request_duration_seconds_sum[5m])) / sum(rate(http_request_duration_seconds_count[5m]))',
  'count by (job) (node_cpu_usage > 50)',
  'sum by (instance) (increase(http_requests_total{job="job-3"}[1h]))',
];

/** Deterministic PRNG (mulberry32) so every run builds the same block. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function lbls(rec: Record<string, string>): Labels {
  return sortLabels(Object.entries(rec).map(([name, value]): Label => ({ name, value })));
}

interface SeriesSpec {
  readonly labels: Labels;
  /** Fills vs for the timestamps; `seed` makes every series different. */
  readonly fill: (vs: Float64Array, seed: number) => void;
}

function seriesSpecs(): SeriesSpec[] {
  const out: SeriesSpec[] = [];
  const counter = (vs: Float64Array, seed: number): void => {
    const r = rng(seed);
    const rate = 1 + r() * 50;
    let v = 0;
    for (let i = 0; i < vs.length; i++) {
      v += rate * 15 * (0.5 + r());
      if (r() < 0.0002) v = 0; // an occasional counter reset (process restart)
      vs[i] = Math.round(v);
    }
  };
  const gauge = (vs: Float64Array, seed: number): void => {
    const r = rng(seed);
    let v = r() * 100;
    for (let i = 0; i < vs.length; i++) {
      v = Math.min(100, Math.max(0, v + (r() - 0.5) * 10));
      vs[i] = Math.round(v * 100) / 100;
    }
  };
  for (let j = 0; j < JOBS; j++) {
    for (let n = 0; n < INSTANCES; n++) {
      const base = { job: `job-${j}`, instance: `10.0.${j}.${n}:9090` };
      for (let h = 0; h < HANDLERS; h++) {
        const handler = `/api/v1/handler-${h}`;
        for (const code of CODES) out.push({ labels: lbls({ __name__: 'http_requests_total', ...base, handler, code }), fill: counter });
        // A classic histogram: cumulative buckets share one observation stream per (job, instance, handler).
        LES.forEach((le, k) => {
          out.push({
            labels: lbls({ __name__: 'http_request_duration_seconds_bucket', ...base, handler, le }),
            fill: (vs, seed) => histogramColumn(vs, seed - k, k),
          });
        });
        out.push({ labels: lbls({ __name__: 'http_request_duration_seconds_count', ...base, handler }), fill: (vs, seed) => histogramColumn(vs, seed, LES.length - 1) });
        out.push({ labels: lbls({ __name__: 'http_request_duration_seconds_sum', ...base, handler }), fill: (vs, seed) => histogramColumn(vs, seed, -1) });
      }
      for (let c = 0; c < 10; c++) out.push({ labels: lbls({ __name__: 'node_cpu_usage', ...base, cpu: String(c) }), fill: gauge });
    }
  }
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

/** Bucket k's cumulative count (k = -1: the sum of observations) of a histogram keyed by `stream`. */
function histogramColumn(vs: Float64Array, stream: number, k: number): void {
  const r = rng(Math.floor(stream / 100) * 100 + 7);
  const share = [0.02, 0.05, 0.12, 0.25, 0.45, 0.65, 0.8, 0.9, 0.96, 0.99, 0.997, 1];
  let total = 0;
  let sum = 0;
  for (let i = 0; i < vs.length; i++) {
    const n = Math.floor(5 + r() * 30);
    total += n;
    sum += n * (0.05 + r() * 0.4);
    vs[i] = k < 0 ? Math.round(sum * 1000) / 1000 : Math.floor(total * share[k]!);
  }
}

async function buildBlock(dataDir: string, end: number): Promise<void> {
  const start = end - 24 * HOUR;
  const ts = new Float64Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) ts[i] = start + i * STEP_MS;
  const vs = new Float64Array(SAMPLES);
  const w = await BlockWriter.create(dataDir, { minTime: start, maxTime: start + 24 * HOUR });
  const specs = seriesSpecs();
  let seed = 1;
  for (const s of specs) {
    s.fill(vs, seed);
    seed += s.labels.some((l) => l.name === 'le') ? 1 : 100;
    await w.addSeries(s.labels, ts, vs);
  }
  const meta = await w.finish();
  console.log(`built block ${meta.ulid}: ${meta.stats?.numSeries} series, ${meta.stats?.numSamples} samples`);
}

/** Our engine's view of one block: the Queryable boundary over BlockReader. */
function blockQueryable(reader: BlockReader): Queryable {
  return {
    async *select(matchers: readonly Matcher[], hints: SelectHints, signal: AbortSignal): AsyncIterable<StorageSeries> {
      // The engine drains one series before the next (Queryable contract), so one iterator serves them all.
      const reuse = new ChunkSeriesIterator();
      for await (const s of reader.select(matchers, hints.start, hints.end, { signal })) {
        yield { labels: s.labels, iterator: () => sampleIterator(s, hints.start, hints.end, reuse) };
      }
    },
  };
}

function seriesCount(v: QueryValue): number {
  switch (v.type) {
    case 'vector': return v.samples.length;
    case 'matrix': return v.series.length;
    case 'scalar': case 'string': return 1;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface PromResponse {
  status: string;
  error?: string;
  data?: { result?: unknown[]; resultType?: string; stats?: { timings?: { execTotalTime?: number } } };
}

async function main(): Promise<void> {
  const end = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
  const root = path.join(os.tmpdir(), 'thanos-ts-bench-promql-v1');
  const dataDir = path.join(root, 'data');
  const marker = path.join(root, `end-${end}`);
  if (!existsSync(marker)) {
    await rm(root, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true });
    const t0 = performance.now();
    await buildBlock(dataDir, end);
    await mkdir(marker);
    console.log(`block written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const blockDir = (await readdir(dataDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && /^[0-9A-Z]{26}$/.test(e.name)).map((e) => path.join(dataDir, e.name))[0];
  if (!blockDir) throw new Error(`no block in ${dataDir}`);
  // Prometheus does not verify chunk CRCs on the query path either; verifying is the compactor's and tools' job.
  const reader = await BlockReader.open(blockDir, { verifyChecksums: false });
  const q = blockQueryable(reader);
  const engine = new Engine({ maxSamples: 50_000_000, timeoutMs: 600_000 });
  const prom = await startPrometheus({
    dataDir, flags: ['--storage.tsdb.retention.time=3650d', '--query.timeout=10m', '--query.max-samples=50000000'],
  });
  const rows: { query: string; mode: string; ours: number; prom: number; promWall: number; series: string }[] = [];
  try {
    const start = end - 24 * HOUR;
    for (const query of QUERIES) {
      for (const mode of ['instant', 'range'] as const) {
        const runOurs = async (): Promise<QueryValue> => (mode === 'instant'
          ? await engine.instantQuery(q, query, end)
          : await engine.rangeQuery(q, query, start, end, 60_000)).value;
        const params: Record<string, string> = mode === 'instant'
          ? { query, time: String(end / 1000), stats: 'all' }
          : { query, start: String(start / 1000), end: String(end / 1000), step: '60', stats: 'all' };
        const runProm = async (): Promise<{ wall: number; exec: number; res: PromResponse }> => {
          const t0 = performance.now();
          const resp = await fetch(`${prom.url}/api/v1/${mode === 'instant' ? 'query' : 'query_range'}`, {
            method: 'POST', body: new URLSearchParams(params), signal: AbortSignal.timeout(600_000),
          });
          const body = await resp.text();
          const wall = performance.now() - t0;
          const res = JSON.parse(body) as PromResponse;
          if (res.status !== 'success') throw new Error(`prometheus: ${query}: ${res.error ?? body.slice(0, 200)}`);
          return { wall, exec: (res.data?.stats?.timings?.execTotalTime ?? wall / 1000) * 1000, res };
        };
        // Warm-up runs for both (page cache; V8's JIT for us), then the median of RUNS timed runs.
        let ourValue = await runOurs();
        let promFirst = await runProm();
        for (let i = 1; i < WARMUP[mode]; i++) {
          ourValue = await runOurs();
          promFirst = await runProm();
        }
        const ours: number[] = [];
        const promExec: number[] = [];
        const promWall: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const t0 = performance.now();
          await runOurs();
          ours.push(performance.now() - t0);
          const p = await runProm();
          promExec.push(p.exec);
          promWall.push(p.wall);
        }
        rows.push({
          query, mode, ours: median(ours), prom: median(promExec), promWall: median(promWall),
          series: `${seriesCount(ourValue)}/${promFirst.res.data?.result?.length ?? 0}`,
        });
        const r = rows[rows.length - 1]!;
        console.log(`${mode.padEnd(7)} ours ${r.ours.toFixed(1).padStart(8)} ms  prometheus ${r.prom.toFixed(1).padStart(8)} ms (http ${r.promWall.toFixed(1)} ms)  ratio ${(r.ours / r.prom).toFixed(2)}  series ${r.series}  ${query}`);
      }
    }
  } finally {
    await prom.stop();
    await reader.close();
  }
  console.log('\n| # | query | mode | ours (ms) | Prometheus 2.42 exec (ms) | ratio | series ours/prom |');
  console.log('|---|---|---|---:|---:|---:|---|');
  rows.forEach((r, i) => {
    console.log(`| ${Math.floor(i / 2) + 1} | \`${r.query}\` | ${r.mode} | ${r.ours.toFixed(1)} | ${r.prom.toFixed(1)} | ${(r.ours / r.prom).toFixed(2)} | ${r.series} |`);
  });
  const ratios = rows.map((r) => r.ours / r.prom);
  console.log(`\nmedian ratio (ours / Prometheus engine time): ${median(ratios).toFixed(2)} over ${rows.length} query runs`);
  console.log(`median ratio (ours / Prometheus HTTP round trip): ${median(rows.map((r) => r.ours / r.promWall)).toFixed(2)}`);
}

await main();
