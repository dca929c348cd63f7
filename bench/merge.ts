// Block merge benchmark (`npm run bench:merge`). Writes 4 aligned 2h blocks of 100k series (15 s scrapes), then:
// (1) merges the 4 blocks in a child process (bench/merge-child.mjs over dist/): samples/s and peak RSS (VmHWM),
//     which must stay below 25% of the inputs' total size (the streaming claim);
// (2) side by side in the same run, 3 × 2h → 6h: our merge of the first three blocks in a child process against a
//     real Prometheus 2.42 started on hard links of the four blocks, whose leveled compaction makes the same 6h block
//     (timed by prometheus_tsdb_compaction_duration_seconds; peak RSS from its /proc VmHWM). Targets: samples/s
//     ratio ≥ 1.0, peak RSS ratio ≤ 1.0. Peak anonymous RSS (sampled every 20 ms) is printed beside VmHWM, which
//     also counts the file pages Prometheus maps. CPU seconds are printed too: on a shared machine wall time
//     depends on the load, and a multi-threaded Go process gets a larger share of a busy CPU than one Node thread.
// Options: --series=N (default 100000), --keep (leave the work directory).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BlockMeta } from '../src/tsdb/block/meta.js';
import { BlockWriter } from '../src/tsdb/block/writer.js';
import type { Labels } from '../src/tsdb/labels/labels.js';
import { compareLabels, labelsFromRecord } from '../src/tsdb/labels/labels.js';
import { startPrometheus } from '../test/support/prometheus.js';
import { processCpuMs } from './proc-cpu.js';

const args = new Map(process.argv.slice(2).map((a) => { const [k, v] = a.replace(/^--/, '').split('='); return [k!, v ?? 'true']; }));
const SERIES = Number(args.get('series') ?? 100_000);
const BLOCKS = 4;
const STEP = 15_000;
const HOUR = 3_600_000;
const BLOCK_RANGE = 2 * HOUR;
const ROOT = path.resolve(import.meta.dirname, '..');
const MB = 1024 * 1024;

const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });

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

/** 100 metric names × N/100 instances, like a fleet of exporters: counters, gauges with two decimals, constants. */
function seriesSet(n: number): Labels[] {
  const out: Labels[] = [];
  for (let i = 0; i < n; i++) {
    const m = i % 100;
    const inst = Math.floor(i / 100);
    out.push(labelsFromRecord({
      __name__: `node_metric_${m}_${m % 3 === 0 ? 'total' : m % 3 === 1 ? 'bytes' : 'info'}`,
      instance: `10.0.${Math.floor(inst / 250)}.${inst % 250}:9100`, job: `job-${inst % 10}`, env: inst % 2 ? 'prod' : 'staging',
    }));
  }
  return out.sort(compareLabels);
}

/** Writes BLOCKS aligned 2h blocks (exact [start, start+2h) ranges, as head compaction cuts them) from `t0`. */
async function writeBlocks(dir: string, t0: number): Promise<string[]> {
  const series = seriesSet(SERIES);
  const perBlock = BLOCK_RANGE / STEP;
  const ts = new Float64Array(perBlock);
  const vs = new Float64Array(perBlock);
  const state = series.map((_, i) => ({ v: (i % 7) * 100, off: (i * 7919) % STEP }));
  const dirs: string[] = [];
  for (let b = 0; b < BLOCKS; b++) {
    const start = t0 + b * BLOCK_RANGE;
    const w = await BlockWriter.create(dir, { minTime: start, maxTime: start + BLOCK_RANGE });
    const r = rng(b + 1);
    for (let i = 0; i < series.length; i++) {
      const st = state[i]!;
      const kind = i % 3;
      for (let k = 0; k < perBlock; k++) {
        ts[k] = start + st.off + k * STEP;
        if (kind === 0) st.v += Math.floor(r() * 50);
        else if (kind === 1) st.v = Math.round((st.v + (r() - 0.5) * 10) * 100) / 100;
        vs[k] = st.v;
      }
      await w.addSeries(series[i]!, ts, vs, perBlock);
    }
    await w.finish();
    dirs.push(w.dir);
    console.log(`  wrote block ${b + 1}/${BLOCKS}: ${w.dir}`);
  }
  return dirs;
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? await dirSize(p) : (await stat(p)).size;
  }
  return total;
}

async function hardLinkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const e of await readdir(from, { withFileTypes: true })) {
    if (e.isDirectory()) await hardLinkTree(path.join(from, e.name), path.join(to, e.name));
    else await link(path.join(from, e.name), path.join(to, e.name));
  }
}

function procStatus(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
      const m = /^(Vm\w+|Rss\w+):\s+(\d+) kB/.exec(line);
      if (m) out[m[1]!] = Number(m[2]) * 1024;
    }
  } catch { /* exited */ }
  return out;
}

/** Samples a process's anonymous RSS every 20 ms until stopped; returns the peak seen. */
function anonPeak(pid: number): { stop(): number } {
  let peak = 0;
  const timer = setInterval(() => { peak = Math.max(peak, procStatus(pid)['RssAnon'] ?? 0); }, 20);
  return { stop() { clearInterval(timer); peak = Math.max(peak, procStatus(pid)['RssAnon'] ?? 0); return peak; } };
}

interface MergeRun { seconds: number; cpuSeconds: number; meta: BlockMeta; rssBefore: number; peakRss: number; peakAnon: number }

async function runMerge(dest: string, dirs: readonly string[]): Promise<MergeRun> {
  await mkdir(dest, { recursive: true });
  const child = spawn(process.execPath, [path.join(ROOT, 'bench', 'merge-child.mjs'), dest, ...dirs], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sampler = anonPeak(child.pid!);
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject); child.on('exit', resolve); });
  const peakAnon = sampler.stop();
  if (code !== 0) throw new Error(`merge child exited ${code}`);
  return { ...(JSON.parse(out) as Omit<MergeRun, 'peakAnon'>), peakAnon };
}

async function metric(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'bench-merge-'));
  try {
    // Two days back, aligned to 6h so the first three blocks fill one 6h window of Prometheus's leveled compaction.
    const t0 = Math.floor((Date.now() - 48 * HOUR) / (6 * HOUR)) * 6 * HOUR;
    console.log(`bench:merge: ${fmt(SERIES, 0)} series, ${BLOCKS} × 2h blocks at 15 s`);
    const blocks = await writeBlocks(path.join(work, 'blocks'), t0);
    const sizes = await Promise.all(blocks.map(dirSize));
    const metas = await Promise.all(blocks.map(async (d) => JSON.parse(readFileSync(path.join(d, 'meta.json'), 'utf8')) as BlockMeta));
    const samples = (ms: readonly BlockMeta[]): number => ms.reduce((n, m) => n + (m.stats.numSamples ?? 0), 0);
    const inputBytes = sizes.reduce((a, b) => a + b, 0);

    // (1) 4 × 2h → 8h.
    const all = await runMerge(path.join(work, 'out4'), blocks);
    const allSamples = samples(metas);
    const budget = 0.25 * inputBytes;
    console.log(`\n(1) merge of ${BLOCKS} blocks (${fmt(inputBytes / MB)} MiB, ${fmt(allSamples, 0)} samples) → 1 block of ${fmt(all.meta.stats.numSeries ?? 0, 0)} series`);
    console.log(`    time ${fmt(all.seconds, 2)} s, ${fmt(allSamples / all.seconds / 1e6, 2)}M samples/s (CPU ${fmt(all.cpuSeconds, 2)} s)`);
    console.log(`    peak RSS (VmHWM) ${fmt(all.peakRss / MB)} MiB = ${fmt(100 * all.peakRss / inputBytes)}% of the inputs (budget 25% = ${fmt(budget / MB)} MiB): ${all.peakRss < budget ? 'OK' : 'OVER BUDGET'}`);
    console.log(`    (RSS at start, before merging: ${fmt(all.rssBefore / MB)} MiB; peak anonymous RSS ${fmt(all.peakAnon / MB)} MiB)`);
    await rm(path.join(work, 'out4'), { recursive: true, force: true });

    // (2) 3 × 2h → 6h, ours and Prometheus's.
    const three = blocks.slice(0, 3);
    const threeSamples = samples(metas.slice(0, 3));
    const ours = await runMerge(path.join(work, 'out3'), three);
    const promData = path.join(work, 'prom-data');
    for (const d of blocks) await hardLinkTree(d, path.join(promData, path.basename(d)));
    const prom = await startPrometheus({ dataDir: promData, workDir: path.join(work, 'prom-work') });
    const promAnon = anonPeak(prom.process.pid);
    const promCpu0 = processCpuMs(prom.process.pid);
    let promCpuSeconds = 0;
    let promSeconds: number | undefined;
    let promPeak = 0;
    let promPeakAnon = 0;
    try {
      const deadline = Date.now() + 180_000;
      // Prometheus's DB loop triggers compaction once a minute.
      while (Date.now() < deadline) {
        if ((await metric(prom.url, 'prometheus_tsdb_compaction_duration_seconds_count') ?? 0) >= 1) {
          promSeconds = await metric(prom.url, 'prometheus_tsdb_compaction_duration_seconds_sum');
          promCpuSeconds = (processCpuMs(prom.process.pid) - promCpu0) / 1000;
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      promPeak = procStatus(prom.process.pid)['VmHWM'] ?? 0;
      promPeakAnon = promAnon.stop();
      await prom.stop();
    }
    if (promSeconds === undefined) throw new Error('Prometheus did not compact the blocks within 180 s (see its log)');
    const promBlocks = (await readdir(promData)).filter((n) => /^[0-9A-Z]{26}$/.test(n));
    const promMetas = promBlocks.map((n) => JSON.parse(readFileSync(path.join(promData, n, 'meta.json'), 'utf8')) as BlockMeta);
    const promOut = promMetas.find((m) => m.compaction.level === 2);
    if (!promOut || promOut.maxTime - promOut.minTime !== 6 * HOUR) throw new Error(`Prometheus did not write the 6h block: ${JSON.stringify(promMetas.map((m) => m.compaction))}`);
    if (promOut.stats.numSamples !== ours.meta.stats.numSamples) throw new Error(`sample counts differ: Prometheus ${promOut.stats.numSamples}, ours ${ours.meta.stats.numSamples}`);
    const oursRate = threeSamples / ours.seconds;
    const promRate = threeSamples / promSeconds;
    console.log(`\n(2) 3 × 2h → 6h (${fmt(threeSamples, 0)} samples), same blocks, same run`);
    console.log(`    thanos-ts  : ${fmt(ours.seconds, 2)} s, ${fmt(oursRate / 1e6, 2)}M samples/s, CPU ${fmt(ours.cpuSeconds, 2)} s, peak RSS ${fmt(ours.peakRss / MB)} MiB (anon ${fmt(ours.peakAnon / MB)} MiB)`);
    console.log(`    Prometheus : ${fmt(promSeconds, 2)} s, ${fmt(promRate / 1e6, 2)}M samples/s, CPU ${fmt(promCpuSeconds, 2)} s (process, start to compaction done), peak RSS ${fmt(promPeak / MB)} MiB (anon ${fmt(promPeakAnon / MB)} MiB)`);
    console.log(`    ratio samples/s (ours / Prometheus): ${fmt(oursRate / promRate, 2)}  (target ≥ 1.0; per CPU second: ${fmt(promCpuSeconds / ours.cpuSeconds, 2)})`);
    console.log(`    ratio peak RSS  (ours / Prometheus): ${fmt(ours.peakRss / promPeak, 2)}  (target ≤ 1.0; anon ${fmt(ours.peakAnon / promPeakAnon, 2)})`);
  } finally {
    if (args.has('keep')) console.log(`work directory kept: ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

await main();
