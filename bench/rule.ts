// Benchmark: 1,000 recording rules over 10k series, evaluated by a real Prometheus 2.42 on its own data and by
// thanos-ts (rule over query → sidecar → that Prometheus; then standalone --rule-file in-process over its sidecar),
// with the same rule file, in the same run. Compares prometheus_rule_group_last_duration_seconds (summed over the
// 10 groups, averaged over the last BENCH_ROUNDS evaluations) and prints the ratio per phase (target <= 1.5).
// Run: npm run bench:rule   (BENCH_INTERVAL (30s), BENCH_ROUNDS (3), BENCH_PHASES (rule,standalone) change the run;
// BENCH_CONCURRENCY (1) is thanos-ts's --rule-concurrent-evaluation (Prometheus 2.42 always evaluates a group in order);
// THANOS_TS_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/p' profiles the thanos-ts processes).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, requireCommand, spawnPeer, waitForHttp } from '../test/support/peers/process.js';
import { startQuery, startThanos, tempWorkDir } from '../test/query/support/ha-cluster.js';
import { remoteWrite, type SeriesData } from '../test/rule/support/remote-write.js';

const INTERVAL_S = Number(process.env['BENCH_INTERVAL'] ?? '30');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? '3');
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? '1');
// thanos-ts runs at the default log level, as Prometheus does here (debug lines cost a stack capture each).
process.env['THANOS_TS_LOG_LEVEL'] ??= 'info';
const SERIES = 10_000;
const GROUPS = 10;
const RULES_PER_GROUP = 100;

function dataset(nowMs: number): SeriesData[] {
  const out: SeriesData[] = [];
  for (let i = 0; i < SERIES; i++) {
    const samples: [number, number][] = [];
    // 10 minutes back and 30 minutes ahead at 15 s, so every evaluation of the run has fresh data.
    for (let t = nowMs - 600_000, k = 0; t <= nowMs + 1_800_000; t += 15_000, k++) samples.push([t, k * (1 + (i % 7))]);
    out.push({ labels: { __name__: 'bench_requests_total', job: `job${i % 10}`, instance: `inst${i}`, shard: `s${i % 100}`, code: i % 5 === 0 ? '500' : '200' }, samples });
  }
  return out;
}

/** 1,000 rules: for each of 100 shards (100 series each) ten typical recording expressions. */
function rules(): string {
  const exprs = [
    (s: string) => `sum by (job) (rate(bench_requests_total{shard="${s}"}[5m]))`,
    (s: string) => `sum by (job, code) (rate(bench_requests_total{shard="${s}"}[5m]))`,
    (s: string) => `sum(increase(bench_requests_total{shard="${s}"}[5m]))`,
    (s: string) => `max by (job) (bench_requests_total{shard="${s}"})`,
    (s: string) => `count by (code) (bench_requests_total{shard="${s}"})`,
    (s: string) => `sum by (job) (rate(bench_requests_total{shard="${s}",code="500"}[5m])) / sum by (job) (rate(bench_requests_total{shard="${s}"}[5m]))`,
    (s: string) => `avg by (job) (irate(bench_requests_total{shard="${s}"}[1m]))`,
    (s: string) => `topk(3, rate(bench_requests_total{shard="${s}"}[5m]))`,
    (s: string) => `sum by (instance) (delta(bench_requests_total{shard="${s}"}[2m]))`,
    (s: string) => `quantile(0.9, rate(bench_requests_total{shard="${s}"}[5m]))`,
  ];
  let y = 'groups:\n';
  for (let g = 0; g < GROUPS; g++) {
    y += `- name: bench-${g}\n  interval: ${INTERVAL_S}s\n  rules:\n`;
    for (let r = 0; r < RULES_PER_GROUP; r++) {
      const shard = `s${(g * 10 + Math.floor(r / 10)) % 100}`;
      y += `  - record: bench:rule_${g}_${r}\n    expr: '${exprs[r % 10]!(shard)}'\n`;
    }
  }
  return y;
}

/** Last-duration per group from a /metrics text (any strategy label). */
function lastDurations(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('prometheus_rule_group_last_duration_seconds{')) continue;
    const g = /rule_group="[^"]*;(bench-\d+)"/.exec(line);
    if (g) out.set(g[1]!, Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

function lastEvalTimes(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('prometheus_rule_group_last_evaluation_timestamp_seconds{')) continue;
    const g = /rule_group="[^"]*;(bench-\d+)"/.exec(line);
    if (g) out.set(g[1]!, Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

interface Measured { prom: number[]; ours: number[]; latest: { prom: Map<string, number>; ours: Map<string, number> } }

/** Polls both /metrics until ROUNDS + 1 complete rounds (every group evaluated again) on each side, or a deadline. */
async function measure(promUrl: string, oursUrl: string): Promise<Measured> {
  const sums = { prom: [] as number[], ours: [] as number[] };
  const seen = { prom: new Map<string, number>(), ours: new Map<string, number>() };
  // One warm-up evaluation of every group on both sides, then ROUNDS measured ones.
  const deadline = Date.now() + (ROUNDS + 3) * INTERVAL_S * 1000 + Number(process.env['BENCH_EXTRA_S'] ?? '300') * 1000;
  const latest = { prom: new Map<string, number>(), ours: new Map<string, number>() };
  // Prometheus's state before this phase does not count as a round of it.
  seen.prom = lastEvalTimes(await (await fetch(`${promUrl}/metrics`)).text());
  while ((sums.prom.length < ROUNDS + 1 || sums.ours.length < ROUNDS + 1) && Date.now() < deadline) {
    for (const [side, url] of [['prom', promUrl], ['ours', oursUrl]] as const) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const times = lastEvalTimes(text);
      const durs = lastDurations(text);
      latest[side] = durs;
      // A round completes when every group has a new evaluation since the last round.
      if (times.size === GROUPS && [...times].every(([g, t]) => t > (seen[side].get(g) ?? 0))) {
        seen[side] = times;
        sums[side].push([...durs.values()].reduce((a, b) => a + b, 0));
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { ...sums, latest };
}

function report(label: string, m: Measured): void {
  const avg = (xs: number[]): number => xs.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, xs.length - 1);
  const p = avg(m.prom);
  const o = avg(m.ours);
  console.log(`[${label}] Prometheus 2.42  sum of prometheus_rule_group_last_duration_seconds: ${p.toFixed(3)} s  (rounds: ${m.prom.slice(1).map((x) => x.toFixed(3)).join(', ')})`);
  console.log(`[${label}] thanos-ts        sum of prometheus_rule_group_last_duration_seconds: ${o.toFixed(3)} s  (rounds: ${m.ours.slice(1).map((x) => x.toFixed(3)).join(', ')})`);
  if (m.ours.length < 2 || m.prom.length < 2) {
    // Not enough complete rounds (a loaded machine): show what each side's groups last took.
    const show = (x: Map<string, number>): string => [...x].sort().map(([g, d]) => `${g}=${d.toFixed(2)}s`).join(' ');
    console.log(`[${label}] incomplete run: complete rounds prom=${Math.max(0, m.prom.length - 1)} ours=${Math.max(0, m.ours.length - 1)}`);
    console.log(`[${label}] Prometheus last durations: ${show(m.latest.prom)}`);
    console.log(`[${label}] thanos-ts  last durations: ${show(m.latest.ours)}`);
    const sp = [...m.latest.prom.values()].reduce((a, b) => a + b, 0);
    const so = [...m.latest.ours.values()].reduce((a, b) => a + b, 0);
    if (m.latest.ours.size === GROUPS && m.latest.prom.size === GROUPS) console.log(`[${label}] ratio of the latest evaluations thanos-ts / Prometheus: ${(so / sp).toFixed(2)}x (target <= 1.5x)`);
    return;
  }
  console.log(`[${label}] ratio thanos-ts / Prometheus: ${(o / p).toFixed(2)}x (target <= 1.5x)`);
}

/**
 * Phases, one after the other against the same Prometheus (BENCH_PHASES, default both):
 * - rule: `thanos-ts rule` → HTTP /api/v1/query → `thanos-ts query` → gRPC → `thanos-ts sidecar` → Prometheus
 *   (as upstream's ruler runs);
 * - standalone: `thanos-ts standalone --rule-file` with its sidecar for that Prometheus: the rule groups query the
 *   querier's engine in-process (no HTTP/JSON hop between ruler and querier, one process fewer).
 */
/** A metric's value summed over its series in a /metrics text. */
function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** CPU seconds of each process and rule evaluations of each side, read together. */
async function cpuSnapshot(procs: Record<string, string>, sides: { prom: string; ours: string }): Promise<{ cpu: Map<string, number>; evals: { prom: number; ours: number } }> {
  const cpu = new Map<string, number>();
  for (const [name, url] of Object.entries(procs)) cpu.set(name, metricSum(await (await fetch(`${url}/metrics`)).text(), 'process_cpu_seconds_total'));
  const evals = async (url: string): Promise<number> => metricSum(await (await fetch(`${url}/metrics`)).text(), 'prometheus_rule_evaluations_total');
  return { cpu, evals: { prom: await evals(sides.prom), ours: await evals(sides.ours) } };
}

/** CPU per rule evaluation of every process between two snapshots (Prometheus's: per its own evaluations). */
function cpuPerRule(label: string, a: Awaited<ReturnType<typeof cpuSnapshot>>, b: Awaited<ReturnType<typeof cpuSnapshot>>): void {
  const ours = b.evals.ours - a.evals.ours;
  const prom = b.evals.prom - a.evals.prom;
  const parts = [...b.cpu].map(([name, v]) => {
    const per = name === 'prometheus' ? prom : ours;
    return `${name} ${per > 0 ? (((v - (a.cpu.get(name) ?? 0)) / per) * 1000).toFixed(3) : '?'} ms`;
  });
  console.log(`[${label}] CPU per rule evaluation (process_cpu_seconds_total; Prometheus's includes the sidecar's remote reads): ${parts.join(', ')}`);
}

/** The querier's shared-select counts by result, as `miss=… joined=… hit=…`. */
async function sharedSelects(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts = [...text.matchAll(/^thanos_query_shared_selects_total\{result="(\w+)"\} (\S+)$/gm)].map((m) => `${m[1]}=${m[2]}`);
  return counts.length > 0 ? counts.join(' ') : 'none (sharing off)';
}

async function main(): Promise<void> {
  const phases = (process.env['BENCH_PHASES'] ?? 'rule,standalone').split(',').filter((x) => x !== '');
  const work = await tempWorkDir('bench-rule-');
  const stops: (() => Promise<void>)[] = [];
  try {
    const rulesFile = path.join(work, 'rules.yml');
    await writeFile(rulesFile, rules());
    const port = await freePort();
    const promUrl = `http://127.0.0.1:${port}`;
    await writeFile(path.join(work, 'prometheus.yml'), `global:\n  scrape_interval: 15s\n  evaluation_interval: ${INTERVAL_S}s\n  external_labels:\n    prom_replica: p\nrule_files:\n  - ${rulesFile}\n`);
    await mkdir(path.join(work, 'data'), { recursive: true });
    const prom = spawnPeer('prometheus', requireCommand('prometheus', 'Prometheus 2.42'), [
      `--config.file=${path.join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(work, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h', '--web.enable-remote-write-receiver',
    ], { logDir: work });
    stops.push(() => prom.stop());
    await waitForHttp(`${promUrl}/-/ready`, prom, 60_000, (s) => s === 200);
    console.log(`writing ${SERIES} series …`);
    await remoteWrite(promUrl, dataset(Date.now()));
    console.log(`rule groups: ${GROUPS} × ${RULES_PER_GROUP} recording rules over ${SERIES} series, interval ${INTERVAL_S}s; thanos-ts --rule-concurrent-evaluation=${CONCURRENCY}`);
    for (const phase of phases) {
      const local: (() => Promise<void>)[] = [];
      try {
        let oursUrl: string;
        let querierUrl: string;
        const procs: Record<string, string> = { prometheus: promUrl };
        if (phase === 'rule') {
          const sidecar = await startThanos(work, 'sidecar', ['sidecar', `--prometheus.url=${promUrl}`, `--tsdb.path=${path.join(work, 'data')}`]);
          local.push(() => sidecar.proc.stop());
          const query = await startQuery(work, 'query', [sidecar.grpcAddress], ['--query.replica-label=prom_replica']);
          local.push(() => query.proc.stop());
          const ruler = await startThanos(work, 'rule', ['rule', `--rule-file=${rulesFile}`, `--query=${query.httpUrl}`, `--data-dir=${path.join(work, 'rule-data')}`, `--eval-interval=${INTERVAL_S}s`, `--rule-concurrent-evaluation=${CONCURRENCY}`]);
          local.push(() => ruler.proc.stop());
          oursUrl = ruler.httpUrl;
          querierUrl = query.httpUrl;
          Object.assign(procs, { sidecar: sidecar.httpUrl, query: query.httpUrl, rule: ruler.httpUrl });
        } else if (phase === 'standalone') {
          const sa = await startThanos(work, 'standalone', [
            'standalone', `--prometheus.url=${promUrl}`, `--rule-file=${rulesFile}`, `--eval-interval=${INTERVAL_S}s`, `--rule-concurrent-evaluation=${CONCURRENCY}`,
            `--data-dir=${path.join(work, 'standalone-data')}`, '--compact.disable', '--query.replica-label=prom_replica',
          ]);
          local.push(() => sa.proc.stop());
          oursUrl = sa.httpUrl;
          querierUrl = sa.httpUrl;
          Object.assign(procs, { standalone: sa.httpUrl });
        } else {
          throw new Error(`unknown phase ${phase} in BENCH_PHASES (rule, standalone)`);
        }
        const before = await cpuSnapshot(procs, { prom: promUrl, ours: oursUrl });
        report(phase, await measure(promUrl, oursUrl));
        cpuPerRule(phase, before, await cpuSnapshot(procs, { prom: promUrl, ours: oursUrl }));
        console.log(`[${phase}] querier's store selects (thanos_query_shared_selects_total): ${await sharedSelects(querierUrl)}`);
      } finally {
        for (const s of local.reverse()) await s().catch(() => undefined);
      }
    }
  } finally {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

await main();
