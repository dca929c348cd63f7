// Compactor benchmark (`npm run bench:compact`): a FILESYSTEM bucket holding three aligned 2h blocks of 100k series
// (15 s scrapes) plus two newer one-series blocks, so that upstream's planner merges exactly the three into one 6h
// block; `thanos-ts compact` (one-shot, the built binary) does it end to end — sync, download, merge, upload, mark.
// Side by side in the same run, a real Prometheus 2.42 started on hard links of the same three blocks plus a newer
// one compacts them with its own leveled compaction (2h × 3 → 6h), timed by prometheus_tsdb_compaction_duration_seconds.
// Printed: samples/s of the merge (ours from the compactor's "compacted blocks" log line, which times the merge
// alone, as Prometheus's metric does) and of the whole run, peak RSS (VmHWM) of each process, and the ratios.
// Options: --series=N (default 100000), --keep (leave the work directory).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { withThanosSection } from '../src/block/meta.js';
import { createBucket, parseBucketConfig } from '../src/objstore/config.js';
import { nopLogger } from '../src/runtime/logger.js';
import { uploadBlock } from '../src/shipper/upload.js';
import type { BlockMeta } from '../src/tsdb/block/meta.js';
import { BlockWriter } from '../src/tsdb/block/writer.js';
import type { Labels } from '../src/tsdb/labels/labels.js';
import { compareLabels, labelsFromRecord } from '../src/tsdb/labels/labels.js';
import { startPrometheus } from '../test/support/prometheus.js';

const args = new Map(process.argv.slice(2).map((a) => { const [k, v] = a.replace(/^--/, '').split('='); return [k!, v ?? 'true']; }));
const SERIES = Number(args.get('series') ?? 100_000);
const STEP = 15_000;
const HOUR = 3_600_000;
const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'thanos-ts');
const MB = 1024 * 1024;
const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** 100 metric names × N/100 instances: counters, gauges, constants. */
function seriesSet(n: number): Labels[] {
  const out: Labels[] = [];
  for (let i = 0; i < n; i++) {
    const m = i % 100;
    const inst = Math.floor(i / 100);
    out.push(labelsFromRecord({ __name__: `node_metric_${m}`, instance: `10.0.${Math.floor(inst / 250)}.${inst % 250}:9100`, job: `job-${inst % 10}` }));
  }
  return out.sort(compareLabels);
}

async function writeBlock(dir: string, start: number, series: readonly Labels[], seed: number): Promise<string> {
  const per = (2 * HOUR) / STEP;
  const ts = new Float64Array(per);
  const vs = new Float64Array(per);
  const w = await BlockWriter.create(dir, { minTime: start, maxTime: start + 2 * HOUR });
  for (let i = 0; i < series.length; i++) {
    let v = (i % 7) * 100 + seed;
    for (let k = 0; k < per; k++) {
      ts[k] = start + ((i * 7919) % STEP) + k * STEP;
      v = i % 3 === 0 ? v + ((i * 31 + k * 17) % 50) : i % 3 === 1 ? Math.round((v + ((k * 13 + i) % 11) - 5) * 100) / 100 : v;
      vs[k] = v;
    }
    await w.addSeries(series[i]!, ts, vs, per);
  }
  await w.finish();
  return w.dir;
}

function vmHwm(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch { return 0; }
}

async function hardLinkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const e of await readdir(from, { withFileTypes: true })) {
    if (e.isDirectory()) await hardLinkTree(path.join(from, e.name), path.join(to, e.name));
    else await link(path.join(from, e.name), path.join(to, e.name));
  }
}

async function metric(url: string, name: string): Promise<number | undefined> {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${url}/metrics`)).text());
  return m ? Number(m[1]) : undefined;
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'bench-compact-'));
  try {
    const t0 = Math.floor((Date.now() - 48 * HOUR) / (24 * HOUR)) * 24 * HOUR;
    console.log(`bench:compact: ${fmt(SERIES, 0)} series, 3 × 2h blocks at 15 s → one 6h block`);
    const series = seriesSet(SERIES);
    const big: string[] = [];
    for (let b = 0; b < 3; b++) {
      big.push(await writeBlock(path.join(work, 'blocks'), t0 + b * 2 * HOUR, series, b));
      console.log(`  wrote block ${b + 1}/3`);
    }
    const tiny = series.slice(0, 1);
    const newer = [await writeBlock(path.join(work, 'blocks'), t0 + 8 * HOUR, tiny, 9), await writeBlock(path.join(work, 'blocks'), t0 + 10 * HOUR, tiny, 10)];
    const metas = big.map((d) => JSON.parse(readFileSync(path.join(d, 'meta.json'), 'utf8')) as BlockMeta);
    const samples = metas.reduce((n, m) => n + (m.stats.numSamples ?? 0), 0);

    // Ours: the bucket holds the three blocks and two newer ones that keep the 8h window [t0, t0+8h) plannable.
    const bucketDir = path.join(work, 'bucket');
    const yml = path.join(work, 'bucket.yml');
    await writeFile(yml, `type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`);
    const bucket = await createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`, yml, nopLogger), { logger: nopLogger });
    for (const d of [...big, ...newer]) {
      const m = JSON.parse(readFileSync(path.join(d, 'meta.json'), 'utf8')) as BlockMeta;
      await uploadBlock(bucket, d, withThanosSection(m, { labels: { cluster: 'bench' }, source: 'sidecar' }));
    }
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, 'compact', `--objstore.config-file=${yml}`, `--data-dir=${path.join(work, 'data')}`,
      '--consistency-delay=0s', '--delete-delay=0s', '--downsampling.disable', '--http-address=127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => { log += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { log += d.toString(); });
    let ourPeak = 0;
    const sampler = setInterval(() => { ourPeak = Math.max(ourPeak, vmHwm(child.pid!)); }, 20);
    const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject); child.on('exit', resolve); });
    clearInterval(sampler);
    const ourWall = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`thanos-ts compact exited ${code}:\n${log.slice(-3000)}`);
    const line = log.split('\n').find((l) => l.includes('msg="compacted blocks"'));
    const mergeMs = line ? Number(/duration_ms=(\d+)/.exec(line)?.[1]) : NaN;
    const downloadMs = line ? Number(/download_ms=(\d+)/.exec(line)?.[1]) : NaN;
    if (!Number.isFinite(mergeMs)) throw new Error(`no "compacted blocks" line in the compactor's log:\n${log.slice(-3000)}`);
    const resultMetas: BlockMeta[] = [];
    for (const name of await readdir(bucketDir)) {
      try { resultMetas.push(JSON.parse(readFileSync(path.join(bucketDir, name, 'meta.json'), 'utf8')) as BlockMeta); } catch { /* deleted input */ }
    }
    const ours = resultMetas.find((m) => m.compaction.level === 2);
    if (!ours || ours.maxTime - ours.minTime !== 6 * HOUR) throw new Error(`the compactor did not write the 6h block: ${JSON.stringify(resultMetas.map((m) => [m.minTime, m.maxTime]))}`);
    await bucket.close();

    // Prometheus: the same three blocks plus one newer (its planner leaves the newest block out).
    const promData = path.join(work, 'prom-data');
    for (const d of [...big, newer[0]!]) await hardLinkTree(d, path.join(promData, path.basename(d)));
    const prom = await startPrometheus({ dataDir: promData, workDir: path.join(work, 'prom-work'), flags: ['--storage.tsdb.retention.time=100y'] });
    let promSeconds: number | undefined;
    let promPeak = 0;
    try {
      const deadline = Date.now() + 180_000;
      // Prometheus's DB loop triggers compaction once a minute.
      while (Date.now() < deadline) {
        promPeak = Math.max(promPeak, vmHwm(prom.process.pid));
        if ((await metric(prom.url, 'prometheus_tsdb_compaction_duration_seconds_count') ?? 0) >= 1) {
          promSeconds = await metric(prom.url, 'prometheus_tsdb_compaction_duration_seconds_sum');
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      promPeak = Math.max(promPeak, vmHwm(prom.process.pid));
    } finally {
      await prom.stop();
    }
    if (promSeconds === undefined) throw new Error('Prometheus did not compact the blocks within 180 s (see its log)');
    const promOut = (await readdir(promData)).filter((n) => /^[0-9A-Z]{26}$/.test(n))
      .map((n) => JSON.parse(readFileSync(path.join(promData, n, 'meta.json'), 'utf8')) as BlockMeta).find((m) => m.compaction.level === 2);
    if (!promOut || promOut.maxTime - promOut.minTime !== 6 * HOUR) throw new Error('Prometheus did not write the 6h block');
    if (promOut.stats.numSamples !== ours.stats.numSamples) throw new Error(`sample counts differ: Prometheus ${promOut.stats.numSamples}, ours ${ours.stats.numSamples}`);

    const ourRate = samples / (mergeMs / 1000);
    const promRate = samples / promSeconds;
    console.log(`\n3 × 2h → 6h, ${fmt(samples, 0)} samples, ${fmt(ours.stats.numSeries ?? 0, 0)} series, same blocks, same run`);
    console.log(`  thanos-ts compact : merge ${fmt(mergeMs / 1000, 2)} s = ${fmt(ourRate / 1e6, 2)}M samples/s; whole run ${fmt(ourWall, 2)} s (download ${fmt(downloadMs / 1000, 2)} s, upload, marks, process start) = ${fmt(samples / ourWall / 1e6, 2)}M samples/s; peak RSS ${fmt(ourPeak / MB)} MiB`);
    console.log(`  Prometheus 2.42   : compaction ${fmt(promSeconds, 2)} s = ${fmt(promRate / 1e6, 2)}M samples/s; peak RSS ${fmt(promPeak / MB)} MiB (process, start to compaction done)`);
    console.log(`  ratio samples/s (ours / Prometheus): ${fmt(ourRate / promRate, 2)} merge only, ${fmt((samples / ourWall) / promRate, 2)} whole run  (target ≥ 1.0)`);
    console.log(`  ratio peak RSS  (ours / Prometheus): ${fmt(ourPeak / promPeak, 2)}  (target ≤ 1.0)`);
  } finally {
    if (args.has('keep')) console.log(`work directory kept: ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

await main();
