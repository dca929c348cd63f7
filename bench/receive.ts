// Remote-write ingestion benchmark, thanos-ts receive vs Prometheus 2.42's own receiver
// (--web.enable-remote-write-receiver), same machine, same run, one after the other with the same load:
// SERIES active series, ROUNDS scrapes of each (15 s apart), pre-encoded as snappy prompb WriteRequests of
// BATCH series, sent by SENDERS concurrent senders over keep-alive HTTP (each owns a slice of the series and sends
// its rounds in order, as Prometheus's shards do). Prints samples/s (the first round, which creates the series, is
// reported apart) and RSS growth per active series, with thanos-ts / Prometheus ratios.
// Options: --series=20000 --rounds=20 --batch=500 --senders=8
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { encodeWriteRequestV1 } from '../src/receive/write-request-encode.js';
import { snappyEncode } from '../src/tsdb/encoding/snappy.js';
import { BIN, REPO_ROOT } from '../test/support/cli.js';
import { freePort, spawnPeer, waitForHttp, type PeerProcess } from '../test/support/peers/process.js';
import { startPrometheus } from '../test/support/prometheus.js';

const args = new Map(process.argv.slice(2).map((a) => { const [k, v] = a.replace(/^--/, '').split('='); return [k!, v ?? 'true']; }));
const SERIES = Number(args.get('series') ?? 20_000);
const ROUNDS = Number(args.get('rounds') ?? 20);
const BATCH = Number(args.get('batch') ?? 500);
const SENDERS = Number(args.get('senders') ?? 8);
const STEP = 15_000;
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-receive-'));
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d });

/** requests[sender][round] = that sender's pre-encoded bodies for the round. */
function encodeLoad(start: number): Uint8Array[][][] {
  const per = Math.ceil(SERIES / SENDERS);
  const out: Uint8Array[][][] = [];
  for (let s = 0; s < SENDERS; s++) {
    const rounds: Uint8Array[][] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const bodies: Uint8Array[] = [];
      for (let i = s * per; i < Math.min(SERIES, (s + 1) * per); i += BATCH) {
        const series = [];
        for (let j = i; j < Math.min(SERIES, (s + 1) * per, i + BATCH); j++) {
          series.push({
            labels: [{ name: '__name__', value: `bench_metric_${j % 100}` }, { name: 'instance', value: `host-${j}` }, { name: 'job', value: 'bench' }],
            ts: [start + r * STEP], vs: [(j * 7 + r) % 1000],
          });
        }
        bodies.push(snappyEncode(encodeWriteRequestV1(series)));
      }
      rounds.push(bodies);
    }
    out.push(rounds);
  }
  return out;
}

function post(agent: http.Agent, url: URL, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Write-Version': '0.1.0', 'Content-Length': body.length },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends rounds [from, to) with every sender at once; returns seconds taken. */
async function send(target: string, load: Uint8Array[][][], from: number, to: number): Promise<number> {
  const url = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: SENDERS });
  const t0 = performance.now();
  await Promise.all(load.map(async (rounds) => {
    for (let r = from; r < to; r++) {
      for (const body of rounds[r]!) {
        const status = await post(agent, url, body);
        if (status < 200 || status >= 300) throw new Error(`${target}: HTTP ${status}`);
      }
    }
  }));
  agent.destroy();
  return (performance.now() - t0) / 1000;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

interface Result { first: number; steady: number; rssPerSeries: number }

async function measure(name: string, target: string, pid: number, load: Uint8Array[][][]): Promise<Result> {
  await new Promise((r) => setTimeout(r, 2000));
  const idle = rssBytes(pid);
  const firstS = await send(target, load, 0, 1);
  const steadyS = await send(target, load, 1, ROUNDS);
  await new Promise((r) => setTimeout(r, 2000));
  const rss = rssBytes(pid);
  const res = { first: SERIES / firstS, steady: (SERIES * (ROUNDS - 1)) / steadyS, rssPerSeries: (rss - idle) / SERIES };
  console.log(`${name.padEnd(22)} first round (creates series) ${fmt(res.first).padStart(10)} samples/s   steady ${fmt(res.steady).padStart(10)} samples/s   RSS +${fmt((rss - idle) / 1048576, 1)} MiB = ${fmt(res.rssPerSeries)} B/series`);
  return res;
}

async function main(): Promise<void> {
  console.log(`remote write: ${fmt(SERIES)} series x ${ROUNDS} rounds, ${BATCH} series per request, ${SENDERS} concurrent senders (node ${process.version}, ${os.cpus().length} CPUs)`);
  const start = Date.now() - ROUNDS * STEP;
  const load = encodeLoad(start);
  let receive: PeerProcess | undefined;
  let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  try {
    const [httpPort, grpcPort, rwPort] = [await freePort(), await freePort(), await freePort()];
    receive = spawnPeer('receive', process.execPath, [
      BIN, 'receive', `--http-address=127.0.0.1:${httpPort}`, `--grpc-address=127.0.0.1:${grpcPort}`,
      `--remote-write.address=127.0.0.1:${rwPort}`, `--tsdb.path=${path.join(work, 'receive')}`, '--label=receive_replica="r1"',
    ], { logDir: work, cwd: REPO_ROOT });
    await waitForHttp(`http://127.0.0.1:${httpPort}/-/ready`, receive, 60_000, (s) => s === 200);
    const t = await measure('thanos-ts receive', `http://127.0.0.1:${rwPort}/api/v1/receive`, receive.pid, load);
    await receive.stop();
    receive = undefined;

    prom = await startPrometheus({ dataDir: path.join(work, 'prom'), workDir: path.join(work, 'prom-work'), flags: ['--web.enable-remote-write-receiver'] });
    const p = await measure('Prometheus 2.42', `${prom.url}/api/v1/write`, prom.process.pid, load);
    console.log(`ratio thanos-ts/Prometheus: steady samples/s ${(t.steady / p.steady).toFixed(2)}x (target >= 1.0), first round ${(t.first / p.first).toFixed(2)}x, RSS per active series ${(t.rssPerSeries / p.rssPerSeries).toFixed(2)}x (lower is better)`);
  } finally {
    await receive?.stop();
    await prom?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
