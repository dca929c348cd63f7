// Crash safety of receive under remote-write load: concurrent senders (this test, one series set each, timestamps
// from the wall clock) post requests and record every acknowledged (2xx) one in a log file, and a real Prometheus
// 2.42 scrapes an exporter every second and remote-writes it (its own tenant, one shard, retrying what fails as it
// always does); a real `thanos-ts receive` process is SIGKILLed at random moments and restarted on the same ports
// and data dir. Short blocks (10 s) put head compaction, WAL checkpoints and shipping under the kills too. At the end
// every acknowledged sample is served by receive's StoreAPI, values equal, and every sample in Prometheus's own TSDB
// is served by a thanos-ts querier over receive (Prometheus's retries filled what the kills cut off).
// RECEIVE_CRASH_KILLS (default 4 here) and RECEIVE_CRASH_MAX_GAP_MS set the load, RECEIVE_CRASH_READY_MS the
// restart allowance; `npm run soak:receive-crash` runs 25 kills over ~10 minutes.

import { appendFileSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWriteRequestV1 } from '../../src/receive/write-request-encode.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { seriesRequest } from '../../src/store/store-api.js';
import { XorIterator } from '../../src/tsdb/chunkenc/xor.js';
import { snappyEncode } from '../../src/tsdb/encoding/snappy.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { BIN, REPO_ROOT } from '../support/cli.js';
import { freePort, spawnPeer, waitForHttp, type PeerProcess } from '../support/peers/process.js';
import { startPrometheus } from '../support/prometheus.js';
import { startQuery, tempWorkDir } from '../query/support/ha-cluster.js';
import { matrixAt, untilSame, windowsBack } from './prom-matrix.js';

const KILLS = Number(process.env['RECEIVE_CRASH_KILLS'] ?? '4');
const MAX_GAP_MS = Number(process.env['RECEIVE_CRASH_MAX_GAP_MS'] ?? '3000');
/** How long a restarted receive may take to replay and turn ready (a niced soak on a loaded machine needs more). */
const READY_MS = Number(process.env['RECEIVE_CRASH_READY_MS'] ?? '60000');
const SENDERS = 4;
const SERIES_PER_SENDER = 25;
/** Gauges the exporter serves to Prometheus. */
const EXPORTED = 200;
const PROM_TENANT = 'prom';

/** An exporter of EXPORTED gauges whose values change on every scrape. */
async function startExporter(): Promise<{ target: string; close(): Promise<void> }> {
  let scrapes = 0;
  const server = http.createServer((_req, res) => {
    scrapes++;
    const lines = ['# TYPE crash_exported gauge'];
    for (let i = 0; i < EXPORTED; i++) lines.push(`crash_exported{i="${i}"} ${(scrapes * 7 + i) % 1000 / 8}`);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(lines.join('\n') + '\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  return { target: `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** A metric's value from a Prometheus /metrics text (summed over its label sets). */
async function promMetric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** A seeded generator, so a failing run can be repeated (the seed is in the test name). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 0x1_0000_0000; };
}

const valueOf = (sender: number, i: number, t: number): number => (t % 100_000) / 7 + sender * 1000 + i;

describe('receive killed with SIGKILL under remote-write load', () => {
  const seed = Number(process.env['RECEIVE_CRASH_SEED'] ?? Date.now() % 100_000);
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => { for (const s of stops.reverse()) await s().catch(() => undefined); });

  it(`keeps every acknowledged sample, and Prometheus's retries fill the rest, over ${KILLS} kills (seed ${seed})`, async () => {
    const random = rng(seed);
    const work = await tempWorkDir('e2e-receive-crash-');
    stops.push(() => rm(work, { recursive: true, force: true }));
    const bucketYaml = path.join(work, 'bucket.yml');
    await mkdir(path.join(work, 'bucket'), { recursive: true });
    await writeFile(bucketYaml, `type: FILESYSTEM\nconfig:\n  directory: ${path.join(work, 'bucket')}\n`);
    const [httpPort, grpcPort, rwPort] = [await freePort(), await freePort(), await freePort()];
    const url = `http://127.0.0.1:${rwPort}/api/v1/receive`;
    let proc: PeerProcess | undefined;
    let generation = 0;
    const start = async (): Promise<void> => {
      proc = spawnPeer(`receive-${++generation}`, process.execPath, [
        BIN, 'receive', `--http-address=127.0.0.1:${httpPort}`, `--grpc-address=127.0.0.1:${grpcPort}`,
        `--remote-write.address=127.0.0.1:${rwPort}`, `--tsdb.path=${path.join(work, 'data')}`, '--label=receive_replica="r1"',
        '--tsdb.min-block-duration=10s', `--objstore.config-file=${bucketYaml}`,
      ], { logDir: work, cwd: REPO_ROOT });
      await waitForHttp(`http://127.0.0.1:${httpPort}/-/ready`, proc, READY_MS, (s) => s === 200);
    };
    stops.push(async () => { await proc?.stop(); });
    await start();

    // A real Prometheus remote-writing to the receive being killed: one shard, so its samples arrive in order and a
    // retry after a restart is never older than what the tenant's head already holds (no out-of-bounds 409s).
    const exporter = await startExporter();
    stops.push(() => exporter.close());
    const promStarted = Date.now();
    const prom = await startPrometheus({
      dataDir: path.join(work, 'prom-data'), workDir: path.join(work, 'prom'),
      config: [
        'global:', '  scrape_interval: 1s',
        'scrape_configs:', '  - job_name: crash', '    static_configs:', `      - targets: ["${exporter.target}"]`,
        'remote_write:', `  - url: ${url}`, '    headers:', `      THANOS-TENANT: ${PROM_TENANT}`,
        '    queue_config:', '      max_shards: 1', '      batch_send_deadline: 1s', '      min_backoff: 50ms', '      max_backoff: 1s', '',
      ].join('\n'),
      flags: ['--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h'],
    });
    stops.push(() => prom.stop());

    // Senders: each owns its series, sends one request at a time and retries until acknowledged (or refused 4xx).
    const ackLog = path.join(work, 'acked.log');
    let stop = false;
    let acked = 0;
    const refused: string[] = [];
    const sender = async (s: number): Promise<void> => {
      let last = 0;
      while (!stop) {
        const t = Math.max(last + 1, Date.now());
        last = t;
        const series = Array.from({ length: SERIES_PER_SENDER }, (_, i) => ({
          labels: [{ name: '__name__', value: 'crash_test' }, { name: 'i', value: String(i) }, { name: 'sender', value: String(s) }],
          ts: [t], vs: [valueOf(s, i, t)],
        }));
        const body = snappyEncode(encodeWriteRequestV1(series));
        for (;;) {
          let status: number;
          try {
            const res = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });
            status = res.status;
            await res.arrayBuffer();
          } catch {
            status = 0; // connection refused or reset: receive is down
          }
          if (status >= 200 && status < 300) {
            appendFileSync(ackLog, `${s} ${t}\n`);
            acked++;
            break;
          }
          if (status >= 400 && status < 500 && status !== 429) {
            refused.push(`sender ${s} t=${t}: ${status}`);
            break;
          }
          if (stop) return;
          await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const senders = Array.from({ length: SENDERS }, (_, s) => sender(s));

    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 300 + random() * MAX_GAP_MS));
      process.kill(proc!.pid, 'SIGKILL');
      await proc!.stop(); // waits for the exit
      await start();
    }
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(senders);
    // One more kill after the load, so the check reads only what survived in the WAL and blocks.
    process.kill(proc!.pid, 'SIGKILL');
    await proc!.stop();
    await start();

    const want = new Map<string, Set<number>>();
    for (const line of readFileSync(ackLog, 'utf8').split('\n')) {
      if (line === '') continue;
      const [s, t] = line.split(' ').map(Number) as [number, number];
      const set = want.get(String(s)) ?? new Set<number>();
      set.add(t);
      want.set(String(s), set);
    }
    const client = new GrpcStoreClient(`127.0.0.1:${grpcPort}`);
    stops.push(async () => client.close());
    const got = new Map<string, Map<number, number>>();
    const it = new XorIterator();
    for await (const f of client.series(seriesRequest({ matchers: [new Matcher('=', '__name__', 'crash_test')] }))) {
      if (f.type !== 'series') continue;
      const key = ['sender', 'i'].map((n) => f.series.labels.find((l) => l.name === n)?.value).join('/');
      const m = got.get(key) ?? new Map<number, number>();
      for (const c of f.series.chunks) {
        it.reset(c.raw!.data);
        while (it.next()) m.set(it.atT(), it.atF());
      }
      got.set(key, m);
    }
    // The acknowledged-request log.
    const missing: string[] = [];
    for (const [s, ts] of want) {
      for (let i = 0; i < SERIES_PER_SENDER; i++) {
        const m = got.get(`${s}/${i}`) ?? new Map<number, number>();
        for (const t of ts) {
          if (m.get(t) !== valueOf(Number(s), i, t)) missing.push(`sender ${s} series ${i} t=${t}: ${m.get(t) ?? 'missing'}`);
        }
      }
    }
    expect(acked).toBeGreaterThan(KILLS * 5);
    expect(missing.slice(0, 10)).toEqual([]);
    // Refusals may only be for retries of requests written just before a kill whose samples became too old.
    expect(refused.filter((r) => !r.endsWith(': 409')).slice(0, 10)).toEqual([]);

    // Prometheus: every sample in its own TSDB, up to a few scrapes ago, is served by a querier over receive (after
    // the last restart its queue catches up: untilSame polls). Its counters show it did retry, and dropped nothing.
    const query = await startQuery(work, 'query', [`127.0.0.1:${grpcPort}`]);
    stops.push(() => query.proc.stop());
    // A short run (kills close together) may end before Prometheus has scraped much: let it reach ten scrapes
    // before the point compared up to, so the comparison below always covers a fair number of samples.
    for (const waitUntil = Date.now() + 60_000; Date.now() < waitUntil;) {
      const q = new URLSearchParams({ query: 'count_over_time(up{job="crash"}[1h])', time: String((Date.now() - 5000) / 1000) });
      const body = await (await fetch(`${prom.url}/api/v1/query?${q.toString()}`)).json() as { data: { result: { value: [number, string] }[] } };
      if (Number(body.data.result[0]?.value[1] ?? 0) >= 10) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const at = Date.now() - 5000;
    // After long restarts (a niced soak on a loaded machine) Prometheus's one shard may still be sending its backlog:
    // wait until it has sent everything up to `at`.
    const sentBy = Date.now() + 2 * READY_MS;
    while (await promMetric(prom.url, 'prometheus_remote_storage_queue_highest_sent_timestamp_seconds') * 1000 < at && Date.now() < sentBy) {
      await new Promise((r) => setTimeout(r, 1000));
    }
    // Read before comparing, so a failed comparison still says whether Prometheus dropped samples (4xx) or lags.
    const retried = await promMetric(prom.url, 'prometheus_remote_storage_samples_retried_total');
    const failed = await promMetric(prom.url, 'prometheus_remote_storage_samples_failed_total');
    console.log(`Prometheus remote write: ${retried} samples retried, ${failed} failed (dropped)`);
    let promSamples = 0;
    for (const t of windowsBack(at, promStarted, 300_000)) {
      const r = await untilSame(() => matrixAt(prom.url, t, '300s'), () => matrixAt(query.httpUrl, t, '300s', ['receive_replica', 'tenant_id']).then((m) => {
        for (const k of [...m.keys()]) if (!k.includes('job="crash"')) m.delete(k);
        return m;
      }), 90_000);
      expect(r.diff.slice(0, 10), `window ending ${new Date(t).toISOString()}`).toEqual([]);
      promSamples += r.samples;
    }
    console.log(`receive crash: ${KILLS + 1} kills, ${acked} acknowledged requests all present; Prometheus: ${promSamples} samples compared equal, ${retried} samples retried, ${failed} failed`);
    expect(promSamples).toBeGreaterThan(EXPORTED * 5);
    expect(retried).toBeGreaterThan(0);
    expect(failed).toBe(0);
  }, 300_000 + (KILLS + 2) * (MAX_GAP_MS + 15_000 + READY_MS));
});
