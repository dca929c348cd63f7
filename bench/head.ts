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

/** Protobuf writer for just what a remote-write WriteRequest needs. */
class Pb {
  private parts: number[] = [];
  varint(v: number): void { while (v >= 0x80) { this.parts.push((v % 128) | 0x80); v = Math.floor(v / 128); } this.parts.push(v); }
  tag(field: number, wire: number): void { this.varint(field * 8 + wire); }
  bytes(field: number, b: Uint8Array | number[]): void { this.tag(field, 2); this.varint(b.length); for (const x of b) this.parts.push(x); }
  str(field: number, s: string): void { this.bytes(field, [...Buffer.from(s, 'utf8')]); }
  double(field: number, v: number): void { this.tag(field, 1); const b = Buffer.alloc(8); b.writeDoubleLE(v); for (const x of b) this.parts.push(x); }
  int64(field: number, v: number): void { this.tag(field, 0); this.varint(v); }
  done(): number[] { return this.parts; }
}

function seriesLabels(i: number): [string, string][] {
  return [['__name__', `bench_metric_${i % 100}`], ['instance', `host-${i}`], ['job', 'bench']];
}

/** Remote-writes series [0, n) x steps, window by window (Prometheus refuses samples an hour behind its newest). */
async function remoteWrite(url: string, n: number, steps: number, stepMs: number, start: number, window: number): Promise<number> {
  let samples = 0;
  for (let w = 0; w < steps; w += window) {
    for (let i = 0; i < n; i += 1000) {
      const req = new Pb();
      for (let j = i; j < Math.min(n, i + 1000); j++) {
        const ts = new Pb();
        for (const [k, v] of seriesLabels(j)) { const l = new Pb(); l.str(1, k); l.str(2, v); ts.bytes(1, l.done()); }
        for (let k = w; k < Math.min(steps, w + window); k++) {
          const s = new Pb(); s.double(1, (j * 7 + k) % 1000); s.int64(2, start + k * stepMs); ts.bytes(2, s.done());
          samples++;
        }
        req.bytes(1, ts.done());
      }
      const res = await fetch(`${url}/api/v1/write`, {
        method: 'POST', body: snappyEncode(Uint8Array.from(req.done())),
        headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
      });
      if (res.status !== 204) throw new Error(`remote write: HTTP ${res.status} ${await res.text()}`);
    }
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
