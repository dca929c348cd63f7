// End to end: two real Prometheus 2.42 replicas (external labels cluster="c", replica="0"|"1") scraping each other
// and an OpenMetrics exporter with exemplars, evaluating one rule file (a recording rule, an alert that fires, one
// that does not), a thanos-ts sidecar each and thanos-ts query deduplicating by `replica`. Every new endpoint of the
// querier is checked field by field against what Prometheus itself answers; an independent gRPC client built here
// from upstream's field numbers checks the sidecar's Rules, Targets, Metadata and Exemplars services and its Info;
// the Alerts, Rules and Targets pages of the UI are checked in Chromium (screenshots in test-output/query-apis/).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshotDir } from '../support/browser.js';
import { freePort, requireCommand, spawnPeer, waitForHttp } from '../support/peers/process.js';
import { startQuery, startSidecar, tempWorkDir, type Prom, type ThanosProc } from '../query/support/ha-cluster.js';

type Json = Record<string, unknown>;
interface Envelope { status: string; data: unknown; warnings?: string[]; errorType?: string; error?: string }

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function get(base: string, p: string, params: Record<string, string | string[]> = {}): Promise<{ code: number; body: Envelope }> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  const res = await fetch(`${base}/api/v1/${p}?${qs.toString()}`, { signal: AbortSignal.timeout(30_000) });
  return { code: res.status, body: await res.json() as Envelope };
}

const RULES = `groups:
  - name: demo
    interval: 5s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels:
          team: infra
      - alert: AlwaysFiring
        expr: vector(1) > 0
        for: 0s
        labels:
          severity: page
        annotations:
          summary: "always {{ $value }}"
      - alert: NeverFiring
        expr: vector(0) > 1
        for: 1m
`;

/** An OpenMetrics target with one counter carrying a fixed exemplar (so both replicas store the same one). */
async function startExemplarExporter(exemplarTs: number): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
    res.end([
      '# TYPE demo_requests counter',
      '# HELP demo_requests Requests served.',
      `demo_requests_total{path="/a"} 7 # {trace_id="abc123"} 1.5 ${(exemplarTs / 1000).toFixed(3)}`,
      '# EOF',
      '',
    ].join('\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return { port: typeof addr === 'object' && addr ? addr.port : 0, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function startReplica(work: string, replica: string, port: number, peers: readonly number[], exporterPort: number, rulesFile: string): Promise<Prom> {
  const dir = path.join(work, `prometheus-${replica}`);
  const dataDir = path.join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(config, [
    'global:',
    '  scrape_interval: 5s',
    '  evaluation_interval: 5s',
    '  external_labels:',
    '    cluster: c',
    `    replica: "${replica}"`,
    'rule_files:',
    `  - ${rulesFile}`,
    'scrape_configs:',
    '  - job_name: prometheus',
    '    static_configs:',
    `      - targets: [${peers.map((p) => `"127.0.0.1:${p}"`).join(', ')}]`,
    '  - job_name: exemplars',
    '    static_configs:',
    `      - targets: ["127.0.0.1:${exporterPort}"]`,
    '  - job_name: dropped',
    '    static_configs:',
    '      - targets: ["127.0.0.1:9"]',
    '    relabel_configs:',
    '      - action: drop',
    '        source_labels: [__address__]',
    '        regex: ".*"',
    '',
  ].join('\n'));
  const bin = requireCommand('prometheus', 'Prometheus 2.42 (Debian package prometheus)');
  const proc = spawnPeer(`prometheus-${replica}`, bin, [
    `--config.file=${config}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h', '--enable-feature=exemplar-storage',
  ], { logDir: dir });
  await waitForHttp(`http://127.0.0.1:${port}/-/ready`, proc, 60_000, (s) => s === 200);
  return { url: `http://127.0.0.1:${port}`, port, dataDir, proc };
}

// ---- comparison helpers: written from Prometheus's documented JSON, independent of the production code ----

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** An RFC 3339 time as "<unix seconds>.<nanoseconds>", whatever zone Prometheus printed it in. */
function instant(s: string): string {
  const frac = /\.(\d+)/.exec(s)?.[1] ?? '';
  return `${Math.floor(Date.parse(s) / 1000)}.${frac.padEnd(9, '0')}`;
}

/** Times made zone-free, Thanos-only keys checked and dropped, so what is left must equal Prometheus's JSON. */
function canon(v: unknown): unknown {
  if (typeof v === 'string' && RFC3339.test(v)) return instant(v);
  if (Array.isArray(v)) return v.map(canon);
  if (typeof v === 'object' && v !== null) {
    const out: Json = {};
    for (const [k, x] of Object.entries(v as Json)) {
      if (k === 'partialResponseStrategy') {
        expect(x).toBe('ABORT'); // what upstream reports for a Prometheus
        continue;
      }
      out[k] = canon(x);
    }
    return out;
  }
  return v;
}

/** Removes external labels from the label objects of rules, targets and exemplar series (the "modulo"). */
function withoutExternal(v: unknown, names: readonly string[]): unknown {
  if (Array.isArray(v)) return v.map((x) => withoutExternal(x, names));
  if (typeof v !== 'object' || v === null) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v as Json)) {
    if ((k === 'labels' || k === 'discoveredLabels' || k === 'seriesLabels') && typeof x === 'object' && x !== null && !Array.isArray(x)) {
      out[k] = Object.fromEntries(Object.entries(x as Json).filter(([n]) => !names.includes(n)));
    } else {
      out[k] = withoutExternal(x, names);
    }
  }
  return out;
}

const STATE_RANK: Record<string, number> = { firing: 3, pending: 2, inactive: 1 };
const HEALTH_RANK: Record<string, number> = { down: 0, up: 1, unknown: 2 };
const later = (a: string, b: string): boolean => instant(a) > instant(b);

/** The copy of a rule the querier must keep: the most critical state, then the latest evaluation. */
function winningRule(a: Json, b: Json): Json {
  const sa = STATE_RANK[String(a['state'])] ?? 0;
  const sb = STATE_RANK[String(b['state'])] ?? 0;
  if (sa !== sb) return sa > sb ? a : b;
  return later(String(b['lastEvaluation']), String(a['lastEvaluation'])) ? b : a;
}

/** The copy of a target the querier must keep: the lowest health (down first), then the latest scrape. */
function winningTarget(a: Json, b: Json): Json {
  const ha = HEALTH_RANK[String(a['health'])]!;
  const hb = HEALTH_RANK[String(b['health'])]!;
  if (ha !== hb) return ha < hb ? a : b;
  return later(String(b['lastScrape']), String(a['lastScrape'])) ? b : a;
}

describe('querier rules, alerts, targets, metadata and exemplars over two Prometheus replicas with sidecars', () => {
  let work: string;
  let exporter: { port: number; close: () => Promise<void> };
  const proms: Prom[] = [];
  const sidecars: ThanosProc[] = [];
  let query: ThanosProc;
  const exemplarTs = Math.floor(Date.now() / 1000) * 1000 - 60_000;

  beforeAll(async () => {
    work = await tempWorkDir('query-apis-e2e-');
    exporter = await startExemplarExporter(exemplarTs);
    const rulesFile = path.join(work, 'rules.yml'); // one path for both replicas, so their groups are the same group
    await writeFile(rulesFile, RULES);
    const ports = [await freePort(), await freePort()];
    proms.push(...await Promise.all(['0', '1'].map((r, i) => startReplica(work, r, ports[i]!, ports, exporter.port, rulesFile))));
    sidecars.push(...await Promise.all(proms.map((p, i) => startSidecar(work, `sidecar-${i}`, p))));
    query = await startQuery(work, 'query', sidecars.map((s) => s.grpcAddress), ['--query.replica-label=replica']);
    // Wait for what the checks need from each replica: every target scraped, the rules evaluated, the exemplar stored.
    const deadline = Date.now() + 90_000;
    for (const p of proms) {
      for (;;) {
        const t = (await get(p.url, 'targets', { state: 'active' })).body.data as { activeTargets: Json[] };
        const r = (await get(p.url, 'rules')).body.data as { groups: Json[] };
        const e = (await get(p.url, 'query_exemplars', { query: 'demo_requests_total', start: String(exemplarTs / 1000 - 60) })).body.data as unknown[];
        const scraped = t.activeTargets.length === 3 && t.activeTargets.every((x) => x['health'] === 'up');
        const evaluated = r.groups.length === 1 && (r.groups[0]!['rules'] as Json[]).every((x) => String(x['lastEvaluation']).slice(0, 4) !== '0001');
        if (scraped && evaluated && e.length === 1) break;
        if (Date.now() > deadline) throw new Error(`${p.url} not ready: scraped=${scraped} evaluated=${evaluated} exemplars=${e.length}`);
        await sleep(500);
      }
    }
  }, 180_000);

  afterAll(async () => {
    for (const p of [query, ...sidecars].reverse()) await p?.proc.stop();
    for (const p of proms) await p.proc.stop();
    await exporter?.close();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  /**
   * Prometheus's answers change with every evaluation and scrape (5s): read both replicas, the querier, and both
   * replicas again, until the replicas did not change in between, and check that snapshot.
   */
  async function stableSnapshot(p: string, params: Record<string, string | string[]>, queryParams = params): Promise<{ prom: Envelope[]; ours: Envelope }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const before = await Promise.all(proms.map(async (x) => (await get(x.url, p, params)).body));
      const ours = await get(query.httpUrl, p, queryParams);
      expect(ours.code).toBe(200);
      const after = await Promise.all(proms.map(async (x) => (await get(x.url, p, params)).body));
      if (JSON.stringify(before) === JSON.stringify(after)) return { prom: before, ours: ours.body };
      await sleep(300);
    }
    throw new Error(`${p}: replicas never held still`);
  }

  it('/api/v1/rules: Prometheus\'s groups and rules, one copy per rule once the replica label is gone', async () => {
    const { prom, ours } = await stableSnapshot('rules', {});
    expect(ours.warnings).toBeUndefined();
    const [g0, g1] = prom.map((e) => (e.data as { groups: Json[] }).groups[0]!);
    const ourGroups = (ours.data as { groups: Json[] }).groups;
    expect(ourGroups).toHaveLength(1);
    const og = ourGroups[0]!;
    // The group carries the fields of one replica's copy (whichever answered first).
    const source = og['lastEvaluation'] === g1!['lastEvaluation'] && og['evaluationTime'] === g1!['evaluationTime'] ? g1! : g0!;
    const expectedRules = (g0!['rules'] as Json[]).map((r, i) => winningRule(r, (g1!['rules'] as Json[])[i]!));
    // Upstream orders alerting rules before recording rules, then by name.
    expectedRules.sort((a, b) => (a['type'] === b['type'] ? String(a['name']).localeCompare(String(b['name'])) : a['type'] === 'alerting' ? -1 : 1));
    const ourRules = og['rules'] as Json[];
    for (const r of ourRules) expect(r['labels']).toHaveProperty('cluster', 'c');
    expect(canon(withoutExternal({ ...og, rules: ourRules }, ['cluster']))).toEqual(canon({ ...source, rules: expectedRules }));
    const firing = ourRules.find((r) => r['name'] === 'AlwaysFiring')!;
    expect(firing['state']).toBe('firing');
    expect(firing['alerts']).toHaveLength(1);

    // Filters: type, rule_name[], rule_group[], file[], match[].
    const record = (await get(query.httpUrl, 'rules', { type: 'record' })).body.data as { groups: { rules: Json[] }[] };
    expect(record.groups[0]!.rules.map((r) => r['name'])).toEqual(['job:up:sum']);
    const alertOnly = (await get(query.httpUrl, 'rules', { type: 'ALERT' })).body.data as { groups: { rules: Json[] }[] };
    expect(alertOnly.groups[0]!.rules.map((r) => r['name'])).toEqual(['AlwaysFiring', 'NeverFiring']);
    const byName = (await get(query.httpUrl, 'rules', { 'rule_name[]': ['NeverFiring', 'job:up:sum'] })).body.data as { groups: { rules: Json[] }[] };
    expect(byName.groups[0]!.rules.map((r) => r['name'])).toEqual(['NeverFiring', 'job:up:sum']);
    expect(((await get(query.httpUrl, 'rules', { 'rule_group[]': 'other' })).body.data as { groups: unknown[] }).groups).toEqual([]);
    expect(((await get(query.httpUrl, 'rules', { 'file[]': String(g0!['file']) })).body.data as { groups: unknown[] }).groups).toHaveLength(1);
    const matched = (await get(query.httpUrl, 'rules', { 'match[]': '{severity="page"}' })).body.data as { groups: { rules: Json[] }[] };
    expect(matched.groups[0]!.rules.map((r) => r['name'])).toEqual(['AlwaysFiring']);
    const bad = await get(query.httpUrl, 'rules', { type: 'sometimes' });
    expect(bad.code).toBe(400);
    expect(bad.body).toEqual({ status: 'error', errorType: 'bad_data', error: 'invalid rules parameter type=\'sometimes\'' });
  });

  it('/api/v1/rules and /alerts with dedup=false show both replicas', async () => {
    const rules = (await get(query.httpUrl, 'rules', { dedup: 'false' })).body.data as { groups: { rules: Json[] }[] };
    expect(rules.groups).toHaveLength(1);
    const firing = rules.groups[0]!.rules.filter((r) => r['name'] === 'AlwaysFiring');
    expect(firing.map((r) => (r['labels'] as Json)['replica']).sort()).toEqual(['0', '1']);
    expect(rules.groups[0]!.rules).toHaveLength(6);
    const alerts = (await get(query.httpUrl, 'alerts', { dedup: 'false' })).body.data as { alerts: Json[] };
    expect(alerts.alerts).toHaveLength(2);
  });

  it('/api/v1/alerts: the firing alert as Prometheus reports it, once', async () => {
    const { prom, ours } = await stableSnapshot('alerts', {});
    const [a0, a1] = prom.map((e) => (e.data as { alerts: Json[] }).alerts);
    expect(a0).toHaveLength(1);
    const oursAlerts = (ours.data as { alerts: Json[] }).alerts;
    expect(oursAlerts).toHaveLength(1);
    // The alert instance of the rule copy that won (same state on both; the later evaluation's copy).
    expect([canon(a0), canon(a1)]).toContainEqual(canon(oursAlerts));
    expect(oursAlerts[0]!['labels']).toEqual({ alertname: 'AlwaysFiring', severity: 'page' });
    expect(oursAlerts[0]!['state']).toBe('firing');
  });

  it('/api/v1/targets: Prometheus\'s active and dropped targets, one per target; state filter; dedup=false', async () => {
    const { prom, ours } = await stableSnapshot('targets', {});
    const [t0, t1] = prom.map((e) => e.data as { activeTargets: Json[]; droppedTargets: Json[] });
    const key = (t: Json): string => String(t['scrapeUrl']);
    const expectedActive = [...t0!.activeTargets].sort((a, b) => key(a).localeCompare(key(b)))
      .map((t) => winningTarget(t, t1!.activeTargets.find((x) => key(x) === key(t))!));
    const o = ours.data as { activeTargets: Json[]; droppedTargets: Json[] };
    for (const t of o.activeTargets) expect(t['labels']).toHaveProperty('cluster', 'c');
    // Upstream's protos carry no scrapeInterval/scrapeTimeout (Prometheus 2.42 has them): everything else matches.
    const upstreamFields = (t: Json): Json => Object.fromEntries(Object.entries(t).filter(([k]) => k !== 'scrapeInterval' && k !== 'scrapeTimeout'));
    expect(canon(withoutExternal(o.activeTargets, ['cluster']))).toEqual(canon(expectedActive.map(upstreamFields)));
    expect(canon(withoutExternal(o.droppedTargets, ['cluster']))).toEqual(canon(t0!.droppedTargets));
    expect(o.droppedTargets).toHaveLength(1);

    const active = (await get(query.httpUrl, 'targets', { state: 'active' })).body.data as { activeTargets: Json[]; droppedTargets: Json[] };
    expect(active.activeTargets).toHaveLength(3);
    expect(active.droppedTargets).toEqual([]);
    const dropped = (await get(query.httpUrl, 'targets', { state: 'Dropped' })).body.data as { activeTargets: Json[]; droppedTargets: Json[] };
    expect(dropped.activeTargets).toEqual([]);
    expect(dropped.droppedTargets).toHaveLength(1);
    const all = (await get(query.httpUrl, 'targets', { dedup: 'false' })).body.data as { activeTargets: Json[] };
    expect(all.activeTargets).toHaveLength(6);
    expect(new Set(all.activeTargets.map((t) => (t['labels'] as Json)['replica']))).toEqual(new Set(['0', '1']));
    const bad = await get(query.httpUrl, 'targets', { state: 'sleeping' });
    expect(bad.body).toEqual({ status: 'error', errorType: 'bad_data', error: 'invalid targets parameter state=\'sleeping\'' });
  });

  it('/api/v1/metadata: the same metadata as Prometheus, with metric, limit and limit_per_metric', async () => {
    const sortMetas = (d: unknown): unknown => Object.fromEntries(Object.entries(d as Record<string, Json[]>).map(([k, v]) => [k, [...v].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))]));
    // The querier merges every store's metadata: the union of both replicas' (one may have scraped a metric the
    // other has not yet, such as a summary that appears after its first observation).
    const ours = await get(query.httpUrl, 'metadata');
    const theirs: Record<string, Json[]> = {};
    for (const p of proms) {
      for (const [name, metas] of Object.entries((await get(p.url, 'metadata')).body.data as Record<string, Json[]>)) {
        const known = theirs[name] ??= [];
        for (const m of metas) if (!known.some((k) => JSON.stringify(k) === JSON.stringify(m))) known.push(m);
      }
    }
    expect(ours.code).toBe(200);
    expect(sortMetas(ours.body.data)).toEqual(sortMetas(theirs));
    expect((ours.body.data as Record<string, Json[]>)['demo_requests']).toEqual([{ type: 'counter', help: 'Requests served.', unit: '' }]);
    const one = (await get(query.httpUrl, 'metadata', { metric: 'prometheus_http_requests_total' })).body.data;
    expect(one).toEqual((await get(proms[0]!.url, 'metadata', { metric: 'prometheus_http_requests_total' })).body.data);
    expect(Object.keys((await get(query.httpUrl, 'metadata', { limit: '2' })).body.data as Json)).toHaveLength(2);
    const perMetric = (await get(query.httpUrl, 'metadata', { limit_per_metric: '1' })).body.data as Record<string, Json[]>;
    expect(Object.values(perMetric).every((v) => v.length === 1)).toBe(true);
    const bad = await get(query.httpUrl, 'metadata', { limit: 'x' });
    expect(bad.code).toBe(400);
    expect(bad.body.errorType).toBe('bad_data');
  });

  it('/api/v1/query_exemplars: Prometheus\'s exemplars, once, GET and POST', async () => {
    const params = { query: 'demo_requests_total', start: String(exemplarTs / 1000 - 60), end: String(Date.now() / 1000) };
    const theirs = (await get(proms[0]!.url, 'query_exemplars', params)).body.data as Json[];
    const ours = await get(query.httpUrl, 'query_exemplars', params);
    expect(ours.code).toBe(200);
    const data = ours.body.data as Json[];
    expect(data).toHaveLength(1);
    expect((data[0]!['seriesLabels'] as Json)['cluster']).toBe('c');
    expect(withoutExternal(data, ['cluster'])).toEqual(theirs);
    expect((data[0]!['exemplars'] as Json[])[0]).toEqual({ labels: { trace_id: 'abc123' }, value: '1.5', timestamp: exemplarTs / 1000 });
    const post = await fetch(`${query.httpUrl}/api/v1/query_exemplars`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString(),
    });
    expect(((await post.json()) as Envelope).data).toEqual(data);
    // A selector on an external label goes only where it can match, without that matcher.
    const elsewhere = (await get(query.httpUrl, 'query_exemplars', { ...params, query: 'demo_requests_total{cluster="other"}' })).body.data;
    expect(elsewhere).toEqual([]);
    const here = (await get(query.httpUrl, 'query_exemplars', { ...params, query: 'demo_requests_total{replica="1"}', dedup: 'false' })).body.data as Json[];
    expect(here.map((d) => (d['seriesLabels'] as Json)['replica'])).toEqual(['1']);
    const both = (await get(query.httpUrl, 'query_exemplars', { ...params, dedup: 'false' })).body.data as Json[];
    expect(both).toHaveLength(2);
  });

  it('answers /api/v1/alertmanagers, /status/* as upstream\'s querier, and unknown API paths with Prometheus\'s 404', async () => {
    expect((await get(query.httpUrl, 'alertmanagers')).body).toEqual({ status: 'success', data: { activeAlertmanagers: [], droppedAlertmanagers: [] } });
    const runtime = (await get(query.httpUrl, 'status/runtimeinfo')).body.data as Json;
    expect(Object.keys(runtime).sort()).toEqual(['CWD', 'GODEBUG', 'GOGC', 'GOMAXPROCS', 'GOMEMLIMIT', 'goroutineCount', 'startTime'].sort());
    expect(Date.parse(String(runtime['startTime']))).toBeLessThanOrEqual(Date.now());
    const build = (await get(query.httpUrl, 'status/buildinfo')).body.data as Json;
    expect(build).toHaveProperty('version');
    expect((await get(query.httpUrl, 'status/flags')).body.data).toHaveProperty(['query.replica-label'], 'replica');
    const tsdb = (await get(query.httpUrl, 'status/tsdb')).body.data as Json;
    expect(Object.keys(tsdb).sort()).toEqual(['headStats', 'labelValueCountByLabelName', 'memoryInBytesByLabelName', 'seriesCountByLabelValuePair', 'seriesCountByMetricName']);
    for (const p of ['status/config', 'nonsense', 'rules/extra']) {
      const r = await get(query.httpUrl, p);
      expect(r.code).toBe(404);
      expect(r.body).toMatchObject({ status: 'error', errorType: 'not_found' });
      expect(r.body.error).toContain(`/api/v1/${p}`);
    }
  });

  describe('Alerts, Rules and Targets pages in Chromium', () => {
    let browser: Browser;
    let page: Page;
    let shots: string;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      shots = await screenshotDir('query-apis');
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on('pageerror', (err) => pageErrors.push(err.message));
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    it('Alerts shows the firing alert with its labels; without dedup, one per replica', async () => {
      await page.goto(`${query.httpUrl}/alerts`);
      const firing = page.locator('details.alert-rule.state-firing');
      await expect.poll(() => firing.count(), { timeout: 15_000 }).toBe(1);
      expect(await firing.getAttribute('data-rule')).toBe('AlwaysFiring');
      expect(await firing.locator('tr.alert-instance').count()).toBe(1);
      const text = await firing.innerText();
      expect(text).toContain('severity="page"');
      expect(text).toContain('FIRING');
      expect(text).toContain('vector(1) > 0');
      expect(await page.locator('details.alert-rule.state-inactive').getAttribute('data-rule')).toBe('NeverFiring');
      expect(await page.locator('.state-counts').innerText()).toContain('firing (1)');
      await page.screenshot({ path: path.join(shots, 'alerts.png'), fullPage: true });
      await page.locator('input[name="dedup"]').uncheck();
      await expect.poll(() => firing.count(), { timeout: 15_000 }).toBe(2);
      expect(new URL(page.url()).searchParams.get('dedup')).toBe('0');
      await page.screenshot({ path: path.join(shots, 'alerts-no-dedup.png'), fullPage: true });
    });

    it('Rules shows the group and its three rules, healthy; without dedup, each rule per replica', async () => {
      await page.goto(`${query.httpUrl}/rules`);
      const rows = page.locator('.rule-group[data-group="demo"] tr.rule');
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(3);
      expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-rule')))).toEqual(['AlwaysFiring', 'NeverFiring', 'job:up:sum']);
      const text = await page.locator('.rule-group').innerText();
      expect(text).toContain('record: job:up:sum');
      expect(text).toContain('team="infra"');
      expect(text).not.toContain('replica=');
      expect(await page.locator('.rule-group .badge.health-ok').count()).toBe(3);
      await page.screenshot({ path: path.join(shots, 'rules.png'), fullPage: true });
      await page.locator('input[name="dedup"]').uncheck();
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(6);
      expect(await page.locator('.rule-group').innerText()).toContain('replica="1"');
    });

    it('Targets shows every target up by scrape pool; without dedup, each target per replica', async () => {
      await page.goto(`${query.httpUrl}/targets`);
      const rows = page.locator('tr.target');
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(3);
      expect(await page.locator('.scrape-pool h3').allInnerTexts()).toEqual(['exemplars (1/1 up)', 'prometheus (2/2 up)']);
      expect(await page.locator('tr.target .badge.up').count()).toBe(3);
      const urls = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-url')));
      expect(urls.sort()).toEqual([...proms.map((p) => `${p.url}/metrics`), `http://127.0.0.1:${exporter.port}/metrics`].sort());
      await page.screenshot({ path: path.join(shots, 'targets.png'), fullPage: true });
      await page.locator('input[name="dedup"]').uncheck();
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(6);
      await page.locator('input[name="unhealthy"]').check();
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(0);
      expect(pageErrors).toEqual([]);
    });
  });

  describe('an independent gRPC client from upstream\'s field numbers, against the sidecar', () => {
    let root: protobuf.Root;
    beforeAll(() => {
      root = protobuf.Root.fromJSON(UPSTREAM_PROTOS);
    });
    const call = async (address: string, method: string, reqType: string, resType: string, req: Json): Promise<Json[]> => {
      const Req = root.lookupType(reqType);
      const Res = root.lookupType(resType);
      const client = new Client(address, credentials.createInsecure());
      try {
        const stream = client.makeServerStreamRequest(method, (o: Json) => Buffer.from(Req.encode(Req.fromObject(o)).finish()),
          (b: Buffer) => Res.toObject(Res.decode(b), { longs: Number, enums: String, defaults: true, oneofs: true }) as Json,
          req, new Metadata(), { deadline: Date.now() + 20_000 });
        const out: Json[] = [];
        for await (const m of stream) out.push(m as Json);
        return out;
      } finally {
        client.close();
      }
    };
    const labels = (ls: unknown): Json => Object.fromEntries(((ls as { labels?: { name: string; value: string }[] })?.labels ?? []).map((l) => [l.name, l.value]));

    it('Info advertises Rules, Targets, Metadata and Exemplars', async () => {
      const Req = root.lookupType('thanos.info.InfoRequest');
      const Res = root.lookupType('thanos.info.InfoResponse');
      const client = new Client(sidecars[0]!.grpcAddress, credentials.createInsecure());
      const info = await new Promise<Json>((resolve, reject) => {
        client.makeUnaryRequest('/thanos.info.Info/Info', () => Buffer.from(Req.encode({}).finish()),
          (b: Buffer) => Res.toObject(Res.decode(b), { longs: Number, defaults: false }) as Json, {}, (err, v) => (err ? reject(err) : resolve(v!)));
      });
      client.close();
      expect(info['ComponentType']).toBe('sidecar');
      for (const api of ['store', 'rules', 'targets', 'metricMetadata', 'exemplars']) expect(info, api).toHaveProperty(api);
    });

    it('Rules gives Prometheus\'s rule groups with the external labels', async () => {
      const frames = await call(sidecars[0]!.grpcAddress, '/thanos.Rules/Rules', 'thanos.RulesRequest', 'thanos.RulesResponse', { type: 'ALL' });
      const theirs = ((await get(proms[0]!.url, 'rules')).body.data as { groups: Json[] }).groups;
      const groups = frames.map((f) => f['group'] as Json);
      expect(groups.map((g) => [g['name'], g['file'], g['interval']])).toEqual(theirs.map((g) => [g['name'], g['file'], g['interval']]));
      const rules = groups[0]!['rules'] as Json[];
      const theirRules = theirs[0]!['rules'] as Json[];
      expect(rules.map((r) => (r['recording'] ?? r['alert']) as Json).map((r) => [r['name'], r['query'], labels(r['labels'])])).toEqual(
        theirRules.map((r) => [r['name'], r['query'], { ...(r['labels'] as Json), cluster: 'c', replica: '0' }]));
      const firing = rules.find((r) => (r['alert'] as Json | undefined)?.['name'] === 'AlwaysFiring')!['alert'] as Json;
      expect(firing['state']).toBe('FIRING');
      expect(labels((firing['alerts'] as Json[])[0]!['labels'])).toEqual({ alertname: 'AlwaysFiring', severity: 'page' });
      expect(labels(firing['annotations'])).toEqual({ summary: 'always {{ $value }}' });
      const lastEval = firing['lastEvaluation'] as { seconds: number; nanos: number };
      expect(lastEval.seconds).toBeGreaterThan(Date.now() / 1000 - 120);
    });

    it('the querier relays Rules from both replicas (replica labels kept, for a querier above it to dedup)', async () => {
      const frames = await call(query.grpcAddress, '/thanos.Rules/Rules', 'thanos.RulesRequest', 'thanos.RulesResponse', { type: 'ALERT' });
      const groups = frames.filter((f) => f['group']).map((f) => f['group'] as Json);
      expect(groups).toHaveLength(1);
      const rules = (groups[0]!['rules'] as Json[]).map((r) => r['alert'] as Json);
      expect(rules.map((r) => [r['name'], labels(r['labels'])['replica']])).toEqual([['AlwaysFiring', '0'], ['AlwaysFiring', '1'], ['NeverFiring', '0'], ['NeverFiring', '1']]);
      const md = await call(query.grpcAddress, '/thanos.Metadata/MetricMetadata', 'thanos.MetricMetadataRequest', 'thanos.MetricMetadataResponse', { metric: 'demo_requests', limit: -1 });
      expect((md[0]!['metadata'] as { metadata: Record<string, { metas: Json[] }> }).metadata['demo_requests']!.metas).toEqual([{ type: 'counter', help: 'Requests served.', unit: '' }]);
    });

    it('Targets gives Prometheus\'s targets with the external labels', async () => {
      const frames = await call(sidecars[1]!.grpcAddress, '/thanos.Targets/Targets', 'thanos.TargetsRequest', 'thanos.TargetsResponse', { state: 'ANY' });
      const t = frames[0]!['targets'] as { activeTargets: Json[]; droppedTargets: Json[] };
      const theirs = (await get(proms[1]!.url, 'targets')).body.data as { activeTargets: Json[]; droppedTargets: Json[] };
      const view = (x: Json, lbls: Json): unknown[] => [x['scrapeUrl'], x['scrapePool'], x['globalUrl'], lbls];
      expect(t.activeTargets.map((x) => view(x, labels(x['labels']))).sort()).toEqual(
        theirs.activeTargets.map((x) => view(x, { ...(x['labels'] as Json), cluster: 'c', replica: '1' })).sort());
      expect(t.activeTargets.every((x) => x['health'] === 'UP')).toBe(true);
      expect(t.droppedTargets.map((x) => labels(x['discoveredLabels']))).toEqual(
        theirs.droppedTargets.map((x) => ({ ...(x['discoveredLabels'] as Json), cluster: 'c', replica: '1' })));
      const dropped = await call(sidecars[1]!.grpcAddress, '/thanos.Targets/Targets', 'thanos.TargetsRequest', 'thanos.TargetsResponse', { state: 'DROPPED' });
      expect((dropped[0]!['targets'] as { activeTargets: Json[] }).activeTargets).toEqual([]);
    });

    it('Metadata gives Prometheus\'s metric metadata', async () => {
      const frames = await call(sidecars[0]!.grpcAddress, '/thanos.Metadata/MetricMetadata', 'thanos.MetricMetadataRequest', 'thanos.MetricMetadataResponse', { limit: -1 });
      const md = (frames[0]!['metadata'] as { metadata: Record<string, { metas: Json[] }> }).metadata;
      const theirs = (await get(proms[0]!.url, 'metadata')).body.data as Record<string, Json[]>;
      expect(Object.fromEntries(Object.entries(md).map(([k, v]) => [k, v.metas]))).toEqual(theirs);
      const one = await call(sidecars[0]!.grpcAddress, '/thanos.Metadata/MetricMetadata', 'thanos.MetricMetadataRequest', 'thanos.MetricMetadataResponse', { metric: 'demo_requests', limit: -1 });
      expect(Object.keys((one[0]!['metadata'] as { metadata: Json }).metadata)).toEqual(['demo_requests']);
    });

    it('Exemplars gives Prometheus\'s exemplars with the external labels', async () => {
      const req = { query: 'demo_requests_total', start: exemplarTs - 60_000, end: Date.now() };
      const frames = await call(sidecars[0]!.grpcAddress, '/thanos.Exemplars/Exemplars', 'thanos.ExemplarsRequest', 'thanos.ExemplarsResponse', req);
      const data = frames.map((f) => f['data'] as Json);
      const theirs = (await get(proms[0]!.url, 'query_exemplars', { query: req.query, start: String(req.start / 1000), end: String(req.end / 1000) })).body.data as Json[];
      expect(data.map((d) => labels(d['seriesLabels']))).toEqual(theirs.map((d) => ({ ...(d['seriesLabels'] as Json), cluster: 'c', replica: '0' })));
      expect((data[0]!['exemplars'] as Json[]).map((e) => [labels(e['labels']), e['value'], e['ts']])).toEqual(
        (theirs[0]!['exemplars'] as Json[]).map((e) => [e['labels'], Number(e['value']), Math.round(Number(e['timestamp']) * 1000)]));
    });
  });
});

// Upstream's messages (Thanos v0.42: pkg/{rules/rulespb,targets/targetspb,metadata/metadatapb,exemplars/exemplarspb,
// info/infopb}/rpc.proto, store/labelpb and storepb types), written here field number by field number so the
// check does not go through the production .proto files or codecs.
const LABEL_SET = { fields: { labels: { rule: 'repeated', type: 'Label', id: 1 } } };
const TS = 'google.protobuf.Timestamp';
const UPSTREAM_PROTOS = {
  nested: {
    google: { nested: { protobuf: { nested: { Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } } } } } },
    thanos: {
      nested: {
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        ZLabelSet: LABEL_SET,
        PartialResponseStrategy: { values: { WARN: 0, ABORT: 1 } },
        RulesRequest: {
          nested: { Type: { values: { ALL: 0, ALERT: 1, RECORD: 2 } } },
          fields: {
            type: { type: 'Type', id: 1 }, partial_response_strategy: { type: 'PartialResponseStrategy', id: 2 },
            matcher_string: { rule: 'repeated', type: 'string', id: 3 }, rule_name: { rule: 'repeated', type: 'string', id: 4 },
            rule_group: { rule: 'repeated', type: 'string', id: 5 }, file: { rule: 'repeated', type: 'string', id: 6 },
          },
        },
        RulesResponse: { oneofs: { result: { oneof: ['group', 'warning'] } }, fields: { group: { type: 'RuleGroup', id: 1 }, warning: { type: 'string', id: 2 } } },
        RuleGroup: {
          fields: {
            name: { type: 'string', id: 1 }, file: { type: 'string', id: 2 }, rules: { rule: 'repeated', type: 'Rule', id: 3 },
            interval: { type: 'double', id: 4 }, evaluationDurationSeconds: { type: 'double', id: 5 }, lastEvaluation: { type: TS, id: 6 },
            limit: { type: 'int64', id: 9 }, PartialResponseStrategy: { type: 'PartialResponseStrategy', id: 8 },
          },
        },
        Rule: { oneofs: { result: { oneof: ['recording', 'alert'] } }, fields: { recording: { type: 'RecordingRule', id: 1 }, alert: { type: 'Alert', id: 2 } } },
        AlertState: { values: { UNKNOWN: 0, INACTIVE: 1, PENDING: 2, FIRING: 3 } },
        AlertInstance: {
          fields: {
            labels: { type: 'ZLabelSet', id: 1 }, annotations: { type: 'ZLabelSet', id: 2 }, state: { type: 'AlertState', id: 3 },
            activeAt: { type: TS, id: 4 }, value: { type: 'string', id: 5 }, PartialResponseStrategy: { type: 'PartialResponseStrategy', id: 6 },
          },
        },
        Alert: {
          fields: {
            state: { type: 'AlertState', id: 1 }, name: { type: 'string', id: 2 }, query: { type: 'string', id: 3 },
            durationSeconds: { type: 'double', id: 4 }, labels: { type: 'ZLabelSet', id: 5 }, annotations: { type: 'ZLabelSet', id: 6 },
            alerts: { rule: 'repeated', type: 'AlertInstance', id: 7 }, health: { type: 'string', id: 8 }, lastError: { type: 'string', id: 9 },
            evaluationDurationSeconds: { type: 'double', id: 10 }, lastEvaluation: { type: TS, id: 11 }, keepFiringForSeconds: { type: 'double', id: 12 },
          },
        },
        RecordingRule: {
          fields: {
            name: { type: 'string', id: 1 }, query: { type: 'string', id: 2 }, labels: { type: 'ZLabelSet', id: 3 },
            health: { type: 'string', id: 4 }, lastError: { type: 'string', id: 5 }, evaluationDurationSeconds: { type: 'double', id: 6 },
            lastEvaluation: { type: TS, id: 7 },
          },
        },
        TargetsRequest: {
          nested: { State: { values: { ANY: 0, ACTIVE: 1, DROPPED: 2 } } },
          fields: { state: { type: 'State', id: 1 }, partial_response_strategy: { type: 'PartialResponseStrategy', id: 2 } },
        },
        TargetsResponse: { oneofs: { result: { oneof: ['targets', 'warning'] } }, fields: { targets: { type: 'TargetDiscovery', id: 1 }, warning: { type: 'string', id: 2 } } },
        TargetDiscovery: { fields: { activeTargets: { rule: 'repeated', type: 'ActiveTarget', id: 1 }, droppedTargets: { rule: 'repeated', type: 'DroppedTarget', id: 2 } } },
        TargetHealth: { values: { DOWN: 0, UP: 1, UNKNOWN: 2 } },
        ActiveTarget: {
          fields: {
            discoveredLabels: { type: 'ZLabelSet', id: 1 }, labels: { type: 'ZLabelSet', id: 2 }, scrapePool: { type: 'string', id: 3 },
            scrapeUrl: { type: 'string', id: 4 }, globalUrl: { type: 'string', id: 5 }, lastError: { type: 'string', id: 6 },
            lastScrape: { type: TS, id: 7 }, lastScrapeDuration: { type: 'double', id: 8 }, health: { type: 'TargetHealth', id: 9 },
          },
        },
        DroppedTarget: { fields: { discoveredLabels: { type: 'ZLabelSet', id: 1 } } },
        MetricMetadataRequest: { fields: { metric: { type: 'string', id: 1 }, limit: { type: 'int32', id: 2 }, partial_response_strategy: { type: 'PartialResponseStrategy', id: 3 } } },
        MetricMetadataResponse: { oneofs: { result: { oneof: ['metadata', 'warning'] } }, fields: { metadata: { type: 'MetricMetadata', id: 1 }, warning: { type: 'string', id: 2 } } },
        MetricMetadata: { fields: { metadata: { keyType: 'string', type: 'MetricMetadataEntry', id: 1 } } },
        MetricMetadataEntry: { fields: { metas: { rule: 'repeated', type: 'Meta', id: 2 } } },
        Meta: { fields: { type: { type: 'string', id: 1 }, help: { type: 'string', id: 2 }, unit: { type: 'string', id: 3 } } },
        ExemplarsRequest: {
          fields: {
            query: { type: 'string', id: 1 }, start: { type: 'int64', id: 2 }, end: { type: 'int64', id: 3 },
            partial_response_strategy: { type: 'PartialResponseStrategy', id: 4 },
          },
        },
        ExemplarsResponse: { oneofs: { result: { oneof: ['data', 'warning'] } }, fields: { data: { type: 'ExemplarData', id: 1 }, warning: { type: 'string', id: 2 } } },
        ExemplarData: { fields: { seriesLabels: { type: 'ZLabelSet', id: 1 }, exemplars: { rule: 'repeated', type: 'Exemplar', id: 2 } } },
        Exemplar: { fields: { labels: { type: 'ZLabelSet', id: 1 }, value: { type: 'double', id: 2 }, ts: { type: 'int64', id: 3 } } },
        info: {
          nested: {
            InfoRequest: { fields: {} },
            InfoResponse: {
              fields: {
                label_sets: { rule: 'repeated', type: 'thanos.ZLabelSet', id: 1 }, ComponentType: { type: 'string', id: 2 },
                store: { type: 'Empty', id: 3 }, rules: { type: 'Empty', id: 4 }, metricMetadata: { type: 'Empty', id: 5 },
                targets: { type: 'Empty', id: 6 }, exemplars: { type: 'Empty', id: 7 }, query: { type: 'Empty', id: 8 }, status: { type: 'Empty', id: 9 },
              },
            },
            // Only presence matters here: an empty message stands for each sub-message.
            Empty: { fields: {} },
          },
        },
      },
    },
  },
};
