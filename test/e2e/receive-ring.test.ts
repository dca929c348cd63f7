// End to end, receive at scale: three `thanos-ts receive` processes in one hashring (RouterIngestor, replication
// factor 3, each with its own receive_replica label), a real Prometheus 2.42 remote-writing to the first. One node is
// SIGKILLed for ~15 s under load (RECEIVE_RING_KILL_SECONDS; `npm run soak:receive-ring` holds it down a minute):
// Prometheus's writes keep succeeding (quorum 2: no retries, no failures). Then a fourth node joins through the
// hashrings file under load, while every node's /-/ready is polled and must stay 200. Finally a querier over all
// nodes, deduplicating by receive_replica, must serve every sample Prometheus stored in its own TSDB.

import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT } from '../support/cli.js';
import { freePort, spawnPeer, waitForHttp, type PeerProcess } from '../support/peers/process.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { startQuery, tempWorkDir } from '../query/support/ha-cluster.js';

const KILL_MS = Number(process.env['RECEIVE_RING_KILL_SECONDS'] ?? '15') * 1000;
const SERIES = Number(process.env['RECEIVE_RING_SERIES'] ?? '1000');

async function startExporter(): Promise<{ target: string; close(): Promise<void> }> {
  let scrapes = 0;
  const server = http.createServer((_req, res) => {
    scrapes++;
    const lines = ['# TYPE ring_value gauge'];
    for (let i = 0; i < SERIES; i++) lines.push(`ring_value{group="g${i % 13}",i="${i}"} ${(scrapes * 3 + i) % 977}`);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(lines.join('\n') + '\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  return { target: `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, close: () => new Promise((r) => server.close(() => r())) };
}

interface Node {
  readonly name: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly rwPort: number;
  proc: PeerProcess | undefined;
  /** Ready once since its last start: from then on /-/ready must stay 200. */
  up: boolean;
}

const grpcOf = (n: Node): string => `127.0.0.1:${n.grpcPort}`;
const hashrings = (nodes: readonly Node[]): string => JSON.stringify([{ hashring: 'default', endpoints: nodes.map(grpcOf) }]);

type Matrix = Map<string, [number, string][]>;
interface QueryJson { status: string; error?: string; data: { result: { metric: Record<string, string>; values: [number, string][] }[] } }

async function matrixAt(baseUrl: string, t: number, window: string, drop: readonly string[] = []): Promise<Matrix> {
  const qs = new URLSearchParams({ query: `{__name__="ring_value"}[${window}]`, time: String(t / 1000) });
  const res = await fetch(`${baseUrl}/api/v1/query?${qs.toString()}`, { signal: AbortSignal.timeout(180_000) });
  const body = await res.json() as QueryJson;
  if (body.status !== 'success') throw new Error(`${baseUrl}: ${body.error ?? res.status}`);
  const out: Matrix = new Map();
  for (const r of body.data.result) {
    const key = Object.entries(r.metric).filter(([k]) => !drop.includes(k)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
    out.set(key, r.values);
  }
  return out;
}

function differences(want: Matrix, got: Matrix): string[] {
  const out: string[] = [];
  for (const [k, v] of want) {
    const g = got.get(k);
    if (!g) out.push(`missing ${k}`);
    else if (JSON.stringify(g) !== JSON.stringify(v)) out.push(`differs ${k}: want ${v.length} samples, got ${g.length}`);
  }
  for (const k of got.keys()) if (!want.has(k)) out.push(`extra ${k}`);
  return out;
}

/** Prometheus's own counters of its remote-write queue. */
async function remoteWriteCounters(promUrl: string): Promise<{ sent: number; retried: number; failed: number }> {
  const text = await (await fetch(`${promUrl}/metrics`)).text();
  const sum = (name: string): number => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return {
    sent: sum('prometheus_remote_storage_samples_total'),
    retried: sum('prometheus_remote_storage_samples_retried_total'),
    failed: sum('prometheus_remote_storage_samples_failed_total'),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Prometheus 2.42 → three thanos-ts receivers, replication factor 3', () => {
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => { for (const s of stops.reverse()) await s().catch(() => undefined); });

  it(`keeps taking writes with one node SIGKILLed for ${KILL_MS / 1000} s, stays ready through a hashring change, and loses no sample`, async () => {
    const work = await tempWorkDir('e2e-receive-ring-');
    stops.push(() => rm(work, { recursive: true, force: true }));
    const ringFile = path.join(work, 'hashrings.json');
    const nodes: Node[] = [];
    for (let i = 0; i < 4; i++) nodes.push({ name: `receive-${i}`, httpPort: await freePort(), grpcPort: await freePort(), rwPort: await freePort(), proc: undefined, up: false });
    const start = async (n: Node, file: string): Promise<void> => {
      await mkdir(path.join(work, n.name), { recursive: true });
      n.proc = spawnPeer(n.name, process.execPath, [
        BIN, 'receive', `--http-address=127.0.0.1:${n.httpPort}`, `--grpc-address=${grpcOf(n)}`,
        `--remote-write.address=127.0.0.1:${n.rwPort}`, `--tsdb.path=${path.join(work, n.name, 'data')}`,
        `--label=receive_replica="${n.name.slice(-1)}"`, `--receive.hashrings-file=${file}`, `--receive.local-endpoint=${grpcOf(n)}`,
        '--receive.replication-factor=3', '--receive.hashrings-file-refresh-interval=1s', '--log.level=debug',
      ], { logDir: path.join(work, n.name), cwd: REPO_ROOT });
      // Generous: under `nice -n 19` on a loaded machine a node took over a minute just to load its modules.
      await waitForHttp(`http://127.0.0.1:${n.httpPort}/-/ready`, n.proc, 120_000, (s) => s === 200);
      n.up = true;
    };
    stops.push(async () => { for (const n of nodes) await n.proc?.stop(); });
    const three = nodes.slice(0, 3);
    await writeFile(ringFile, hashrings(three));
    await Promise.all(three.map((n) => start(n, ringFile)));

    const exporter = await startExporter();
    stops.push(() => exporter.close());
    const prom: RunningPrometheus = await startPrometheus({
      dataDir: path.join(work, 'prom-data'),
      workDir: path.join(work, 'prom'),
      config: [
        'global:', '  scrape_interval: 2s',
        'scrape_configs:', '  - job_name: ring', '    static_configs:', `      - targets: ["${exporter.target}"]`,
        'remote_write:', `  - url: http://127.0.0.1:${nodes[0]!.rwPort}/api/v1/receive`,
        '    queue_config:', '      batch_send_deadline: 1s', '      min_backoff: 100ms', '      max_backoff: 1s', '',
      ].join('\n'),
    });
    stops.push(() => prom.stop());
    const started = Date.now();
    await sleep(10_000);

    // 1. SIGKILL node 1 under load; Prometheus's writes must keep succeeding (quorum 2 of 3).
    const before = await remoteWriteCounters(prom.url);
    expect(before.sent).toBeGreaterThan(0);
    const victim = nodes[1]!;
    victim.up = false;
    process.kill(victim.proc!.pid, 'SIGKILL');
    await victim.proc!.stop();
    await sleep(KILL_MS);
    const during = await remoteWriteCounters(prom.url);
    expect(during.sent - before.sent, 'samples sent while a node was down').toBeGreaterThanOrEqual(SERIES * Math.floor(KILL_MS / 2000 - 2));
    expect(during.retried - before.retried, 'samples Prometheus had to retry').toBe(0);
    expect(during.failed - before.failed, 'samples Prometheus gave up on').toBe(0);
    await start(victim, ringFile);
    await sleep(5000);

    // 2. A fourth node joins through the hashrings file under load; no node may turn unready meanwhile.
    const notReady: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await Promise.all(nodes.filter((n) => n.up).map(async (n) => {
          const res = await fetch(`http://127.0.0.1:${n.httpPort}/-/ready`, { signal: AbortSignal.timeout(5000) }).catch((err: unknown) => ({ status: String(err) }));
          if (res.status !== 200) notReady.push(`${n.name} ${new Date().toISOString()}: ${res.status}`);
        }));
        await sleep(200);
      }
    })();
    const fourFile = path.join(work, 'hashrings-4.json');
    await writeFile(fourFile, hashrings(nodes));
    await start(nodes[3]!, fourFile);
    const beforeChange = await remoteWriteCounters(prom.url);
    await writeFile(`${ringFile}.tmp`, hashrings(nodes));
    await rename(`${ringFile}.tmp`, ringFile);
    await sleep(12_000);
    polling = false;
    await poller;
    expect(notReady).toEqual([]);
    const afterChange = await remoteWriteCounters(prom.url);
    expect(afterChange.failed - beforeChange.failed, 'samples Prometheus gave up on across the hashring change').toBe(0);
    const metrics = await (await fetch(`http://127.0.0.1:${nodes[3]!.httpPort}/metrics`)).text();
    const forwardedToNew = metrics.split('\n').filter((l) => l.startsWith('grpc_server_handled_total{') && l.includes('grpc_method="RemoteWrite"') && l.includes('grpc_code="OK"'));
    expect(forwardedToNew.map((l) => Number(l.slice(l.lastIndexOf(' ') + 1))).reduce((a, b) => a + b, 0), 'writes forwarded to the new node').toBeGreaterThan(0);

    // 3. Every sample Prometheus stored, through a querier over the four nodes deduplicating by receive_replica.
    const query = await startQuery(work, 'query', nodes.map(grpcOf), ['--query.replica-label=receive_replica', '--deduplication.func=chain']);
    stops.push(() => query.proc.stop());
    const at = Date.now() - 4000;
    const windows: number[] = [];
    for (let t = at; t > started - 300_000; t -= 300_000) windows.push(t);
    let samples = 0;
    for (const t of windows) {
      const deadline = Date.now() + 60_000;
      let diff: string[];
      let want: Matrix;
      for (;;) {
        want = await matrixAt(prom.url, t, '300s');
        diff = differences(want, await matrixAt(query.httpUrl, t, '300s', ['tenant_id']));
        if (diff.length === 0 || Date.now() > deadline) break;
        await sleep(2000);
      }
      expect(diff.slice(0, 10), `window ending ${new Date(t).toISOString()}`).toEqual([]);
      samples += [...want.values()].reduce((n, v) => n + v.length, 0);
    }
    // The windows held data from before, during and after the kill (scrapes every 2 s); a loaded machine scrapes
    // late, so at least the kill's length of them, not the whole run's.
    expect(samples).toBeGreaterThanOrEqual(SERIES * Math.floor(KILL_MS / 2000));
  }, KILL_MS + 360_000);
});
