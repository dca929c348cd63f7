// Sidecar benchmark: Series for 10k series over 2 h (15 s scrape interval: 480 samples, 4 XOR chunks per series)
// through a real `thanos-ts sidecar` process over gRPC, against a direct STREAMED_XOR_CHUNKS remote read of the same
// data from the same Prometheus 2.42, in the same run. Target: sidecar overhead under 20 % of the direct call. The
// reference reads with node:http; a read through the sidecar's own transport (http-stream) is timed and printed too.
// Each round times all three paths, one after another in a rotating order; the headline ratio is the median of the
// rounds' own ratios, and the ratio of the medians is printed beside it.
// Run: npm run bench:sidecar   (compiles dist/ first; BENCH_SERIES, BENCH_RUNS, BENCH_WARMUP to change the size)
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { BlockWriter } from '../src/tsdb/block/writer.js';
import type { Labels } from '../src/tsdb/labels/labels.js';
import { Matcher } from '../src/tsdb/labels/matcher.js';
import { GrpcStoreClient } from '../src/store/grpc-client.js';
import { seriesRequest } from '../src/store/store-api.js';
import { PrometheusClient } from '../src/store/prometheus/client.js';
import { ChunkedFrameDecoder, RESPONSE_STREAMED_XOR_CHUNKS, encodeReadRequest } from '../src/store/prometheus/remote-read-codec.js';
import { snappyEncode } from '../src/store/prometheus/snappy.js';
import { processCpuMs, threadCpuMs } from './proc-cpu.js';
import { startPrometheus } from '../test/store/prometheus/prometheus-peer.js';
import type { SidecarProcess } from '../test/store/prometheus/sidecar-process.js';
import { eventually, startSidecar } from '../test/store/prometheus/sidecar-process.js';

const SERIES = Number(process.env['BENCH_SERIES'] ?? 10_000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 21);
/** Unmeasured rounds of all three paths first: a sidecar in service is warm (JIT-compiled), and so is the reference. */
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 3);
const STEP = 15_000;
const HOUR = 3600_000;

interface Totals { series: number; chunks: number; bytes: number }

async function writeBlock(tsdbDir: string, from: number, to: number): Promise<void> {
  const w = await BlockWriter.create(tsdbDir);
  const n = Math.floor((to - from) / STEP);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const names: string[] = [];
  for (let i = 0; i < SERIES; i++) names.push(`i${String(i).padStart(6, '0')}`);
  try {
    for (const instance of names) {
      let v = rnd() * 1000;
      for (let k = 0; k < n; k++) {
        ts[k] = from + k * STEP;
        v += Math.floor(rnd() * 10);
        vs[k] = v;
      }
      const labels: Labels = [{ name: '__name__', value: 'bench_requests_total' }, { name: 'instance', value: instance }, { name: 'job', value: 'bench' }];
      await w.addSeries(labels, ts, vs, n);
    }
    await w.finish();
  } catch (err) {
    await w.abort();
    throw err;
  }
}

function readRequest(from: number, to: number): Uint8Array {
  return snappyEncode(encodeReadRequest([{ startMs: from, endMs: to, matchers: [new Matcher('=', '__name__', 'bench_requests_total')] }], [RESPONSE_STREAMED_XOR_CHUNKS]));
}

const keepAlive = new http.Agent({ keepAlive: true });

/** The reference: a remote read with Node's own HTTP client, frames decoded into series a network chunk at a time. */
async function direct(promUrl: string, from: number, to: number): Promise<Totals> {
  const body = readRequest(from, to);
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request(new URL('/api/v1/read', promUrl), {
      method: 'POST',
      agent: keepAlive,
      headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Read-Version': '0.1.0', 'Content-Length': body.length },
    }, resolve);
    req.on('error', reject);
    req.end(body);
  });
  if (res.statusCode !== 200) throw new Error(`remote read answered ${res.statusCode ?? 0}`);
  return decodeFrames(res);
}

/** The same read through the sidecar's own HTTP transport (src/store/prometheus/http-stream.ts). */
async function directSidecarTransport(client: PrometheusClient, from: number, to: number): Promise<Totals> {
  return decodeFrames((await client.remoteRead(readRequest(from, to))).body);
}

async function decodeFrames(body: AsyncIterable<Uint8Array>): Promise<Totals> {
  const dec = new ChunkedFrameDecoder();
  const t: Totals = { series: 0, chunks: 0, bytes: 0 };
  for await (const part of body) {
    for (const f of dec.push(part)) {
      for (const s of f.series) {
        t.series++;
        t.chunks += s.chunks.length;
        for (const c of s.chunks) t.bytes += c.data.length;
      }
    }
  }
  dec.end();
  return t;
}

/** Series through the sidecar, decoded into Series objects a message (64 series) at a time, as the querier reads them. */
async function viaSidecar(client: GrpcStoreClient, from: number, to: number): Promise<Totals> {
  const t: Totals = { series: 0, chunks: 0, bytes: 0 };
  for await (const group of client.seriesGroups(seriesRequest({ matchers: [new Matcher('=', '__name__', 'bench_requests_total')], minTime: from, maxTime: to }))) {
    for (const r of group) {
      if (r.type !== 'series') continue;
      t.series++;
      t.chunks += r.series.chunks.length;
      for (const c of r.series.chunks) t.bytes += c.raw?.data.length ?? 0;
    }
  }
  return t;
}

function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Cpu { prom: number; sidecar: number; client: number }

function cpuNow(promPid: number, sidecarPid: number): Cpu {
  return { prom: processCpuMs(promPid), sidecar: processCpuMs(sidecarPid), client: selfCpuMs() };
}

function cpuAdd(acc: Cpu, a: Cpu, b: Cpu): void {
  acc.prom += b.prom - a.prom;
  acc.sidecar += b.sidecar - a.sidecar;
  acc.client += b.client - a.client;
}

/**
 * A pause before every measured call, so work the previous call left running (Prometheus's concurrent GC above all)
 * is not charged to the next one. (Forcing a GC in this process here made every path slower: a full GC shrinks the
 * young generation, and the call that follows scavenges far more often.)
 */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'bench-sidecar-'));
  const to = Math.floor((Date.now() - HOUR) / (2 * HOUR)) * 2 * HOUR;
  const from = to - 2 * HOUR;
  console.log(`writing a 2h block of ${SERIES} series × ${(to - from) / STEP} samples...`);
  await writeBlock(path.join(work, 'tsdb'), from, to);
  const prom = await startPrometheus(work, { blockDuration: '2h', config: 'global:\n  external_labels:\n    cluster: bench\n    replica: "0"\n' });
  // The sidecar runs from the build (dist/), as shipped. BENCH_SIDECAR_CPU_PROF=<dir> writes a V8 CPU profile of it
  // there (on its exit); BENCH_SIDECAR_NODE_ARGS adds node flags (e.g. --trace-gc).
  const profDir = process.env['BENCH_SIDECAR_CPU_PROF'];
  let sidecar: SidecarProcess;
  try {
    sidecar = await startSidecar(work, [`--prometheus.url=${prom.url}`, `--tsdb.path=${prom.tsdbDir}`, '--log.level=info'],
      {}, [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), ...(process.env['BENCH_SIDECAR_NODE_ARGS']?.split(' ').filter(Boolean) ?? [])], 'build');
  } catch (err) {
    await prom.stop();
    await rm(work, { recursive: true, force: true });
    throw err;
  }
  const grpc = new GrpcStoreClient(sidecar.grpcAddress);
  const promClient = new PrometheusClient(prom.url);
  try {
    await eventually(async () => (await fetch(`${sidecar.httpUrl}/-/ready`)).status === 200, 'sidecar ready');
    const maxT = to - 1;
    const paths = {
      direct: () => direct(prom.url, from, maxT),
      transport: () => directSidecarTransport(promClient, from, maxT),
      sidecar: () => viaSidecar(grpc, from, maxT),
    };
    const first = await paths.direct();
    for (const [name, run] of Object.entries(paths)) {
      const t = await run();
      if (first.series !== SERIES || t.series !== SERIES || t.chunks !== first.chunks || t.bytes !== first.bytes) {
        throw new Error(`${name} and direct disagree: ${JSON.stringify({ direct: first, [name]: t })}`);
      }
    }
    type Path = keyof typeof paths;
    for (let i = 0; i < WARMUP; i++) for (const run of Object.values(paths)) await run();
    const wall: Record<Path, number[]> = { direct: [], transport: [], sidecar: [] };
    const cpu: Record<Path, Cpu> = { direct: { prom: 0, sidecar: 0, client: 0 }, transport: { prom: 0, sidecar: 0, client: 0 }, sidecar: { prom: 0, sidecar: 0, client: 0 } };
    const pids = [prom.proc.pid, sidecar.proc.pid] as const;
    const threads0 = threadCpuMs(sidecar.proc.pid);
    const order = Object.keys(paths) as Path[];
    for (let i = 0; i < RUNS; i++) {
      // Each round starts with another path, so none always runs right after the same one (whose leftover work, e.g.
      // Prometheus's GC, would then always land on it).
      for (let k = 0; k < order.length; k++) {
        const name = order[(i + k) % order.length]!;
        await settle();
        const c0 = cpuNow(...pids);
        const t0 = performance.now();
        await paths[name]();
        wall[name].push(performance.now() - t0);
        cpuAdd(cpu[name], c0, cpuNow(...pids));
      }
    }
    const d = median(wall.direct);
    const f = median(wall.transport);
    const s = median(wall.sidecar);
    const runs = (xs: number[]): string => `[${xs.map((x) => x.toFixed(0)).join(', ')}]`;
    console.log(`data: ${first.series} series, ${first.chunks} XOR chunks, ${(first.bytes / 1e6).toFixed(1)} MB of chunk data, 2h range`);
    console.log(`direct remote read, node:http (STREAMED_XOR_CHUNKS, decoded): median ${d.toFixed(1)} ms over ${RUNS} runs  ${runs(wall.direct)}`);
    console.log(`direct remote read, sidecar's http-stream (same decoding):  median ${f.toFixed(1)} ms over ${RUNS} runs  ${runs(wall.transport)}`);
    console.log(`sidecar Series over gRPC (same data, decoded):               median ${s.toFixed(1)} ms over ${RUNS} runs  ${runs(wall.sidecar)}`);
    // Paired: the three calls of a round run within a few hundred ms of each other, so a slow spell of the host
    // (which moved whole stretches of rounds by ±30 % here) weighs on both sides of each round's ratio alike.
    const pd = median(wall.sidecar.map((x, i) => x / wall.direct[i]!));
    const pf = median(wall.sidecar.map((x, i) => x / wall.transport[i]!));
    const overhead = (r: number): string => `${((r - 1) * 100).toFixed(1)} %`;
    console.log(`ratio sidecar/direct, median of the ${RUNS} rounds' ratios: ${pd.toFixed(2)}x  → sidecar overhead ${overhead(pd)} (target < 20 %)`);
    console.log(`ratio sidecar/direct, ratio of the medians:              ${(s / d).toFixed(2)}x  → overhead ${overhead(s / d)}`);
    console.log(`ratio sidecar/direct over the sidecar's own transport: ${pf.toFixed(2)}x paired, ${(s / f).toFixed(2)}x of medians`);
    const per = (c: Cpu, k: keyof Cpu): string => (c[k] / RUNS).toFixed(0);
    const threads1 = threadCpuMs(sidecar.proc.pid);
    const perRound = (k: 'main' | 'helpers'): string => ((threads1[k] - threads0[k]) / RUNS).toFixed(1);
    console.log(`sidecar CPU ms by thread per round of the three paths: main ${perRound('main')}, helpers ${perRound('helpers')}`);
    for (const name of Object.keys(paths) as Path[]) {
      const c = cpu[name];
      console.log(`CPU per call (ms), ${name.padEnd(9)}: prometheus ${per(c, 'prom')}${name === 'sidecar' ? ` + sidecar ${per(c, 'sidecar')}` : ''} + client ${per(c, 'client')}`);
    }
    console.log(`machine load average (1m) during the run: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`);
  } finally {
    grpc.close();
    promClient.close();
    await sidecar.stop();
    await prom.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
