// Head benchmark against Prometheus 2.42 on the same machine, same run:
// (a) WAL replay: Prometheus ingests SERIES x SAMPLES by remote write and is SIGKILLed; then the time from spawn
//     until thanos-ts has replayed that WAL (Db.open) vs until Prometheus answers /-/ready on a copy of the same
//     directory. Target ratio <= 1.0.
// (b) Head memory: RSS growth per active series after holding MEM_SERIES series x 2 h at 15 s, thanos-ts (head +
//     WAL, in a child process) vs Prometheus (remote-written the same samples, RSS growth over its idle RSS).
//     Target ratio <= 1.5.
// Options: --series=50000 --samples=24 --mem-series=100000 --only=replay|memory --keep
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Encoder, uvarintSize } from '../src/tsdb/encoding/encoder.js';
import { snappyEncode } from '../src/tsdb/encoding/snappy.js';
import { startPrometheus } from '../test/support/prometheus.js';

const args = new Map(process.argv.slice(2).map((a) => { const [k, v] = a.replace(/^--/, '').split('='); return [k!, v ?? 'true']; }));
const SERIES = Number(args.get('series') ?? 50_000);
const SAMPLES = Number(args.get('samples') ?? 24);
const MEM_SERIES = Number(args.get('mem-series') ?? 100_000);
const ONLY = args.get('only');
const ROOT = path.resolve(import.meta.dirname, '..');
const CHILD = path.join(ROOT, 'bench', 'head-child.mjs');
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-head-'));
const fmt = (n: number, d = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: d });

const utf8 = new TextEncoder();

/** The protobuf bytes of one TimeSeries (labels, then samples (j*7+k) % 1000 at start + k*stepMs for k in [from, to)). */
function encodeTimeSeries(e: Encoder, scratch: Encoder, labels: [string, string][], j: number, from: number, to: number, start: number, stepMs: number): void {
  scratch.reset();
  for (const [k, v] of labels) {
    const kb = utf8.encode(k);
    const vb = utf8.encode(v);
    scratch.putByte(0x0a); // labels = 1
    scratch.putUvarint(2 + kb.length + uvarintSize(kb.length) + vb.length + uvarintSize(vb.length));
    scratch.putByte(0x0a); scratch.putUvarint(kb.length); scratch.putBytes(kb);
    scratch.putByte(0x12); scratch.putUvarint(vb.length); scratch.putBytes(vb);
  }
  const dv = new DataView(new ArrayBuffer(8));
  const val = new Uint8Array(dv.buffer);
  for (let k = from; k < to; k++) {
    const t = start + k * stepMs;
    scratch.putByte(0x12); // samples = 2
    scratch.putUvarint(1 + 8 + 1 + uvarintSize(t));
    scratch.putByte(0x09); // value = 1, fixed64
    dv.setFloat64(0, (j * 7 + k) % 1000, true);
    scratch.putBytes(val);
    scratch.putByte(0x10); // timestamp = 2, varint
    scratch.putUvarint(t);
  }
  const body = scratch.bytes();
  e.putByte(0x0a); // timeseries = 1
  e.putUvarint(body.length);
  e.putBytes(body);
}

function seriesLabels(i: number): [string, string][] {
  return [['__name__', `bench_metric_${i % 100}`], ['instance', `host-${i}`], ['job', 'bench']];
}

/**
 * Remote-writes series [0, n) x steps, window by window (Prometheus refuses samples an hour behind its newest), two
 * requests in flight within a window (different series, so each series' samples still arrive in order).
 */
async function remoteWrite(url: string, n: number, steps: number, stepMs: number, start: number, window: number): Promise<number> {
  let samples = 0;
  const e = new Encoder(1 << 20);
  const scratch = new Encoder(1 << 14);
  const post = async (body: Uint8Array): Promise<void> => {
    const res = await fetch(`${url}/api/v1/write`, {
      method: 'POST', body: snappyEncode(body),
      headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
    });
    if (res.status !== 204) throw new Error(`remote write: HTTP ${res.status} ${await res.text()}`);
  };
  for (let w = 0; w < steps; w += window) {
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < n; i += 1000) {
      e.reset();
      const to = Math.min(steps, w + window);
      for (let j = i; j < Math.min(n, i + 1000); j++) {
        encodeTimeSeries(e, scratch, seriesLabels(j), j, w, to, start, stepMs);
        samples += to - w;
      }
      const p: Promise<void> = post(e.bytes().slice()).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= 2) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }
  return samples;
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

/** Spawns a child and resolves the ms until its stdout says "ready" (and the line). */
function timeChildReady(argv: string[]): Promise<{ ms: number; line: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve({ ms: performance.now() - t0, line: out.trim() });
    });
    p.on('exit', (c) => { if (!out.includes('\n')) reject(new Error(`child exited ${c}`)); });
  });
}

async function benchReplay(): Promise<void> {
  const data = path.join(work, 'replay-src');
  const prom = await startPrometheus({ dataDir: data, workDir: path.join(work, 'prom-src'), flags: ['--web.enable-remote-write-receiver'] });
  const start = Date.now() - SAMPLES * 60_000;
  let written: number;
  try {
    written = await remoteWrite(prom.url, SERIES, SAMPLES, 60_000, start, SAMPLES);
  } finally {
    process.kill(prom.process.pid, 'SIGKILL');
    await prom.stop();
  }
  rmSync(path.join(data, 'chunks_head'), { recursive: true, force: true });
  console.log(`(a) WAL replay: Prometheus 2.42 wrote ${fmt(SERIES, 0)} series, ${fmt(written, 0)} samples by remote write, then SIGKILL`);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round < 3; round++) {
    const a = path.join(work, `replay-ours-${round}`);
    const b = path.join(work, `replay-prom-${round}`);
    cpSync(data, a, { recursive: true });
    cpSync(data, b, { recursive: true });
    const r = await timeChildReady([CHILD, 'replay', a]);
    ours.push(r.ms);
    if (round === 0) console.log(`    thanos-ts: ${r.line}`);
    const t0 = performance.now();
    const p = await startPrometheus({ dataDir: b, workDir: path.join(work, `prom-${round}`), readyTimeoutMs: 300_000 });
    theirs.push(performance.now() - t0);
    await p.stop();
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
  const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  console.log(`    thanos-ts replay to ready: ${ours.map((x) => fmt(x, 0)).join(' / ')} ms (median ${fmt(med(ours), 0)})`);
  console.log(`    Prometheus start to ready: ${theirs.map((x) => fmt(x, 0)).join(' / ')} ms (median ${fmt(med(theirs), 0)})`);
  console.log(`    ratio thanos-ts / Prometheus: ${fmt(med(ours) / med(theirs), 2)} (target <= 1.0)`);
}

async function benchMemory(): Promise<void> {
  const steps = 480;
  const stepMs = 15_000;
  const start = Date.now() - steps * stepMs;
  const window = 120;
  const child = await new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', CHILD, 'memory', String(MEM_SERIES), String(steps), String(stepMs), String(window), String(start)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.on('exit', (c) => (c === 0 ? resolve(out) : reject(new Error(`memory child exited ${c}`))));
  });
  const m = /before=(\d+) after=(\d+)/.exec(child)!;
  const ours = (Number(m[2]) - Number(m[1])) / MEM_SERIES;

  const data = path.join(work, 'mem-prom');
  const prom = await startPrometheus({ dataDir: data, workDir: path.join(work, 'prom-mem'), flags: ['--web.enable-remote-write-receiver'] });
  let theirs: number;
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const before = rssOf(prom.process.pid);
    await remoteWrite(prom.url, MEM_SERIES, steps, stepMs, start, window);
    // Let Go's GC settle, as the child ran gc() before measuring.
    await new Promise((r) => setTimeout(r, 5000));
    theirs = (rssOf(prom.process.pid) - before) / MEM_SERIES;
  } finally {
    await prom.stop();
  }
  console.log(`(b) head memory, ${fmt(MEM_SERIES, 0)} series x 2 h at 15 s (${fmt(MEM_SERIES * steps, 0)} samples)`);
  console.log(`    thanos-ts: ${fmt(ours, 0)} bytes of RSS per series`);
  console.log(`    Prometheus 2.42: ${fmt(theirs, 0)} bytes of RSS per series`);
  console.log(`    ratio thanos-ts / Prometheus: ${fmt(ours / theirs, 2)} (target <= 1.5)`);
}

try {
  if (ONLY !== 'memory') await benchReplay();
  if (ONLY !== 'replay') await benchMemory();
} finally {
  if (!args.has('keep')) rmSync(work, { recursive: true, force: true });
}
