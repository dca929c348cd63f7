// `thanos-ts standalone --prometheus.url=…` brings its Prometheus's rules, alerts and targets to the querier
// in-process (no gRPC hop): a real Prometheus 2.42 with an alert that fires, checked through /api/v1/rules, /alerts
// and /targets of the standalone process.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, requireCommand, spawnPeer, waitForHttp, type PeerProcess } from '../support/peers/process.js';
import { startThanos, tempWorkDir, type ThanosProc } from '../query/support/ha-cluster.js';

type Json = Record<string, unknown>;

describe('standalone with a sidecar: rules, alerts and targets in-process', () => {
  let work: string;
  let prom: PeerProcess;
  let promUrl: string;
  let standalone: ThanosProc;

  beforeAll(async () => {
    work = await tempWorkDir('standalone-apis-');
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    await writeFile(path.join(work, 'rules.yml'), 'groups:\n  - name: g\n    interval: 1s\n    rules:\n      - alert: Up\n        expr: vector(1)\n');
    await writeFile(path.join(work, 'prometheus.yml'), [
      'global:', '  scrape_interval: 1s', '  evaluation_interval: 1s', '  external_labels:', '    cluster: s',
      'rule_files:', `  - ${path.join(work, 'rules.yml')}`,
      'scrape_configs:', '  - job_name: self', '    static_configs:', `      - targets: ["127.0.0.1:${port}"]`, '',
    ].join('\n'));
    await mkdir(path.join(work, 'data'), { recursive: true });
    prom = spawnPeer('prometheus', requireCommand('prometheus', 'Prometheus 2.42 (Debian package prometheus)'), [
      `--config.file=${path.join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(work, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
      // The sidecar refuses a Prometheus that compacts its own blocks.
      '--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h',
    ], { logDir: work });
    await waitForHttp(`${promUrl}/-/ready`, prom, 60_000, (s) => s === 200);
    standalone = await startThanos(work, 'standalone', ['standalone', `--data-dir=${path.join(work, 'thanos')}`, `--prometheus.url=${promUrl}`]);
  }, 120_000);

  afterAll(async () => {
    await standalone?.proc.stop();
    await prom?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  it('serves the Prometheus\'s firing alert, its rule and its target with the external label', async () => {
    // Prometheus fires the alert at its first evaluation but lists the target only after discovery (up to 5s).
    const deadline = Date.now() + 30_000;
    let alerts: Json[] = [];
    let targets: Json[] = [];
    while (Date.now() < deadline) {
      alerts = ((await (await fetch(`${standalone.httpUrl}/api/v1/alerts`)).json()) as { data: { alerts: Json[] } }).data.alerts;
      targets = ((await (await fetch(`${standalone.httpUrl}/api/v1/targets`)).json()) as { data: { activeTargets: Json[] } }).data.activeTargets;
      if (alerts.length > 0 && targets.length > 0) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(alerts).toEqual([expect.objectContaining({ labels: { alertname: 'Up' }, state: 'firing' })]);
    const rules = ((await (await fetch(`${standalone.httpUrl}/api/v1/rules`)).json()) as { data: { groups: { name: string; rules: Json[] }[] } }).data.groups;
    expect(rules.map((g) => g.name)).toEqual(['g']);
    expect(rules[0]!.rules[0]).toMatchObject({ name: 'Up', labels: { cluster: 's' }, type: 'alerting' });
    expect(targets.map((t) => t['scrapeUrl'])).toEqual([`${promUrl}/metrics`]);
    expect(targets[0]!['labels']).toMatchObject({ cluster: 's', job: 'self' });
  });
});
