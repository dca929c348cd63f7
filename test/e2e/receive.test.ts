// End to end: a real Prometheus 2.42 scrapes a few thousand series every 5 s and remote-writes them to a
// `thanos-ts receive` process; every sample in Prometheus's own TSDB must come back identically from receive's
// StoreAPI through `thanos-ts query`, and, once receive has stopped (flushing its heads into blocks and uploading
// them), from `thanos-ts store` over the bucket. The suite runs ~40 s; `npm run soak:receive` runs 30 minutes
// (RECEIVE_SOAK_MINUTES) with 5-minute blocks, so blocks are cut and shipped while the load runs.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, type PeerProcess } from '../support/peers/process.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { startQuery, startThanos, tempWorkDir, type ThanosProc } from '../query/support/ha-cluster.js';
import { matrixAt, untilSame, windowsBack } from './prom-matrix.js';

const SOAK_MINUTES = Number(process.env['RECEIVE_SOAK_MINUTES'] ?? '0');
const RUN_MS = SOAK_MINUTES > 0 ? SOAK_MINUTES * 60_000 : 40_000;
const SERIES = Number(process.env['RECEIVE_E2E_SERIES'] ?? '2000');
const BLOCK = SOAK_MINUTES > 0 ? '5m' : '2h';

/** An exporter of SERIES gauges whose values change on every scrape. */
async function startExporter(): Promise<{ target: string; close(): Promise<void> }> {
  let scrapes = 0;
  const server = http.createServer((_req, res) => {
    scrapes++;
    const lines = ['# TYPE e2e_value gauge'];
    for (let i = 0; i < SERIES; i++) lines.push(`e2e_value{group="g${i % 17}",i="${i}"} ${(scrapes * 7 + i) % 1000 / 8}`);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(lines.join('\n') + '\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  return { target: `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('Prometheus 2.42 remote write → thanos-ts receive', () => {
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => { for (const s of stops.reverse()) await s().catch(() => undefined); });

  it(`serves every sample Prometheus stored, via query and, after upload, via the store gateway (${SERIES} series, ${RUN_MS / 1000} s)`, async () => {
    const work = await tempWorkDir('e2e-receive-');
    stops.push(() => rm(work, { recursive: true, force: true }));
    const bucketYaml = path.join(work, 'bucket.yml');
    await writeFile(bucketYaml, `type: FILESYSTEM\nconfig:\n  directory: ${path.join(work, 'bucket')}\n`);
    await mkdir(path.join(work, 'bucket'), { recursive: true });
    const exporter = await startExporter();
    stops.push(() => exporter.close());

    const rwPort = await freePort();
    const receive: ThanosProc = await startThanos(work, 'receive', [
      'receive', `--remote-write.address=127.0.0.1:${rwPort}`, `--tsdb.path=${path.join(work, 'receive-data')}`,
      '--label=receive_replica="r1"', `--objstore.config-file=${bucketYaml}`, `--tsdb.min-block-duration=${BLOCK}`,
    ]);
    let receiveProc: PeerProcess | undefined = receive.proc;
    stops.push(async () => { await receiveProc?.stop(); });

    const prom: RunningPrometheus = await startPrometheus({
      dataDir: path.join(work, 'prom-data'),
      workDir: path.join(work, 'prom'),
      config: [
        'global:', '  scrape_interval: 5s',
        'scrape_configs:', '  - job_name: e2e', '    static_configs:', `      - targets: ["${exporter.target}"]`,
        'remote_write:', `  - url: http://127.0.0.1:${rwPort}/api/v1/receive`,
        '    queue_config:', '      batch_send_deadline: 1s', '      min_backoff: 100ms', '      max_backoff: 1s', '',
      ].join('\n'),
      flags: ['--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h'],
    });
    stops.push(() => prom.stop());
    const query = await startQuery(work, 'query', [receive.grpcAddress]);
    stops.push(() => query.proc.stop());

    const started = Date.now();
    await new Promise((r) => setTimeout(r, RUN_MS));
    // Everything written so far, up to a whole scrape interval ago (Prometheus may still hold the latest in its queue).
    const at = Date.now() - 6000;
    // Compared in 5-minute windows (answers of a bounded size), from before the first scrape up to `at`.
    const windows = windowsBack(at, started, 300_000);
    const drop = ['receive_replica', 'tenant_id'];
    const compare = async (base: string, timeoutMs: number): Promise<{ series: number; samples: number }> => {
      let samples = 0;
      let series = 0;
      for (const t of windows) {
        const r = await untilSame(() => matrixAt(prom.url, t, '300s'), () => matrixAt(base, t, '300s', drop), timeoutMs);
        expect(r.diff.slice(0, 10), `window ending ${new Date(t).toISOString()}`).toEqual([]);
        samples += r.samples;
        series = Math.max(series, r.series);
      }
      return { series, samples };
    };
    const viaQuery = await compare(query.httpUrl, 60_000);
    expect(viaQuery.series).toBeGreaterThanOrEqual(SERIES);
    expect(viaQuery.samples).toBeGreaterThanOrEqual(SERIES * Math.floor(RUN_MS / 5000 - 2));

    // Stop receive (it flushes its heads into blocks and uploads them), then read them from the store gateway.
    await receive.proc.stop(60_000);
    receiveProc = undefined;
    const gw = await startThanos(work, 'store', ['store', `--objstore.config-file=${bucketYaml}`, `--data-dir=${path.join(work, 'store-data')}`]);
    stops.push(() => gw.proc.stop());
    const query2 = await startQuery(work, 'query2', [gw.grpcAddress]);
    stops.push(() => query2.proc.stop());
    const viaGateway = await compare(query2.httpUrl, 10_000);
    expect(viaGateway.samples).toBe(viaQuery.samples);
  }, RUN_MS * 1.5 + 300_000);
});
