// Benchmark: 10 typical dashboard queries through thanos-ts query (two Prometheus 2.42 replicas holding the same
// backfilled data, a thanos-ts sidecar each, replica dedup on) against the same queries sent to one of those
// Prometheus servers directly, in the same run; prints per-query medians and the median ratio (target <= 2.0).
// Run: npm run bench:query   (needs `npm run build`; BENCH_REPEAT (31) and BENCH_WARMUP (3) change the runs; one
// unmeasured pass over all queries comes first). Also prints each process's CPU per measured query run (Linux
// /proc), the querier's per query: on a shared machine CPU tells more than wall-clock ratios.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { processCpuMs } from './proc-cpu.js';
import { promtoolCreateBlocks } from '../test/support/promtool.js';
import { promDataDir, startProm, startQuery, startSidecar, tempWorkDir, type Prom, type ThanosProc } from '../test/query/support/ha-cluster.js';

// thanos-ts runs at the default log level, as Prometheus does here (debug lines cost a stack capture each). 31 runs
// per query: with 7, the same build's median ratio moved between 1.57 and 1.96 from run to run.
process.env['THANOS_TS_LOG_LEVEL'] ??= 'info';
const REPEAT = Number(process.env['BENCH_REPEAT'] ?? '31');
/** Unmeasured runs per query first: a querier in service is warm (JIT-compiled); Prometheus gets the same runs. */
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? '3');
const STEP_S = 15;
const HOURS = 2;

/** Writes OpenMetrics text for the data set: ~850 series over `HOURS` hours at a 15s interval. */
function dataset(endS: number): { text: string; series: number; samples: number } {
  const startS = endS - HOURS * 3600;
  const lines: string[] = [];
  let series = 0;
  const emit = (name: string, labels: string, f: (i: number) => number): void => {
    series++;
    for (let t = startS, i = 0; t <= endS; t += STEP_S, i++) lines.push(`${name}{${labels}} ${f(i)} ${t}`);
  };
  const instances = Array.from({ length: 10 }, (_, i) => `10.0.0.${i}:9100`);
  for (const [ii, inst] of instances.entries()) {
    for (const path of ['/a', '/b', '/c', '/d', '/e']) {
      for (const status of ['200', '500']) {
        const rate = (status === '200' ? 10 : 0.5) * (1 + ii / 10);
        emit('http_requests_total', `instance="${inst}",job="api",path="${path}",status="${status}"`, (i) => Math.floor(i * STEP_S * rate));
      }
    }
  }
  for (const [ii, inst] of instances.entries()) {
    for (let cpu = 0; cpu < 8; cpu++) {
      for (const [mi, mode] of ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'].entries()) {
        emit('node_cpu_seconds_total', `cpu="${cpu}",instance="${inst}",job="node",mode="${mode}"`, (i) => i * STEP_S * (mi === 0 ? 0.7 : 0.04) * (1 + cpu / 16));
      }
    }
    emit('node_memory_MemAvailable_bytes', `instance="${inst}",job="node"`, (i) => 4e9 + ((i * 7919 + ii * 104729) % 1000) * 1e6);
  }
  for (const [ii, inst] of instances.entries()) {
    for (const [li, le] of ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'].entries()) {
      emit('http_request_duration_seconds_bucket', `instance="${inst}",job="api",le="${le}"`, (i) => Math.floor(i * STEP_S * (li + 1) * (1 + ii / 20)));
    }
  }
  // OpenMetrics wants each series' samples together in time order, which the loops above produce.
  return { text: lines.join('\n') + '\n# EOF\n', series, samples: lines.length };
}

const QUERIES: readonly string[] = [
  'sum by (status) (rate(http_requests_total[5m]))',
  'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))',
  'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
  'rate(http_requests_total{path="/a"}[5m])',
  'avg(node_memory_MemAvailable_bytes)',
  'topk(5, sum by (path) (rate(http_requests_total[5m])))',
  'sum(rate(http_requests_total{status="500"}[5m])) / sum(rate(http_requests_total[5m]))',
  'max_over_time(node_memory_MemAvailable_bytes[10m])',
  'count by (mode) (node_cpu_seconds_total)',
  '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))',
];

async function timeQuery(base: string, q: string, start: number, end: number): Promise<{ ms: number; series: number }> {
  const params = new URLSearchParams({ query: q, start: String(start), end: String(end), step: '30' });
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/query_range?${params.toString()}`);
  const body = await res.json() as { status: string; error?: string; data?: { result: unknown[] } };
  const ms = performance.now() - t0;
  if (body.status !== 'success') throw new Error(`${base}: ${q}: ${body.error ?? res.status}`);
  return { ms, series: body.data?.result.length ?? 0 };
}

/** User+system CPU ms of a process so far (Linux /proc; 0 elsewhere), to tell where a query's time goes. */
function cpuMs(pid: number): number {
  try {
    return processCpuMs(pid);
  } catch {
    return 0;
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const work = await tempWorkDir('bench-query-');
  const endS = Math.floor(Date.now() / 3_600_000) * 3600 - 60;
  const ds = dataset(endS);
  const input = path.join(work, 'data.om');
  await writeFile(input, ds.text);
  console.log(`data set: ${ds.series} series, ${ds.samples} samples per replica (${HOURS}h at ${STEP_S}s), backfilled with promtool`);
  const names = ['prometheus-0', 'prometheus-1'];
  for (const n of names) {
    await mkdir(promDataDir(work, n), { recursive: true });
    await promtoolCreateBlocks(input, promDataDir(work, n));
  }
  const proms: Prom[] = [];
  const procs: ThanosProc[] = [];
  try {
    for (const [i, n] of names.entries()) proms.push(await startProm(work, n, String(i), undefined));
    for (const [i, p] of proms.entries()) procs.push(await startSidecar(work, `sidecar-${i}`, p));
    const query = await startQuery(work, 'query', procs.map((s) => s.grpcAddress), ['--query.replica-label=replica']);
    procs.push(query);
    const end = endS;
    const start = end - 3600;
    console.log(`${QUERIES.length} range queries over 1h, step 30s; median of ${REPEAT} runs each after ${WARMUP} warm-up runs; ${os.cpus().length} CPUs shared by every process`);
    console.log('query'.padEnd(90) + 'prometheus ms'.padStart(14) + 'thanos-ts ms'.padStart(14) + 'ratio'.padStart(8) + 'series'.padStart(8) + 'querier cpu'.padStart(12));
    // One unmeasured pass over every query first, against both: otherwise the first query alone pays for compiling
    // the querier's (and sidecars') shared code paths, and its ratio says more about start-up than about queries.
    for (const q of QUERIES) {
      await timeQuery(proms[0]!.url, q, start, end);
      await timeQuery(query.httpUrl, q, start, end);
    }
    const ratios: number[] = [];
    // CPU per process over the measured runs only (warm-ups excluded), per query run.
    const cpuPids: [string, number][] = [
      ['querier', query.proc.pid], ['sidecars', -1], ['prometheus-0', proms[0]!.proc.pid], ['prometheus-1', proms[1]!.proc.pid],
    ];
    const cpuTotals = new Map<string, number>(cpuPids.map(([n]) => [n, 0]));
    const cpuNow = (): Map<string, number> => {
      const m = new Map<string, number>();
      for (const [n, pid] of cpuPids) {
        m.set(n, pid === -1 ? cpuMs(procs[0]!.proc.pid) + cpuMs(procs[1]!.proc.pid) : cpuMs(pid));
      }
      return m;
    };
    for (const q of QUERIES) {
      const direct: number[] = [];
      const through: number[] = [];
      const a = await timeQuery(proms[0]!.url, q, start, end);
      const b = await timeQuery(query.httpUrl, q, start, end);
      for (let i = 1; i < WARMUP; i++) {
        await timeQuery(proms[0]!.url, q, start, end);
        await timeQuery(query.httpUrl, q, start, end);
      }
      if (a.series !== b.series) throw new Error(`${q}: Prometheus returned ${a.series} series, thanos-ts ${b.series}`);
      const before = cpuNow();
      for (let i = 0; i < REPEAT; i++) {
        direct.push((await timeQuery(proms[0]!.url, q, start, end)).ms);
        through.push((await timeQuery(query.httpUrl, q, start, end)).ms);
      }
      const after = cpuNow();
      for (const [n] of cpuPids) cpuTotals.set(n, cpuTotals.get(n)! + after.get(n)! - before.get(n)!);
      const r = median(through) / median(direct);
      ratios.push(r);
      const qCpu = (after.get('querier')! - before.get('querier')!) / REPEAT;
      console.log(q.padEnd(90) + median(direct).toFixed(1).padStart(14) + median(through).toFixed(1).padStart(14) + r.toFixed(2).padStart(8) + String(a.series).padStart(8) + qCpu.toFixed(1).padStart(12));
    }
    const runs = REPEAT * QUERIES.length;
    // prometheus-0 answers the direct queries too; prometheus-1 serves only its sidecar.
    console.log(`CPU ms per query run (measured runs, /proc, 10 ms ticks): ${[...cpuTotals].map(([n, ms]) => `${n} ${(ms / runs).toFixed(1)}`).join(', ')}`);
    const m = median(ratios);
    console.log(`median ratio thanos-ts query / Prometheus: ${m.toFixed(2)} (target <= 2.0: ${m <= 2 ? 'met' : 'NOT met'})`);
  } finally {
    for (const p of procs.reverse()) await p.proc.stop();
    for (const p of proms) await p.proc.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
