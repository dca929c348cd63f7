// `thanos-ts standalone --receive` as one complete long-term store: a real Prometheus 2.42 remote-writes to it, and
// every sample in Prometheus's own TSDB is served by standalone's query API (from the receiver's head); standalone
// is then stopped (the receiver flushes its heads into blocks and uploads them to the embedded bucket) and started
// again without --receive, and the same samples come back from the bucket through the store gateway.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { freePort } from '../support/peers/process.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { matrixAt, untilSame } from './prom-matrix.js';

const SERIES = 300;
const RUN_MS = 20_000;

/** An exporter of SERIES gauges whose values change on every scrape. */
async function startExporter(): Promise<{ target: string; close(): Promise<void> }> {
  let scrapes = 0;
  const server = http.createServer((_req, res) => {
    scrapes++;
    const lines = ['# TYPE standalone_rw gauge'];
    for (let i = 0; i < SERIES; i++) lines.push(`standalone_rw{i="${i}"} ${(scrapes * 3 + i) % 500 / 4}`);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(lines.join('\n') + '\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  return { target: `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** Starts standalone with `extra` flags and waits for /-/ready; returns the process and its HTTP base URL. */
async function startStandalone(dataDir: string, extra: readonly string[], log: string[]): Promise<{ child: ChildProcess; base: string }> {
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${httpPort}`;
  const child = spawn(process.execPath, [BIN, 'standalone', `--data-dir=${dataDir}`, `--http-address=127.0.0.1:${httpPort}`,
    `--grpc-address=127.0.0.1:${grpcPort}`, '--sync-block-duration=2s', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => { log.push(d.toString()); });
  child.stdout!.on('data', (d: Buffer) => { log.push(d.toString()); });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`standalone exited ${child.exitCode}:\n${log.join('')}`);
    if (await fetch(`${base}/-/ready`).then((r) => r.status, () => 0) === 200) return { child, base };
    if (Date.now() > deadline) throw new Error(`standalone not ready in 60s:\n${log.join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit') as [number | null];
  return code;
}

describe('standalone --receive: remote write in, the whole long-term store in one process', () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterAll(async () => { for (const s of stops.reverse()) await s().catch(() => undefined); });

  it('serves every sample Prometheus 2.42 remote-wrote, from the receiver and, after a restart without --receive, from the bucket', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'e2e-standalone-receive-'));
    stops.push(() => rm(work, { recursive: true, force: true }));
    const dataDir = path.join(work, 'data');
    const exporter = await startExporter();
    stops.push(() => exporter.close());
    const rwPort = await freePort();
    const log: string[] = [];
    const first = await startStandalone(dataDir, ['--receive', `--remote-write.address=127.0.0.1:${rwPort}`, '--compact.disable'], log);
    stops.push(() => stop(first.child));

    const started = Date.now();
    const prom: RunningPrometheus = await startPrometheus({
      dataDir: path.join(work, 'prom-data'), workDir: path.join(work, 'prom'),
      config: [
        'global:', '  scrape_interval: 1s',
        'scrape_configs:', '  - job_name: standalone', '    static_configs:', `      - targets: ["${exporter.target}"]`,
        'remote_write:', `  - url: http://127.0.0.1:${rwPort}/api/v1/receive`,
        '    queue_config:', '      batch_send_deadline: 1s', '      min_backoff: 50ms', '      max_backoff: 1s', '',
      ].join('\n'),
      flags: ['--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h'],
    });
    stops.push(() => prom.stop());
    await new Promise((r) => setTimeout(r, RUN_MS));
    // Everything up to a few scrapes ago (remote write lags a little: untilSame polls).
    const at = Date.now() - 3000;
    const window = `${Math.ceil((at - started) / 1000) + 5}s`;
    const drop = ['receive', 'tenant_id'];
    const fromHead = await untilSame(() => matrixAt(prom.url, at, window), () => matrixAt(first.base, at, window, drop), 60_000);
    expect(fromHead.diff.slice(0, 10)).toEqual([]);
    expect(fromHead.series).toBeGreaterThanOrEqual(SERIES);
    expect(fromHead.samples).toBeGreaterThanOrEqual(SERIES * 5);
    const want = await matrixAt(prom.url, at, window);

    // Stopping flushes the receiver's heads into blocks and uploads them; without --receive only the bucket remains.
    await prom.stop();
    expect(await stop(first.child)).toBe(0);
    await rm(path.join(dataDir, 'receive'), { recursive: true, force: true });
    const second = await startStandalone(dataDir, ['--compact.disable'], log);
    stops.push(() => stop(second.child));
    const fromBucket = await untilSame(() => Promise.resolve(want), () => matrixAt(second.base, at, window, drop), 30_000);
    expect(fromBucket.diff.slice(0, 10)).toEqual([]);
  }, 240_000);
});
