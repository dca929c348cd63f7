// npm run bench:downsample — downsampling a 2-day raw block of 100k series at 15 s (BENCH_SERIES to change the
// count) raw → 5m with the streaming downsampler, in a child process: samples/s and peak RSS, the RSS against the
// input block's size (must stay below 25%), and the time against the reference measured in the same run: a plain
// read that decodes every chunk of the same block (so the ratio is what aggregating and writing cost on top of it).

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeMeta } from '../src/tsdb/block/meta.js';
import { EMPTY_TOMBSTONES, writeTombstones } from '../src/tsdb/block/tombstones.js';
import { Encoding } from '../src/tsdb/chunkenc/chunk.js';
import { encodeXor } from '../src/tsdb/chunkenc/xor.js';
import { SegmentWriter } from '../src/tsdb/chunks/segment-writer.js';
import { IndexFileWriter } from '../src/tsdb/index/file-writer.js';
import type { ChunkMeta } from '../src/tsdb/index/writer.js';
import { compareBytewise } from '../src/tsdb/index/writer.js';
import { compareLabels, labelsFromRecord, type Labels } from '../src/tsdb/labels/labels.js';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const SERIES = Number(process.env['BENCH_SERIES'] ?? 100_000);
const STEP = 15_000;
const SPAN = 48 * 3_600_000;
const PER_CHUNK = 120;
const T0 = Date.UTC(2024, 0, 1);
const PATTERNS = 64;

/** Pre-encoded chunks of a few sample patterns (counters with resets, gauges with two decimals), shared by series. */
function patterns(): { minTime: number; maxTime: number; data: Uint8Array }[][] {
  const out: { minTime: number; maxTime: number; data: Uint8Array }[][] = [];
  let seed = 1;
  const rnd = (): number => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
  for (let p = 0; p < PATTERNS; p++) {
    const ts: number[] = [];
    const vs: number[] = [];
    let v = 0;
    for (let t = T0 + p * 1000; t < T0 + SPAN; t += STEP) {
      if (p % 2 === 0) v = rnd() < 0.001 ? 0 : v + Math.floor(rnd() * 10);
      else v = Math.round((50 + 20 * Math.sin(t / 1e7 + p) + rnd()) * 100) / 100;
      ts.push(t); vs.push(v);
    }
    const chunks = [];
    for (let i = 0; i < ts.length; i += PER_CHUNK) {
      const j = Math.min(ts.length, i + PER_CHUNK);
      chunks.push({ minTime: ts[i]!, maxTime: ts[j - 1]!, data: encodeXor(ts, vs, i, j) });
    }
    out.push(chunks);
  }
  return out;
}

/** Writes the raw block streaming (segments and index as series go), so this process stays small too. */
async function writeRawBlock(dir: string): Promise<string> {
  const id = '01HBENCH0000000000000000DS';
  const blockDir = path.join(dir, id);
  await mkdir(blockDir, { recursive: true });
  const labels: Labels[] = [];
  for (let i = 0; i < SERIES; i++) {
    labels.push(labelsFromRecord({ __name__: `bench_metric_${i % 100}`, instance: `host-${Math.floor(i / 100)}:9100`, job: 'bench' }));
  }
  labels.sort(compareLabels);
  const symbols = new Set<string>(['']);
  for (const l of labels) for (const x of l) { symbols.add(x.name); symbols.add(x.value); }
  const pats = patterns();
  const segments = await SegmentWriter.create(path.join(blockDir, 'chunks'));
  const index = await IndexFileWriter.create(path.join(blockDir, 'index'));
  index.addSymbols([...symbols].sort(compareBytewise));
  const metas: ChunkMeta[] = [];
  let samples = 0;
  for (let i = 0; i < labels.length; i++) {
    const chunks = pats[i % PATTERNS]!;
    metas.length = 0;
    for (const c of chunks) {
      metas.push({ minTime: c.minTime, maxTime: c.maxTime, ref: segments.add(Encoding.XOR, c.data) });
      samples += (c.data[0]! << 8) | c.data[1]!;
    }
    await segments.flush();
    await index.addSeries(labels[i]!, metas);
  }
  await segments.close();
  await index.finish();
  await writeTombstones(blockDir, EMPTY_TOMBSTONES);
  await writeMeta(blockDir, {
    ulid: id, minTime: T0, maxTime: T0 + SPAN, version: 1,
    stats: { numSamples: samples, numSeries: SERIES, numChunks: SERIES * (pats[0]?.length ?? 0) }, compaction: { level: 1, sources: [id] },
  });
  return blockDir;
}

async function dirSize(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += (await stat(path.join(e.parentPath, e.name))).size;
  }
  return n;
}

interface ChildResult { mode: string; seconds: number; cpuSeconds: number; samples: number; outSeries: number; peakRss: number }

function child(mode: string, src: string, dest: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'bench', 'downsample-child.mjs'), mode, src, dest], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as ChildResult) : reject(new Error(`${mode} child exited ${code}`))));
  });
}

const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;

const work = await mkdtemp(path.join(os.tmpdir(), 'bench-downsample-'));
try {
  const t0 = performance.now();
  const src = await writeRawBlock(work);
  const size = await dirSize(src);
  console.log(`input: ${SERIES} series x 2 days at 15s = ${(SERIES * SPAN / STEP / 1e6).toFixed(1)}M samples, block ${mb(size)} (written in ${((performance.now() - t0) / 1000).toFixed(1)}s)`);
  const read = await child('read', src, work);
  console.log(`reference (read + decode every chunk): ${read.seconds.toFixed(1)}s, ${(read.samples / read.seconds / 1e6).toFixed(1)}M samples/s, peak RSS ${mb(read.peakRss)}`);
  const ds = await child('downsample', src, work);
  const ratio = ds.peakRss / size;
  console.log(`downsample raw -> 5m: ${ds.seconds.toFixed(1)}s (cpu ${ds.cpuSeconds.toFixed(1)}s), ${(ds.samples / ds.seconds / 1e6).toFixed(2)}M samples/s, ${ds.outSeries} series out`);
  console.log(`peak RSS ${mb(ds.peakRss)} = ${(ratio * 100).toFixed(1)}% of the input block (limit 25%): ${ratio < 0.25 ? 'OK' : 'OVER'}`);
  console.log(`time vs reference read: ${(ds.seconds / read.seconds).toFixed(2)}x`);
  if (ratio >= 0.25) process.exitCode = 1;
} finally {
  await rm(work, { recursive: true, force: true });
}
