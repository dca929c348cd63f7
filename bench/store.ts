// Store gateway benchmark: 50 promtool blocks x 10k series in a FILESYSTEM bucket.
// (a) memory after sync as a fraction of the bucket's total index bytes (target < 10%): retained heap in-process
//     (after a forced GC, eager and lazy index-headers) and the resident-set growth of a real `thanos-ts store`.
// (b) Series latency for typical selectors against Prometheus 2.42 serving the same blocks from its own data dir
//     (remote read, streamed XOR chunks), median of several runs, ratio ours / Prometheus (target <= 2.0).
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { MetaFetcher } from '../src/block/fetcher.js';
import { createBucket, parseBucketConfig } from '../src/objstore/config.js';
import { nopLogger } from '../src/runtime/logger.js';
import { BucketStore } from '../src/store/bucket/bucket-store.js';
import { GrpcStoreClient } from '../src/store/grpc-client.js';
import { ChunkedFrameDecoder, RESPONSE_STREAMED_XOR_CHUNKS, encodeReadRequest } from '../src/store/prometheus/remote-read-codec.js';
import { snappyEncode } from '../src/store/prometheus/snappy.js';
import { seriesRequest } from '../src/store/store-api.js';
import { Matcher } from '../src/tsdb/labels/matcher.js';
import { freePort, spawnPeer, waitForHttp, type PeerProcess } from '../test/support/peers/process.js';
import { startPrometheus } from '../test/support/prometheus.js';
import { uploadBlock } from '../test/store/bucket/support.js';

const run = promisify(execFile);
const BLOCKS = Number(process.env['BENCH_BLOCKS'] ?? 50);
const METRICS = 20;
const JOBS = 10;
const INSTANCES = 50; // 20 x 10 x 50 = 10k series per block
const STEP = 5 * 60_000;
const H2 = 2 * 3600_000;
const RUNS = 9;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

function omWindow(start: number): string {
  const lines: string[] = [];
  for (let m = 0; m < METRICS; m++) {
    lines.push(`# TYPE metric_${m} gauge`);
    for (let j = 0; j < JOBS; j++) {
      for (let i = 0; i < INSTANCES; i++) {
        const ls = `metric_${m}{job="job_${j}",instance="host-${i}:9100"}`;
        for (let t = start; t < start + H2; t += STEP) lines.push(`${ls} ${(t / 1000) % 9973 + i} ${t / 1000}`);
      }
    }
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}

/** Warm-up runs before timing: both servers are long-running, and V8 needs a few passes to optimise the hot paths. */
const WARMUP = 5;

/**
 * Times `a` and `b` alternately (so background load hits both alike) and returns each one's median in ms.
 */
async function pairedMedians(a: () => Promise<void>, b: () => Promise<void>): Promise<[number, number]> {
  for (let i = 0; i < WARMUP; i++) { await a(); await b(); }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let s = performance.now();
    await a();
    ta.push(performance.now() - s);
    s = performance.now();
    await b();
    tb.push(performance.now() - s);
  }
  const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return [med(ta), med(tb)];
}

async function startStoreProcess(work: string, bucketYml: string, dataDir: string): Promise<{ proc: PeerProcess; grpc: string; metric(n: string): Promise<number> }> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const main = path.resolve(import.meta.dirname, '..', 'src', 'cmd', 'main.ts');
  const proc = spawnPeer(`store-${httpPort}`, process.execPath, ['--import', 'tsx', main, 'store', `--http-address=127.0.0.1:${httpPort}`,
    `--grpc-address=127.0.0.1:${grpcPort}`, `--objstore.config-file=${bucketYml}`, `--data-dir=${dataDir}`], { logDir: work, cwd: path.resolve(import.meta.dirname, '..') });
  await waitForHttp(`http://127.0.0.1:${httpPort}/-/ready`, proc, 300_000, (s) => s === 200);
  return {
    proc, grpc: `127.0.0.1:${grpcPort}`,
    async metric(n) {
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(n + ' '));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
    },
  };
}

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

async function main(): Promise<void> {
  // BENCH_DIR keeps the generated blocks between runs (promtool takes a couple of minutes for 50 blocks).
  const keep = process.env['BENCH_DIR'];
  const work = keep ?? await mkdtemp(path.join(tmpdir(), 'bench-store-'));
  try {
    const promDir = path.join(work, 'prom');
    const reuse = keep !== undefined && (await readdir(promDir).catch(() => [])).length >= BLOCKS;
    const end = reuse ? Number(await readFile(path.join(work, 'end'), 'utf8')) : Math.floor(Date.now() / H2) * H2 - H2;
    const start = end - BLOCKS * H2;
    for (const d of ['bucket', 'data-eager', 'data-lazy', 'data-empty', 'data-proc', 'prom-data', 'prom-work']) await rm(path.join(work, d), { recursive: true, force: true });
    await mkdir(promDir, { recursive: true });
    await writeFile(path.join(work, 'end'), String(end));
    let t = performance.now();
    const windows = reuse ? [] : Array.from({ length: BLOCKS }, (_, i) => start + i * H2);
    for (let i = 0; i < windows.length; i += 4) {
      await Promise.all(windows.slice(i, i + 4).map(async (w) => {
        const f = path.join(work, `w${w}.om`);
        await writeFile(f, omWindow(w));
        await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '-q', f, promDir], { maxBuffer: 64 << 20 });
        await rm(f);
      }));
    }
    const blockDirs = (await readdir(promDir)).filter((d) => /^[0-9A-Z]{26}$/.test(d)).map((d) => path.join(promDir, d));
    let indexBytes = 0;
    for (const d of blockDirs) indexBytes += (await stat(path.join(d, 'index'))).size;
    console.log(`generated ${blockDirs.length} blocks x ${METRICS * JOBS * INSTANCES} series with promtool in ${((performance.now() - t) / 1000).toFixed(1)}s; total index bytes ${mb(indexBytes)}`);

    const bucketDir = path.join(work, 'bucket');
    const bucketYml = path.join(work, 'bucket.yml');
    await writeFile(bucketYml, `type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`);
    const bucket = await createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`, 'bench', nopLogger), { logger: nopLogger });
    for (const d of blockDirs) await uploadBlock(bucket, d, { cluster: 'bench' });
    const emptyYml = path.join(work, 'empty.yml');
    await writeFile(emptyYml, `type: FILESYSTEM\nconfig:\n  directory: ${path.join(work, 'empty-bucket')}\n`);

    // (a) in-process retained heap after sync.
    for (const lazy of [false, true]) {
      const before = heapUsed();
      t = performance.now();
      const store = new BucketStore(bucket, new MetaFetcher(bucket), { dataDir: path.join(work, lazy ? 'data-lazy' : 'data-eager'), lazyIndexHeader: lazy });
      await store.sync();
      const syncMs = performance.now() - t;
      const after = heapUsed();
      console.log(`(a) in-process, ${lazy ? 'lazy' : 'eager'} index-headers: ${store.blockIds().length} blocks synced in ${(syncMs / 1000).toFixed(1)}s; retained heap ${mb(after - before)} = ${(100 * (after - before) / indexBytes).toFixed(2)}% of index bytes (target < 10%)`);
      await store.close();
    }

    // (a) resident memory of the real process: store over the bench bucket minus store over an empty bucket.
    const baseline = await startStoreProcess(work, emptyYml, path.join(work, 'data-empty'));
    await new Promise((r) => setTimeout(r, 2000));
    const rssEmpty = await baseline.metric('process_resident_memory_bytes');
    await baseline.proc.stop();
    const gw = await startStoreProcess(work, bucketYml, path.join(work, 'data-proc'));
    await new Promise((r) => setTimeout(r, 2000));
    const rssFull = await gw.metric('process_resident_memory_bytes');
    // Whole-process RSS is dominated by the runtime (V8, tsx, gRPC) and by heap not yet returned to the OS, so the
    // difference is noisy; the retained-heap figures above are the measurement, this line is the operator's view.
    console.log(`(a) thanos-ts store process RSS after first sync: empty bucket ${mb(rssEmpty)}, ${blockDirs.length} blocks ${mb(rssFull)} (difference ${mb(rssFull - rssEmpty)} = ${(100 * (rssFull - rssEmpty) / indexBytes).toFixed(1)}% of index bytes, within noise)`);

    // (b) latency against Prometheus over the same blocks.
    await cp(promDir, path.join(work, 'prom-data'), { recursive: true });
    const prom = await startPrometheus({ dataDir: path.join(work, 'prom-data'), workDir: path.join(work, 'prom-work'), flags: ['--storage.tsdb.retention.time=10y'], readyTimeoutMs: 300_000 });
    const client = new GrpcStoreClient(gw.grpc);
    const last12h = end - 12 * 3600_000;
    const cases: { name: string; matchers: Matcher[]; minTime: number }[] = [
      { name: 'metric_0{} 100h (500 series)', matchers: [new Matcher('=', '__name__', 'metric_0')], minTime: start },
      { name: 'metric_1{job="job_2"} 12h (50 series)', matchers: [new Matcher('=', '__name__', 'metric_1'), new Matcher('=', 'job', 'job_2')], minTime: last12h },
      { name: 'metric_2{instance=~"host-1.*"} 100h', matchers: [new Matcher('=', '__name__', 'metric_2'), new Matcher('=~', 'instance', 'host-1.*')], minTime: start },
      { name: 'metric_3{job!="job_0"} 12h (450 series)', matchers: [new Matcher('=', '__name__', 'metric_3'), new Matcher('!=', 'job', 'job_0')], minTime: last12h },
      { name: 'metric_4{instance="host-7:9100"} 100h', matchers: [new Matcher('=', '__name__', 'metric_4'), new Matcher('=', 'instance', 'host-7:9100')], minTime: start },
    ];
    console.log('(b) Series latency, alternating runs, median of 9 after 5 warm-ups (ours: gRPC Series; Prometheus 2.42: remote read, streamed XOR chunks; both decoded by the client)');
    const ratios: number[] = [];
    for (const c of cases) {
      let ourSeries = 0;
      const runOurs = async (): Promise<void> => {
        ourSeries = 0;
        for await (const f of client.series(seriesRequest({ matchers: c.matchers, minTime: c.minTime, maxTime: end }))) if (f.type === 'series') ourSeries++;
      };
      const body = snappyEncode(encodeReadRequest([{ startMs: c.minTime, endMs: end, matchers: c.matchers }], [RESPONSE_STREAMED_XOR_CHUNKS]));
      let promBytes = 0;
      let promSeries = 0;
      // Both clients decode what they receive into series (ours: gRPC frames; Prometheus: chunked frames).
      const runTheirs = async (): Promise<void> => {
        const res = await fetch(`${prom.url}/api/v1/read`, { method: 'POST', body, headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Read-Version': '0.1.0' } });
        if (res.status !== 200 || !res.body) throw new Error(`prometheus remote read: ${res.status} ${await res.text()}`);
        const dec = new ChunkedFrameDecoder();
        promBytes = 0;
        promSeries = 0;
        for await (const b of res.body as AsyncIterable<Uint8Array>) {
          promBytes += b.length;
          for (const frame of dec.push(b)) promSeries += frame.series.length;
        }
      };
      const [ours, theirs] = await pairedMedians(runOurs, runTheirs);
      ratios.push(ours / theirs);
      console.log(`  ${c.name.padEnd(42)} ours ${ours.toFixed(1).padStart(7)} ms (${ourSeries} series)  prometheus ${theirs.toFixed(1).padStart(7)} ms (${promSeries} frames' series, ${mb(promBytes)})  ratio ${(ours / theirs).toFixed(2)}`);
    }
    const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
    console.log(`(b) geometric mean ratio ours/prometheus: ${geo.toFixed(2)} (target <= 2.0)`);
    client.close();
    await prom.stop();
    await gw.proc.stop();
    await bucket.close();
  } finally {
    if (keep === undefined) await rm(work, { recursive: true, force: true });
  }
}

await main();
