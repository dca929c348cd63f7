// Receive at scale, same machine, same run: remote-write samples/s through a RouterOnly `thanos-ts receive` in front
// of three IngestorOnly receivers (replication factor 1 and 3), against one receiver alone with the same load; then
// the router's peak RSS while it is offered twice (then 8x) the rate it sustained (open loop). Two caps apply:
// --receive.max-inflight-request-bytes (requests being read, decoded and forwarded; 503 beyond) and the per-peer
// --receive.forward.max-inflight-bytes. RSS is printed per phase to show how far it grows: bounded at 2x, while at 8x
// it still grows (not in request bodies; not traced yet). In the measured rounds a 429/5xx is back-pressure, sent
// again after a backoff as Prometheus would, and counted.
// Options: --series=10000 --rounds=10 --batch=500 --senders=8 --overload=2,8 --overload-seconds=20 --max-inflight=64MB
//   --request-cap=32MB (the router's --receive.max-inflight-request-bytes)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, REPO_ROOT } from '../test/support/cli.js';
import { freePort, spawnPeer, waitForHttp, type PeerProcess } from '../test/support/peers/process.js';
import { encodeLoad, peakRssBytes, rssBytes, sendOpenLoop, sendRounds, type LoadShape } from './remote-write-load.js';

const args = new Map(process.argv.slice(2).map((a) => { const [k, v] = a.replace(/^--/, '').split('='); return [k!, v ?? 'true']; }));
const shape: LoadShape = {
  series: Number(args.get('series') ?? 10_000),
  rounds: Number(args.get('rounds') ?? 10),
  batch: Number(args.get('batch') ?? 500),
  senders: Number(args.get('senders') ?? 8),
  step: 15_000,
};
const OVERLOAD_S = Number(args.get('overload-seconds') ?? 20);
const FACTORS = (args.get('overload') ?? '2,8').split(',').map(Number);
const MAX_INFLIGHT = args.get('max-inflight') ?? '64MB';
const REQUEST_CAP = args.get('request-cap') ?? '32MB';
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-receive-ring-'));
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d });
const mib = (b: number): string => `${fmt(b / 1048576, 1)} MiB`;

interface Proc { proc: PeerProcess; rw: string; grpc: string }
const running: PeerProcess[] = [];

async function receive(name: string, extra: readonly string[], grpcPort?: number): Promise<Proc> {
  const [httpPort, rwPort] = [await freePort(), await freePort()];
  const gp = grpcPort ?? await freePort();
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  const proc = spawnPeer(name, process.execPath, [
    BIN, 'receive', `--http-address=127.0.0.1:${httpPort}`, `--grpc-address=127.0.0.1:${gp}`,
    `--remote-write.address=127.0.0.1:${rwPort}`, `--tsdb.path=${path.join(dir, 'data')}`, `--label=receive_replica="${name}"`, ...extra,
  ], { logDir: dir, cwd: REPO_ROOT });
  running.push(proc);
  await waitForHttp(`http://127.0.0.1:${httpPort}/-/ready`, proc, 60_000, (s) => s === 200);
  return { proc, rw: `http://127.0.0.1:${rwPort}/api/v1/receive`, grpc: `127.0.0.1:${gp}` };
}

async function stopAll(): Promise<void> {
  for (const p of running.splice(0)) await p.stop(30_000);
}

/**
 * Steady samples/s over rounds 1.. (round 0 creates the series and is sent first, unmeasured), and what was
 * refused with 429/5xx and sent again (as Prometheus does) in the measured rounds.
 */
async function steady(target: string, load: Uint8Array[][][]): Promise<{ rate: number; retried: string }> {
  await sendRounds(target, load, 0, 1, new Map());
  const retried = new Map<number, number>();
  const s = await sendRounds(target, load, 1, shape.rounds, retried);
  return { rate: (shape.series * (shape.rounds - 1)) / s, retried: retried.size === 0 ? 'none' : [...retried].map(([k, n]) => `${fmt(n)} x ${k}`).join(', ') };
}

/** Three ingestors and a RouterOnly router over them at replication factor `rf`. */
async function ring(rf: number): Promise<Proc> {
  const ingestors = [await receive(`ingestor-${rf}-a`, []), await receive(`ingestor-${rf}-b`, []), await receive(`ingestor-${rf}-c`, [])];
  const file = path.join(work, `hashrings-${rf}.json`);
  writeFileSync(file, JSON.stringify([{ endpoints: ingestors.map((i) => i.grpc) }]));
  return receive(`router-${rf}`, [`--receive.hashrings-file=${file}`, `--receive.replication-factor=${rf}`, `--receive.forward.max-inflight-bytes=${MAX_INFLIGHT}`, `--receive.max-inflight-request-bytes=${REQUEST_CAP}`]);
}

async function main(): Promise<void> {
  console.log(`receive ring: ${fmt(shape.series)} series x ${shape.rounds} rounds, ${shape.batch} series per request, ${shape.senders} concurrent senders (node ${process.version}, ${os.cpus().length} CPUs; all processes share them)`);
  const start = Date.now() - shape.rounds * shape.step;
  const load = (base: number): Uint8Array[][][] => encodeLoad(shape, base);
  try {
    const alone = await receive('alone', []);
    const { rate: a, retried: ra } = await steady(alone.rw, load(start));
    console.log(`one receiver alone                          ${fmt(a).padStart(10)} samples/s   (refused and sent again: ${ra})`);
    await stopAll();

    const r1 = await ring(1);
    const { rate: s1, retried: rr1 } = await steady(r1.rw, load(start));
    console.log(`router -> 3 ingestors, replication factor 1 ${fmt(s1).padStart(10)} samples/s   ratio to one receiver alone ${(s1 / a).toFixed(2)}x   (refused and sent again: ${rr1})`);
    await stopAll();

    const r3 = await ring(3);
    const { rate: s3, retried: rr3 } = await steady(r3.rw, load(start));
    console.log(`router -> 3 ingestors, replication factor 3 ${fmt(s3).padStart(10)} samples/s   ratio to one receiver alone ${(s3 / a).toFixed(2)}x (each sample stored 3 times)   (refused and sent again: ${rr3})`);

    // Overload: FACTORS times the request rate the RF=3 ring just sustained (2x as the issue asks, then more, to
    // see the in-flight cap answer 503 and hold memory), open loop, fresh timestamps (1 s apart).
    let base = start + shape.rounds * shape.step;
    for (const factor of FACTORS) {
      const perSecond = (factor * s3) / shape.batch;
      const total = Math.ceil(perSecond * OVERLOAD_S);
      const perRound = Math.ceil(shape.series / shape.batch);
      const rounds = Math.min(Math.ceil(total / perRound), 400);
      // Round after round, as Prometheus sends: a series' next sample comes a whole round after its previous one.
      const bySender = encodeLoad({ ...shape, rounds, step: 1000 }, base);
      base += rounds * 1000;
      const bodies = Array.from({ length: rounds }, (_, r) => bySender.flatMap((rs) => rs[r]!)).flat();
      const before = rssBytes(r3.proc.pid);
      let peak = before;
      const sampler = setInterval(() => { peak = Math.max(peak, rssBytes(r3.proc.pid)); }, 100);
      const statuses = await sendOpenLoop(r3.rw, bodies, perSecond, OVERLOAD_S);
      clearInterval(sampler);
      const answers = [...statuses].sort(([x], [y]) => String(x).localeCompare(String(y))).map(([k, n]) => `${k}: ${fmt(n)}`).join(', ');
      console.log(`router under ${factor}x overload (${fmt(perSecond, 1)} requests/s = ${fmt(perSecond * shape.batch)} samples/s offered for ${OVERLOAD_S} s, RF=3): answers ${answers}`);
      console.log(`  router RSS ${mib(before)} before, peak ${mib(peak)} during (sampled every 100 ms); requests in progress capped at ${REQUEST_CAP}, forwards at ${MAX_INFLIGHT} per peer x 3 peers`);
    }
    console.log(`router peak RSS over its whole life (VmHWM): ${mib(peakRssBytes(r3.proc.pid))}`);
  } catch (err) {
    // Keep the processes' logs: they say why a node refused.
    await stopAll();
    console.error(`failed; the receivers' logs are in ${work}`);
    throw err;
  }
  await stopAll();
  rmSync(work, { recursive: true, force: true });
}

await main();
