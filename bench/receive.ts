// Remote-write ingestion benchmark, thanos-ts receive vs Prometheus 2.42's own receiver
// (--web.enable-remote-write-receiver), same machine, same run, one after the other with the same load:
// SERIES active series, ROUNDS scrapes of each (15 s apart), pre-encoded as snappy prompb WriteRequests of
// BATCH series, sent by SENDERS concurrent senders over keep-alive HTTP (each owns a slice of the series and sends
// its rounds in order, as Prometheus's shards do). Both servers run at once and get the rounds in turn (round r to
// one, then to the other), so a change in the machine's load falls on both alike. Prints samples/s (the first round,
// which creates the series, apart), samples per CPU-second of the server process (all its threads), and RSS growth
// per active series, with thanos-ts / Prometheus ratios. Both keep a snappy-compressed WAL (Prometheus's default).
// Options: --series=20000 --rounds=20 --batch=500 --senders=8; --only=receive skips Prometheus;
// --profile=DIR runs receive under node --cpu-prof, writing the profile to DIR; --workers adds a third target, receive
// with decode worker threads (--receive.decode-threads=-1), to show what they bring in the same run.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, REPO_ROOT } from '../test/support/cli.js';
import { freePort, spawnPeer, waitForHttp, type PeerProcess } from '../test/support/peers/process.js';
import { startPrometheus } from '../test/support/prometheus.js';
import { processCpuMs } from './proc-cpu.js';
import { encodeLoad, rssBytes, sendRounds } from './remote-write-load.js';

const args = new Map(process.argv.slice(2).map((a) => { const [k, v] = a.replace(/^--/, '').split('='); return [k!, v ?? 'true']; }));
const SERIES = Number(args.get('series') ?? 20_000);
const ROUNDS = Number(args.get('rounds') ?? 20);
const BATCH = Number(args.get('batch') ?? 500);
const SENDERS = Number(args.get('senders') ?? 8);
const ONLY = args.get('only');
const PROFILE = args.get('profile');
const WORKERS = args.has('workers');
const STEP = 15_000;
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-receive-'));
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d });

/** One server under test: where it takes writes, and what it has cost so far. */
interface Target {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  idleRss: number;
  firstS: number;
  firstCpuMs: number;
  steadyS: number;
  steadyCpuMs: number;
}

/** Sends rounds [from, to) to one target, adding wall and server CPU time to `into`. */
async function timed(t: Target, load: Uint8Array[][][], from: number, to: number, into: 'first' | 'steady'): Promise<void> {
  const cpu0 = processCpuMs(t.pid);
  const s = await sendRounds(t.url, load, from, to);
  const cpu = processCpuMs(t.pid) - cpu0;
  if (into === 'first') { t.firstS += s; t.firstCpuMs += cpu; } else { t.steadyS += s; t.steadyCpuMs += cpu; }
}

async function main(): Promise<void> {
  console.log(`remote write: ${fmt(SERIES)} series x ${ROUNDS} rounds, ${BATCH} series per request, ${SENDERS} concurrent senders (node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)})`);
  const start = Date.now() - ROUNDS * STEP;
  const load = encodeLoad({ series: SERIES, rounds: ROUNDS, batch: BATCH, senders: SENDERS, step: STEP }, start);
  const receives: PeerProcess[] = [];
  let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  try {
    const targets: Target[] = [];
    const variants: [string, string[]][] = [['thanos-ts receive', []], ...(WORKERS ? [['receive, decode workers', ['--receive.decode-threads=-1']] as [string, string[]]] : [])];
    for (const [name, extra] of variants) {
      const [httpPort, grpcPort, rwPort] = [await freePort(), await freePort(), await freePort()];
      const dir = `receive-${targets.length}`;
      const receive = spawnPeer(dir, process.execPath, [
        ...(PROFILE !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(PROFILE)}`] : []), BIN,
        'receive', `--http-address=127.0.0.1:${httpPort}`, `--grpc-address=127.0.0.1:${grpcPort}`,
        `--remote-write.address=127.0.0.1:${rwPort}`, `--tsdb.path=${path.join(work, dir)}`, '--label=receive_replica="r1"', ...extra,
      ], { logDir: work, cwd: REPO_ROOT });
      receives.push(receive);
      await waitForHttp(`http://127.0.0.1:${httpPort}/-/ready`, receive, 60_000, (st) => st === 200);
      targets.push({ name, url: `http://127.0.0.1:${rwPort}/api/v1/receive`, pid: receive.pid, idleRss: 0, firstS: 0, firstCpuMs: 0, steadyS: 0, steadyCpuMs: 0 });
    }
    if (ONLY !== 'receive') {
      prom = await startPrometheus({ dataDir: path.join(work, 'prom'), workDir: path.join(work, 'prom-work'), flags: ['--web.enable-remote-write-receiver'] });
      targets.push({ name: 'Prometheus 2.42', url: `${prom.url}/api/v1/write`, pid: prom.process.pid, idleRss: 0, firstS: 0, firstCpuMs: 0, steadyS: 0, steadyCpuMs: 0 });
    }
    await new Promise((r) => setTimeout(r, 2000));
    for (const t of targets) t.idleRss = rssBytes(t.pid);
    // Round by round, one target after the other, so a change in the machine's load falls on both alike.
    for (const t of targets) await timed(t, load, 0, 1, 'first');
    for (let r = 1; r < ROUNDS; r++) for (const t of targets) await timed(t, load, r, r + 1, 'steady');
    await new Promise((r) => setTimeout(r, 2000));
    const res = targets.map((t) => {
      const rss = rssBytes(t.pid) - t.idleRss;
      const r = {
        first: SERIES / t.firstS, steady: (SERIES * (ROUNDS - 1)) / t.steadyS,
        steadyPerCpuS: (SERIES * (ROUNDS - 1)) / (t.steadyCpuMs / 1000), firstPerCpuS: SERIES / (t.firstCpuMs / 1000), rssPerSeries: rss / SERIES,
      };
      console.log(`${t.name.padEnd(19)} first round (creates series) ${fmt(r.first).padStart(8)} samples/s  steady ${fmt(r.steady).padStart(8)} samples/s  ` +
        `(server CPU: first ${fmt(r.firstPerCpuS).padStart(8)}, steady ${fmt(r.steadyPerCpuS).padStart(8)} samples/cpu-s)  RSS +${fmt(rss / 1048576, 1)} MiB = ${fmt(r.rssPerSeries)} B/series`);
      return r;
    });
    const p = ONLY !== 'receive' ? res[res.length - 1] : undefined;
    for (const [i, t] of res.slice(0, variants.length).entries()) {
      if (!p) break;
      console.log(`ratio ${variants[i]![0]}/Prometheus: steady samples/s ${(t.steady / p.steady).toFixed(2)}x (target >= 1.0), first round ${(t.first / p.first).toFixed(2)}x, ` +
        `samples per server CPU-second steady ${(t.steadyPerCpuS / p.steadyPerCpuS).toFixed(2)}x first ${(t.firstPerCpuS / p.firstPerCpuS).toFixed(2)}x, RSS per active series ${(t.rssPerSeries / p.rssPerSeries).toFixed(2)}x (lower is better)`);
    }
  } finally {
    for (const r of receives) await r.stop();
    await prom?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
