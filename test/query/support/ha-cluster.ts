// An HA setup for query end-to-end tests and the benchmark: a tiny exporter, real Prometheus 2.42 replicas (external
// labels cluster/replica) that scrape it, a thanos-ts sidecar per replica and thanos-ts queriers, all on 127.0.0.1
// with free ports, every process started and stopped by the caller.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { BIN, REPO_ROOT } from '../../support/cli.js';
import { freePort, requireCommand, spawnPeer, waitForHttp, type PeerProcess } from '../../support/peers/process.js';

export interface Exporter {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves a counter growing 1/s, gauges with a few label values, and a histogram, in the text format. */
export async function startExporter(): Promise<Exporter> {
  const started = Date.now();
  const server = http.createServer((_req, res) => {
    const s = (Date.now() - started) / 1000;
    const lines = [
      '# TYPE demo_counter_total counter',
      ...['a', 'b', 'c'].map((k, i) => `demo_counter_total{kind="${k}"} ${Math.floor(s * (i + 1))}`),
      '# TYPE demo_gauge gauge',
      ...['a', 'b', 'c'].map((k, i) => `demo_gauge{kind="${k}"} ${(i + 1) * 10.5}`),
      '# TYPE demo_latency_seconds histogram',
      ...['0.1', '0.5', '1', '+Inf'].map((le, i) => `demo_latency_seconds_bucket{le="${le}"} ${Math.floor(s) * (i + 1)}`),
      `demo_latency_seconds_sum ${Math.floor(s) * 1.5}`,
      `demo_latency_seconds_count ${Math.floor(s) * 4}`,
    ];
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(lines.join('\n') + '\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `127.0.0.1:${port}`, port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface Prom {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  proc: PeerProcess;
}

/** The data directory startProm uses for `name` (so callers can backfill blocks into it first). */
export function promDataDir(workDir: string, name: string): string {
  return path.join(workDir, name, 'data');
}

/**
 * Starts (or restarts, same port and data) a Prometheus replica scraping `target` every `scrapeInterval`; with no
 * target it scrapes nothing and serves only what its data directory holds.
 */
export async function startProm(workDir: string, name: string, replica: string, target: string | undefined, port?: number, scrapeInterval = '1s'): Promise<Prom> {
  const bin = requireCommand('prometheus', 'Prometheus 2.42 (Debian package prometheus)');
  const dir = path.join(workDir, name);
  const dataDir = promDataDir(workDir, name);
  await mkdir(dataDir, { recursive: true });
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(config, [
    'global:',
    `  scrape_interval: ${scrapeInterval}`,
    '  external_labels:',
    '    cluster: c',
    `    replica: "${replica}"`,
    ...(target === undefined ? [] : [
      'scrape_configs:',
      '  - job_name: demo',
      '    static_configs:',
      `      - targets: ["${target}"]`,
    ]),
    '',
  ].join('\n'));
  const p = port ?? await freePort();
  const proc = spawnPeer(name, bin, [
    `--config.file=${config}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${p}`,
    '--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h', '--web.enable-lifecycle',
  ], { logDir: dir });
  await waitForHttp(`http://127.0.0.1:${p}/-/ready`, proc, 60_000, (s) => s === 200);
  return { url: `http://127.0.0.1:${p}`, port: p, dataDir, proc };
}

export interface ThanosProc {
  readonly proc: PeerProcess;
  readonly httpUrl: string;
  readonly grpcAddress: string;
}

/** Runs the built `thanos-ts <mode> …` with free HTTP and gRPC ports and waits until /-/ready answers 200. */
export async function startThanos(workDir: string, name: string, args: readonly string[]): Promise<ThanosProc> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const dir = path.join(workDir, name);
  await mkdir(dir, { recursive: true });
  // THANOS_TS_NODE_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`) goes to node itself, for profiling runs;
  // THANOS_TS_LOG_LEVEL (default debug, for tests) lets benches run at the level deployments use.
  const nodeFlags = (process.env['THANOS_TS_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
  const logLevel = process.env['THANOS_TS_LOG_LEVEL'] ?? 'debug';
  const proc = spawnPeer(name, process.execPath, [
    ...nodeFlags, BIN, ...args, `--http-address=127.0.0.1:${httpPort}`, `--grpc-address=127.0.0.1:${grpcPort}`, `--log.level=${logLevel}`,
  ], { logDir: dir, cwd: REPO_ROOT });
  await waitForHttp(`http://127.0.0.1:${httpPort}/-/ready`, proc, 60_000, (s) => s === 200);
  return { proc, httpUrl: `http://127.0.0.1:${httpPort}`, grpcAddress: `127.0.0.1:${grpcPort}` };
}

export async function startSidecar(workDir: string, name: string, prom: Prom): Promise<ThanosProc> {
  return startThanos(workDir, name, ['sidecar', `--prometheus.url=${prom.url}`, `--tsdb.path=${prom.dataDir}`]);
}

/** A querier over `endpoints`; resolves once `expectHealthy` endpoints (default: all given) are healthy on /api/v1/stores. */
export async function startQuery(
  workDir: string, name: string, endpoints: readonly string[], extra: readonly string[] = [], expectHealthy = endpoints.length,
): Promise<ThanosProc> {
  const q = await startThanos(workDir, name, ['query', ...endpoints.map((e) => `--endpoint=${e}`), ...extra]);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const body = await (await fetch(`${q.httpUrl}/api/v1/stores`)).json() as { data: Record<string, { lastError: string | null }[]> };
    const healthy = Object.values(body.data).flat().filter((s) => s.lastError === null).length;
    if (healthy === expectHealthy) return q;
    if (Date.now() > deadline) throw new Error(`${name}: endpoints not healthy: ${JSON.stringify(body.data)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function tempWorkDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}
