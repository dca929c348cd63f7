// The ruler's kept state and failure behaviour, with real processes: SIGKILL mid-`for` and restart on the same data
// dir keeps the time already spent pending (restored from ALERTS_FOR_STATE in its WAL), and an already firing alert
// stays one alert at a real Alertmanager 0.25; the querier going away for longer than Alertmanager's validity window
// neither resolves nor resets firing alerts (and the ruler logs why); a querier with a failing store gives a
// `warn` group its result and an `abort` group an error, as partial_response_strategy says.
import { appendFileSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, requireCommand, spawnPeer, waitForHttp, type PeerProcess } from '../support/peers/process.js';
import { startQuery, startThanos, tempWorkDir, type ThanosProc } from '../query/support/ha-cluster.js';
import { remoteWrite } from '../rule/support/remote-write.js';
import { startAlertmanager, type RunningAlertmanager } from '../rule/support/alertmanager.js';

const RULES = `groups:
- name: alerts
  interval: 1s
  rules:
  - alert: LongPending
    expr: outage_metric > 0
    for: 20s
  - alert: Fires
    expr: outage_metric > 0
    for: 2s
    annotations:
      summary: 'value {{ $value }}'
`;
const PARTIAL = `groups:
- name: warn-group
  interval: 1s
  partial_response_strategy: warn
  rules:
  - record: pr:warn
    expr: outage_metric
- name: abort-group
  interval: 1s
  partial_response_strategy: abort
  rules:
  - record: pr:abort
    expr: outage_metric
`;

type Json = Record<string, unknown>;
interface ApiAlert { labels: Record<string, string>; state: string; activeAt: string }

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function alertsOf(r: ThanosProc): Promise<ApiAlert[]> {
  const body = (await (await fetch(`${r.httpUrl}/api/v1/alerts`)).json()) as { data: { alerts: ApiAlert[] } };
  return body.data.alerts;
}

async function waitFor<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('thanos-ts rule: restart mid-for, querier outage, partial response', () => {
  let work: string;
  let prom: PeerProcess;
  let promUrl: string;
  let am: RunningAlertmanager;
  let sidecar: ThanosProc;
  let query: ThanosProc;
  let queryPartial: ThanosProc;
  let ruler: ThanosProc | undefined;
  let rulerPartial: ThanosProc;
  let sdFile: string;
  let ruleArgs: string[];

  beforeAll(async () => {
    work = await tempWorkDir('rule-restart-');
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    await writeFile(path.join(work, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n  external_labels:\n    prom_replica: p\n');
    await mkdir(path.join(work, 'data'), { recursive: true });
    prom = spawnPeer('prometheus', requireCommand('prometheus', 'Prometheus 2.42 (Debian package prometheus)'), [
      `--config.file=${path.join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(work, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h', '--web.enable-remote-write-receiver',
    ], { logDir: work });
    await waitForHttp(`${promUrl}/-/ready`, prom, 60_000, (s) => s === 200);
    const now = Math.floor(Date.now() / 1000) * 1000;
    const samples: [number, number][] = [];
    for (let t = now - 300_000; t <= now + 600_000; t += 1000) samples.push([t, 1]);
    await remoteWrite(promUrl, [{ labels: { __name__: 'outage_metric', job: 'x' }, samples }]);
    am = await startAlertmanager(path.join(work, 'am'));
    sidecar = await startThanos(work, 'sidecar', ['sidecar', `--prometheus.url=${promUrl}`, `--tsdb.path=${path.join(work, 'data')}`]);
    query = await startQuery(work, 'query', [sidecar.grpcAddress], ['--query.replica-label=prom_replica']);
    // A querier with a store that never answers: every answer has a failure in it.
    queryPartial = await startQuery(work, 'query-partial', [sidecar.grpcAddress, `127.0.0.1:${await freePort()}`], ['--query.replica-label=prom_replica'], 1);
    await writeFile(path.join(work, 'rules.yml'), RULES);
    await writeFile(path.join(work, 'partial.yml'), PARTIAL);
    sdFile = path.join(work, 'queriers.yml');
    await writeFile(sdFile, `- targets: ['${query.httpUrl.replace('http://', '')}']\n`);
    ruleArgs = [
      'rule', `--rule-file=${path.join(work, 'rules.yml')}`, `--query.sd-files=${sdFile}`, `--data-dir=${path.join(work, 'rule-data')}`,
      `--alertmanagers.url=${am.url}`, '--eval-interval=1s', '--resend-delay=1s', '--for-grace-period=1s', '--for-outage-tolerance=1h',
    ];
    rulerPartial = await startThanos(work, 'rule-partial', [
      'rule', `--rule-file=${path.join(work, 'partial.yml')}`, `--query=${queryPartial.httpUrl}`, `--data-dir=${path.join(work, 'rule-partial-data')}`,
    ]);
  }, 180_000);

  afterAll(async () => {
    for (const p of [ruler, rulerPartial, queryPartial, query, sidecar]) await p?.proc.stop();
    await am?.stop();
    await prom?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  it('keeps the pending time across SIGKILL and restart; a firing alert stays one alert at Alertmanager', async () => {
    ruler = await startThanos(work, 'rule', ruleArgs);
    const first = await waitFor('LongPending pending', 30_000, async () => (await alertsOf(ruler!)).find((a) => a.labels['alertname'] === 'LongPending'));
    expect(first.state).toBe('pending');
    const activeAt = Date.parse(first.activeAt);
    await waitFor('Fires at Alertmanager', 30_000, async () => ((await am.alerts()).some((a) => a.labels['alertname'] === 'Fires') ? true : undefined));
    // Let it spend ~8 s pending and write ALERTS_FOR_STATE meanwhile, then kill it without warning.
    await sleep(Math.max(0, activeAt + 8000 - Date.now()));
    const killedAt = Date.now();
    process.kill(ruler.proc.pid, 'SIGKILL');
    await ruler.proc.stop();
    await sleep(3000);
    const restartedAt = Date.now();
    ruler = await startThanos(work, 'rule-2', ruleArgs);
    // The first evaluations after the restart see the alert afresh (activeAt = that evaluation); after the second
    // one the state is restored: activeAt moves to the old one plus the downtime, so the ~8 s already spent count.
    const fresh = await waitFor('LongPending after restart', 30_000, async () => (await alertsOf(ruler!)).find((x) => x.labels['alertname'] === 'LongPending'));
    const freshAt = Date.parse(fresh.activeAt);
    const restored = await waitFor('LongPending restored', 30_000, async () => {
      const a = (await alertsOf(ruler!)).find((x) => x.labels['alertname'] === 'LongPending');
      return a && Date.parse(a.activeAt) < freshAt - 5000 ? a : undefined;
    });
    const shift = Date.parse(restored.activeAt) - activeAt;
    expect(shift).toBeGreaterThanOrEqual(restartedAt - killedAt - 2000);
    expect(shift).toBeLessThanOrEqual(Date.now() - killedAt + 2000);
    // It fires once 20 s of pending have passed in total, not 20 s after the restart.
    const firing = await waitFor('LongPending firing', 40_000, async () => {
      const a = (await alertsOf(ruler!)).find((x) => x.labels['alertname'] === 'LongPending');
      return a?.state === 'firing' ? Date.now() : undefined;
    });
    // It fires `for` after the restored activeAt: well before a fresh alert (activeAt after the restart) would.
    expect(firing).toBeGreaterThanOrEqual(Date.parse(restored.activeAt) + 20_000 - 1000);
    expect(firing).toBeLessThan(freshAt + 20_000 - 4000);
    // Fires was firing before the kill and again after it: Alertmanager holds it once, still active.
    const fires = (await am.alerts()).filter((a) => a.labels['alertname'] === 'Fires');
    expect(fires).toHaveLength(1);
    expect(fires[0]!.status.state).toBe('active');
  }, 120_000);

  it('keeps firing alerts alive at Alertmanager while the querier is away, and logs why', async () => {
    const before = await alertsOf(ruler!);
    expect(before.filter((a) => a.state === 'firing').map((a) => a.labels['alertname']).sort()).toEqual(['Fires', 'LongPending']);
    await query.proc.stop();
    // 10 s without a querier: Alertmanager's validity window is 4 × max(resend-delay, interval) = 4 s.
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const active = (await am.alerts()).filter((a) => a.status.state === 'active' && new Date(a.endsAt).getTime() > Date.now());
      expect(active.map((a) => a.labels['alertname']).sort()).toEqual(['Fires', 'LongPending']);
      await sleep(500);
    }
    const log = readFileSync(path.join(work, 'rule-2', 'rule-2.log'), 'utf8');
    expect(log).toMatch(/evaluating rule failed.*no query API server reachable/);
    expect(log).toContain('keeping firing alerts at Alertmanager during the evaluation outage');
    // A new querier (found through the SD file): the alerts carry on with the same activeAt, not reset.
    query = await startQuery(work, 'query-2', [sidecar.grpcAddress], ['--query.replica-label=prom_replica']);
    appendFileSync(sdFile, '');
    await writeFile(sdFile, `- targets: ['${query.httpUrl.replace('http://', '')}']\n`);
    await waitFor('evaluation back', 30_000, async () => {
      const body = (await (await fetch(`${ruler!.httpUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: Json[] }[] } };
      return body.data.groups[0]!.rules.every((r) => r['health'] === 'ok') ? true : undefined;
    });
    const after = await alertsOf(ruler!);
    expect(after.map((a) => [a.labels['alertname'], a.state, a.activeAt]).sort()).toEqual(before.map((a) => [a.labels['alertname'], a.state, a.activeAt]).sort());
  }, 120_000);

  it('follows partial_response_strategy per group when a store fails', async () => {
    const groups = await waitFor('both groups evaluated', 30_000, async () => {
      const body = (await (await fetch(`${rulerPartial.httpUrl}/api/v1/rules`)).json()) as { data: { groups: { name: string; partialResponseStrategy: string; rules: Json[] }[] } };
      const g = body.data.groups;
      return g.length === 2 && g.every((x) => x.rules[0]!['health'] !== 'unknown') ? g : undefined;
    });
    const warn = groups.find((g) => g.name === 'warn-group')!;
    const abort = groups.find((g) => g.name === 'abort-group')!;
    expect(warn.partialResponseStrategy).toBe('WARN');
    expect(warn.rules[0]).toMatchObject({ health: 'ok' });
    expect(abort.partialResponseStrategy).toBe('ABORT');
    expect(abort.rules[0]).toMatchObject({ health: 'err' });
    expect(String(abort.rules[0]!['lastError'])).not.toBe('');
    const log = readFileSync(path.join(work, 'rule-partial', 'rule-partial.log'), 'utf8');
    expect(log).toMatch(/evaluating rule gave warnings; the result is used.*pr:warn|name=pr:warn.*evaluating rule gave warnings/);
  }, 60_000);
});
