// TSDB benchmark: builds a block of 100k series x 720 samples (15 s apart), then times (a) XOR decode throughput,
// (b) block write throughput, (c) `thanos-ts tools tsdb dump` against `promtool tsdb dump` on the same block,
// both writing to /dev/null. Targets: decode >= 50M samples/s; dump ratio <= 1.0. Options: --series=N --keep.
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BlockReader } from '../src/tsdb/block/reader.js';
import { BlockWriter } from '../src/tsdb/block/writer.js';
import { XorIterator, decodeXorInto } from '../src/tsdb/chunkenc/xor.js';
import type { Label } from '../src/tsdb/labels/labels.js';
import { compareLabels } from '../src/tsdb/labels/labels.js';

const args = new Map(process.argv.slice(2).map((a) => { const [k, v] = a.replace(/^--/, '').split('='); return [k!, v ?? 'true']; }));
const SERIES = Number(args.get('series') ?? 100_000);
const SAMPLES = 720;
const STEP = 15_000;
const ROOT = path.resolve(import.meta.dirname, '..');

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

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

async function timeProcess(cmd: string, argv: string[]): Promise<number> {
  const devnull = openSync('/dev/null', 'w');
  const start = performance.now();
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const p = spawn(cmd, argv, { stdio: ['ignore', devnull, 'inherit'], cwd: ROOT });
      p.on('error', reject);
      p.on('exit', (c) => resolve(c));
    });
    if (code !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${code}`);
  } finally {
    closeSync(devnull);
  }
  return (performance.now() - start) / 1000;
}

/**
 * The per-sample loop lives in a plain function: locals of an async function that live across awaits sit in a
 * heap context, and updating a float there allocates on every sample.
 */
function iterateAll(it: XorIterator, chunks: readonly Uint8Array[]): { n: number; sum: number } {
  let n = 0;
  let sum = 0;
  for (const c of chunks) {
    it.reset(c);
    while (it.next()) { n++; sum += it.atF(); }
  }
  return { n, sum };
}

function decodeAll(chunks: readonly Uint8Array[], ts: Float64Array, words: Int32Array): number {
  let n = 0;
  for (const c of chunks) n += decodeXorInto(c, ts, words).n;
  return n;
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'bench-tsdb-'));
  const dataDir = path.join(work, 'data');
  await mkdir(dataDir);
  console.log(`building a block of ${fmt(SERIES)} series x ${SAMPLES} samples (${fmt(SERIES * SAMPLES)} samples) in ${dataDir}`);

  // Labels: 100 metric names x instances, sorted as the writer requires.
  const labels: Label[][] = [];
  for (let i = 0; i < SERIES; i++) {
    labels.push([
      { name: '__name__', value: `metric_${String(i % 100).padStart(3, '0')}` },
      { name: 'instance', value: `host-${Math.floor(i / 100)}.example.org:9100` },
      { name: 'job', value: i % 3 === 0 ? 'node' : 'app' },
    ]);
  }
  labels.sort(compareLabels);

  const t0 = Math.floor(Date.now() / 7_200_000) * 7_200_000 - 6 * 3_600_000;
  const ts = new Float64Array(SAMPLES);
  const vs = new Float64Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) ts[i] = t0 + i * STEP;
  const r = rng(7);
  const writer = await BlockWriter.create(dataDir, { chunkRange: 4 * 3_600_000 });
  let writeMs = 0;
  for (let s = 0; s < SERIES; s++) {
    // Half counters (integer increments), half gauges (two-decimal floats).
    let v = Math.floor(r() * 1000);
    const gauge = s % 2 === 1;
    for (let i = 0; i < SAMPLES; i++) {
      v = gauge ? Math.round((50 + 10 * Math.sin(i / 20) + r()) * 100) / 100 : v + Math.floor(r() * 10);
      vs[i] = v;
    }
    const a = performance.now();
    await writer.addSeries(labels[s]!, ts, vs);
    writeMs += performance.now() - a;
  }
  const a = performance.now();
  const meta = await writer.finish();
  writeMs += performance.now() - a;
  const total = SERIES * SAMPLES;
  console.log(`(b) block write: ${fmt(total / (writeMs / 1000))} samples/s (${(writeMs / 1000).toFixed(2)} s, ${fmt(meta.stats.numChunks ?? 0)} chunks)`);

  // (a) XOR decode: all chunk bytes in memory, decoded on this thread.
  const reader = await BlockReader.open(writer.dir);
  const chunks: Uint8Array[] = [];
  for await (const s of reader.select([])) for (const c of s.chunks) chunks.push(c.data);
  await reader.close();
  // Raw decode: each chunk into reused typed arrays (what XorIterator.reset does), then the iterator per sample.
  const tsBuf = new Float64Array(65536);
  const vBuf = new Int32Array(2 * 65536);
  let bestRaw = 0;
  let bestRawCpu = 0;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    const n = decodeAll(chunks, tsBuf, vBuf);
    const cpu = process.cpuUsage(cpu0);
    const secs = (performance.now() - start) / 1000;
    if (n !== total) throw new Error(`decoded ${n} samples, want ${total}`);
    bestRaw = Math.max(bestRaw, n / secs);
    bestRawCpu = Math.max(bestRawCpu, n / ((cpu.user + cpu.system) / 1e6));
  }
  const it = new XorIterator();
  let best = 0;
  let bestCpu = 0;
  let checksum = 0;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    const r = iterateAll(it, chunks);
    const cpu = process.cpuUsage(cpu0);
    const secs = (performance.now() - start) / 1000;
    if (r.n !== total) throw new Error(`decoded ${r.n} samples, want ${total}`);
    checksum = r.sum;
    best = Math.max(best, r.n / secs);
    bestCpu = Math.max(bestCpu, r.n / ((cpu.user + cpu.system) / 1e6));
  }
  // Wall-clock rates suffer when other processes share the CPUs; per CPU-second rates show the single-core speed.
  console.log(`(a) XOR decode (target >= 50M samples/s on one core; best of 5):\n` +
    `    into typed arrays:        ${fmt(bestRaw / 1e6)}M samples/s wall, ${fmt(bestRawCpu / 1e6)}M samples per CPU-second\n` +
    `    XorIterator next()/atF(): ${fmt(best / 1e6)}M samples/s wall, ${fmt(bestCpu / 1e6)}M samples per CPU-second [checksum ${checksum.toExponential(3)}]`);
  console.log(`    load average during the run: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);

  if (!args.has('no-dump')) await compareDump(dataDir, total);
  if (!args.has('keep')) await rm(work, { recursive: true, force: true });
}

async function compareDump(dataDir: string, total: number): Promise<void> {
  // (c) dump against promtool, same block, both to /dev/null.
  await mkdir(path.join(dataDir, 'wal'), { recursive: true });
  const main = path.join(ROOT, 'src', 'cmd', 'main.ts');
  const harness = path.join(ROOT, 'test', 'tsdb', 'support', 'tools-cli.ts');
  const entry = existsSync(main) && !args.has('harness') ? main : harness;
  const ours = await timeProcess(process.execPath, ['--import', 'tsx', entry, 'tools', 'tsdb', 'dump', dataDir]);
  const prom = await timeProcess('promtool', ['tsdb', 'dump', dataDir]);
  console.log(`(c) dump: thanos-ts ${ours.toFixed(2)} s (${fmt(total / ours)} samples/s), promtool ${prom.toFixed(2)} s (${fmt(total / prom)} samples/s); ratio thanos-ts/promtool = ${(ours / prom).toFixed(3)} (target <= 1.0)`);
}

await main();
