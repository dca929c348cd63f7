// The same rule file evaluated by a real Prometheus 2.42 (on its own data) and by two thanos-ts rulers (HA pair,
// --label replica=A/B, --alert.label-drop=replica) over thanos-ts query → sidecar → that Prometheus. A scripted
// timeline, written ahead through remote write, makes alerts go pending, firing (one with keep_firing_for) and
// resolved. Checked: recording series and ALERTS / ALERTS_FOR_STATE sample by sample (same evaluation times, as
// thanos-ts uses Prometheus's group offsets), the alerts of /api/v1/rules (names, labels, annotations, states,
// activeAt) at every evaluation both sides made, and a real Alertmanager 0.25 holding each alert once.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, requireCommand, spawnPeer, waitForHttp, type PeerProcess } from '../support/peers/process.js';
import { startQuery, startThanos, tempWorkDir, type ThanosProc } from '../query/support/ha-cluster.js';
import { remoteWrite, type SeriesData } from '../rule/support/remote-write.js';
import { startAlertmanager, type RunningAlertmanager } from '../rule/support/alertmanager.js';

const RULES = `groups:
- name: recording
  interval: 2s
  rules:
  - record: job:demo_value:sum
    expr: sum by (job) (demo_value)
  - record: demo_value:ratio
    expr: demo_value / on (instance) group_left demo_capacity
    labels:
      source: rules
- name: kubernetes
  interval: 2s
  rules:
  - alert: DeploymentAtZeroReplicas
    expr: sum(kube_deployment_status_replicas{pod_template_hash=""}) by (deployment,namespace) < 1
    for: 6s
    labels:
      team: devops
    annotations:
      summary: Deployment {{$labels.deployment}} in {{$labels.namespace}} is currently having no pods running
  - alert: ContainerRestarted
    expr: kube_pod_container_status_restarts_total > 0
    for: 4s
    labels:
      team: devops
    annotations:
      summary: Container {{$labels.container}} in Pod {{$labels.namespace}}/{{$labels.pod}} restarted {{$value}} times
  - alert: HighValue
    expr: demo_value > 50
    for: 4s
    keep_firing_for: 4s
    labels:
      severity: '{{ if gt $value 60.0 }}critical{{ else }}warning{{ end }}'
    annotations:
      description: '{{ $labels.instance }} of {{ $labels.job }} is at {{ $value | humanize }} ({{ printf "%.1f" $value }}), {{ humanizeDuration 90 }}'
`;

/** Seconds after Z → value, one sample a second from Z-600 to Z+END. */
const END = 44;
function timeline(z: number): SeriesData[] {
  const series = (labels: Record<string, string>, f: (s: number) => number): SeriesData => {
    const samples: [number, number][] = [];
    for (let s = -600; s <= END; s++) samples.push([z + s * 1000, f(s)]);
    return { labels, samples };
  };
  return [
    series({ __name__: 'demo_value', job: 'api', instance: 'a' }, (s) => (s >= 10 && s < 26 ? 70 : 20)),
    series({ __name__: 'demo_value', job: 'api', instance: 'b' }, (s) => 40 + (s > 0 ? s % 7 : 0)),
    series({ __name__: 'demo_value', job: 'web', instance: 'c' }, (s) => (s >= 30 ? 55 : 5)),
    series({ __name__: 'demo_capacity', instance: 'a' }, () => 100),
    series({ __name__: 'demo_capacity', instance: 'b' }, () => 80),
    series({ __name__: 'demo_capacity', instance: 'c' }, () => 50),
    series({ __name__: 'kube_deployment_status_replicas', deployment: 'web', namespace: 'prod', pod_template_hash: '' }, (s) => (s >= 6 && s < 22 ? 0 : 3)),
    series({ __name__: 'kube_pod_container_status_restarts_total', container: 'app', namespace: 'prod', pod: 'app-1' }, (s) => (s >= 16 ? 1 + Math.floor((s - 16) / 10) : 0)),
  ];
}

type Json = Record<string, unknown>;
interface RangeSeries { metric: Record<string, string>; values: [number, string][] }

async function getJson(url: string): Promise<Json> {
  return (await (await fetch(url)).json()) as Json;
}

async function rangeVector(base: string, selector: string, atSec: number): Promise<RangeSeries[]> {
  const r = await getJson(`${base}/api/v1/query?query=${encodeURIComponent(`${selector}[3m]`)}&time=${atSec}`);
  if (r['status'] !== 'success') throw new Error(`${base}: ${JSON.stringify(r)}`);
  return (r['data'] as { result: RangeSeries[] }).result;
}

/** Series keyed by their labels (without `drop`), samples within [from, to] seconds. */
function bySeries(rs: RangeSeries[], from: number, to: number, drop: string[] = []): Map<string, [number, string][]> {
  const out = new Map<string, [number, string][]>();
  for (const s of rs) {
    const m = { ...s.metric };
    for (const d of drop) delete m[d];
    const key = JSON.stringify(Object.entries(m).sort());
    out.set(key, s.values.filter(([t]) => t >= from && t <= to));
  }
  return out;
}

interface AlertView { name: string; labels: Json; annotations: Json; state: string; activeAt: string }

async function ruleAlerts(base: string): Promise<AlertView[]> {
  const r = await getJson(`${base}/api/v1/rules?type=alert`);
  const groups = (r['data'] as { groups: { rules: { name: string; alerts: Json[] }[] }[] }).groups;
  return groups.flatMap((g) => g.rules.flatMap((rule) => rule.alerts.map((a) => ({
    name: rule.name, labels: a['labels'] as Json, annotations: a['annotations'] as Json, state: String(a['state']),
    activeAt: new Date(String(a['activeAt'])).toISOString(),
  })))).sort((x, y) => JSON.stringify(x.labels).localeCompare(JSON.stringify(y.labels)));
}

describe('thanos-ts rule against Prometheus 2.42 on the same rule file and data', () => {
  let work: string;
  let prom: PeerProcess;
  let promUrl: string;
  let am: RunningAlertmanager;
  let sidecar: ThanosProc;
  let query: ThanosProc;
  const rulers: ThanosProc[] = [];
  let query2: ThanosProc;
  let z = 0;
  const snapshots: { prom: AlertView[]; ours: AlertView[] }[] = [];
  const amSeen: Awaited<ReturnType<RunningAlertmanager['alerts']>>[] = [];

  beforeAll(async () => {
    work = await tempWorkDir('rule-e2e-');
    const rulesFile = path.join(work, 'rules.yml');
    await writeFile(rulesFile, RULES);
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    await writeFile(path.join(work, 'prometheus.yml'), [
      'global:', '  scrape_interval: 15s', '  evaluation_interval: 2s', '  external_labels:', '    prom_replica: p',
      'rule_files:', `  - ${rulesFile}`, '',
    ].join('\n'));
    await mkdir(path.join(work, 'data'), { recursive: true });
    prom = spawnPeer('prometheus', requireCommand('prometheus', 'Prometheus 2.42 (Debian package prometheus)'), [
      `--config.file=${path.join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(work, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h', '--web.enable-remote-write-receiver',
    ], { logDir: work });
    await waitForHttp(`${promUrl}/-/ready`, prom, 60_000, (s) => s === 200);
    am = await startAlertmanager(path.join(work, 'am'));
    sidecar = await startThanos(work, 'sidecar', ['sidecar', `--prometheus.url=${promUrl}`, `--tsdb.path=${path.join(work, 'data')}`]);
    query = await startQuery(work, 'query', [sidecar.grpcAddress], ['--query.replica-label=prom_replica']);
    for (const replica of ['A', 'B']) {
      rulers.push(await startThanos(work, `rule-${replica}`, [
        'rule', `--rule-file=${rulesFile}`, `--query=${query.httpUrl}`, `--data-dir=${path.join(work, `rule-${replica}`, 'data')}`,
        `--label=replica="${replica}"`, '--alert.label-drop=replica', `--alertmanagers.url=${am.url}`, '--eval-interval=2s',
        '--resend-delay=2s', `--alert.query-url=${query.httpUrl}`,
      ]));
    }
    query2 = await startQuery(work, 'query-rulers', rulers.map((r) => r.grpcAddress));
    // The timeline starts a little ahead, so both sides evaluate its start.
    z = Math.ceil((Date.now() + 5000) / 1000) * 1000;
    await remoteWrite(promUrl, timeline(z));
    // Evaluations compared start at Z, after the data is all in (an evaluation racing the write could differ).
    expect(Date.now(), 'the timeline must be written before it starts').toBeLessThan(z);
    // Watch /api/v1/rules on Prometheus and ruler A until the timeline is over.
    while (Date.now() < z + (END + 2) * 1000) {
      const [p, o, a] = await Promise.all([ruleAlerts(promUrl), ruleAlerts(rulers[0]!.httpUrl), am.alerts()]);
      snapshots.push({ prom: p, ours: o });
      amSeen.push(a);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 240_000);

  afterAll(async () => {
    for (const p of [query2, ...rulers, query, sidecar]) await p?.proc.stop();
    await am?.stop();
    await prom?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  const window = (): [number, number] => [z / 1000, z / 1000 + END];

  it('writes the same recording-rule samples at the same evaluation times', async () => {
    const [from, to] = window();
    for (const name of ['job:demo_value:sum', 'demo_value:ratio']) {
      const theirs = bySeries(await rangeVector(promUrl, name, to), from, to);
      const ours = bySeries(await rangeVector(query2.httpUrl, `${name}{replica="A"}`, to), from, to, ['replica']);
      expect([...ours.keys()].sort(), name).toEqual([...theirs.keys()].sort());
      for (const [k, samples] of theirs) {
        expect(samples.length, `${name} ${k}`).toBeGreaterThan(10);
        expect(ours.get(k), `${name} ${k}`).toEqual(samples);
      }
    }
  });

  it('writes the same ALERTS and ALERTS_FOR_STATE samples', async () => {
    const [from, to] = window();
    for (const name of ['ALERTS', 'ALERTS_FOR_STATE']) {
      const theirs = bySeries(await rangeVector(promUrl, name, to), from, to);
      const ours = bySeries(await rangeVector(query2.httpUrl, `${name}{replica="A"}`, to), from, to, ['replica']);
      expect([...ours.keys()].sort(), name).toEqual([...theirs.keys()].sort());
      for (const [k, samples] of theirs) expect(ours.get(k), `${name} ${k}`).toEqual(samples);
    }
    // The timeline went through pending and firing for every alert (resolved ones stop having samples).
    const states = [...bySeries(await rangeVector(promUrl, 'ALERTS', to), from, to).keys()].join('\n');
    for (const a of ['DeploymentAtZeroReplicas', 'ContainerRestarted', 'HighValue']) {
      expect(states).toContain(`["alertname","${a}"],["alertstate","pending"]`);
      expect(states).toContain(`["alertname","${a}"],["alertstate","firing"]`);
    }
  });

  it('shows the same alerts (labels, annotations, states, activeAt) through the timeline', () => {
    // Polls land between the two sides' evaluations now and then; every alert view either side showed must have
    // been shown by the other too, and both must have seen pending, firing, and the alerts resolve.
    const seen = (side: 'prom' | 'ours'): Set<string> => new Set(snapshots.flatMap((s) => s[side].map((a) => JSON.stringify(a))));
    const p = seen('prom');
    const o = seen('ours');
    expect([...o].sort()).toEqual([...p].sort());
    const states = new Set([...p].map((s) => { const a = JSON.parse(s) as AlertView; return `${a.name}/${a.state}`; }));
    for (const a of ['DeploymentAtZeroReplicas', 'ContainerRestarted', 'HighValue']) {
      expect(states).toContain(`${a}/pending`);
      expect(states).toContain(`${a}/firing`);
    }
    // Resolved: DeploymentAtZeroReplicas and HighValue (after keep_firing_for) are gone at the end on both sides.
    const last = snapshots[snapshots.length - 1]!;
    expect(last.ours).toEqual(last.prom);
    expect(last.prom.map((a) => a.name)).not.toContain('DeploymentAtZeroReplicas');
    // Annotations expanded as Prometheus expands them.
    const hv = [...o].map((s) => JSON.parse(s) as AlertView).find((a) => a.name === 'HighValue');
    expect(hv?.annotations).toEqual({ description: 'a of api is at 70 (70.0), 1m 30s' });
    expect(hv?.labels).toMatchObject({ severity: 'critical', instance: 'a' });
  });

  it('a real Alertmanager holds each alert once for the two HA rulers (replica dropped)', async () => {
    // Throughout the timeline: never two copies of an alert, never the dropped replica label.
    for (const snap of amSeen) {
      const keys = snap.map((a) => JSON.stringify(Object.entries(a.labels).sort()));
      expect(keys).toEqual([...new Set(keys)]);
      for (const a of snap) {
        expect(a.labels).not.toHaveProperty('replica');
        expect(a.generatorURL).toContain(`${query.httpUrl}/graph?g0.expr=`);
      }
    }
    const everActive = new Set(amSeen.flat().map((a) => a.labels['alertname']));
    expect([...everActive].sort()).toEqual(['ContainerRestarted', 'DeploymentAtZeroReplicas', 'HighValue']);
    const alerts = await am.alerts();
    const restarted = alerts.find((a) => a.labels['alertname'] === 'ContainerRestarted')!;
    expect(restarted.labels).toEqual({ alertname: 'ContainerRestarted', container: 'app', namespace: 'prod', pod: 'app-1', team: 'devops' });
    expect(restarted.status.state).toBe('active');
    expect(restarted.annotations['summary']).toMatch(/^Container app in Pod prod\/app-1 restarted [1-3] times$/);
    // Resolved ones were sent with their resolution time, so Alertmanager no longer lists them as active.
    expect(alerts.map((a) => a.labels['alertname'])).not.toContain('DeploymentAtZeroReplicas');
  });
  it('the querier\'s Rules API fan-out shows the rulers\' rules and alerts', async () => {
    const body = await getJson(`${query2.httpUrl}/api/v1/rules`);
    const groups = (body['data'] as { groups: { name: string; file: string; rules: { name: string; type: string }[] }[] }).groups;
    expect([...new Set(groups.map((g) => g.name))].sort()).toEqual(['kubernetes', 'recording']);
    expect(groups.find((g) => g.name === 'kubernetes')!.rules.map((r) => r.name)).toEqual(expect.arrayContaining(['ContainerRestarted', 'DeploymentAtZeroReplicas', 'HighValue']));
    const alerts = (await getJson(`${query2.httpUrl}/api/v1/alerts`))['data'] as { alerts: { labels: Record<string, string>; state: string }[] };
    expect(alerts.alerts.some((a) => a.labels['alertname'] === 'ContainerRestarted' && a.state === 'firing')).toBe(true);
  });
});
