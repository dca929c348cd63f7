// End to end: two real Prometheus 2.42 replicas (external labels cluster="c", replica="0"|"1") scraping one exporter,
// a thanos-ts sidecar each, and thanos-ts query deduplicating them: dedup on/off, no gap across a replica restart,
// partial response with a sidecar down, Prometheus's error types, and promtool printing the same as against Prometheus.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promtool } from '../support/promtool.js';
import {
  startExporter, startProm, startQuery, startSidecar, tempWorkDir, type Exporter, type Prom, type ThanosProc,
} from '../query/support/ha-cluster.js';

interface ApiResp {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
  errorType?: string;
  error?: string;
  warnings?: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function api(base: string, path: string, params: Record<string, string> | URLSearchParams): Promise<{ code: number; body: ApiResp }> {
  const res = await fetch(`${base}/api/v1/${path}?${new URLSearchParams(params).toString()}`, { signal: AbortSignal.timeout(30_000) });
  return { code: res.status, body: await res.json() as ApiResp };
}

describe('thanos-ts query over two Prometheus replicas with sidecars', () => {
  let work: string;
  let exporter: Exporter;
  const proms: Prom[] = [];
  const sidecars: ThanosProc[] = [];
  let query: ThanosProc;
  let flat: ThanosProc;

  beforeAll(async () => {
    work = await tempWorkDir('query-e2e-');
    exporter = await startExporter();
    proms.push(...await Promise.all(['0', '1'].map((r) => startProm(work, `prometheus-${r}`, r, exporter.url))));
    sidecars.push(...await Promise.all(proms.map((p, i) => startSidecar(work, `sidecar-${i}`, p))));
    query = await startQuery(work, 'query', sidecars.map((s) => s.grpcAddress), ['--query.replica-label=replica']);
    // Over replica 0 alone with every external label treated as a replica label: the same view as Prometheus 0.
    flat = await startQuery(work, 'query-flat', [sidecars[0]!.grpcAddress], ['--query.replica-label=replica', '--query.replica-label=cluster']);
    // Enough scrapes (1s interval) for rates and ranges. Prometheus's discovery batches target updates (up to 5s),
    // so the first scrape comes late and unevenly: wait for the data itself, not a fixed time.
    const deadline = Date.now() + 90_000;
    for (const p of proms) {
      for (;;) {
        const r = await api(p.url, 'query', { query: 'count_over_time(demo_counter_total{kind="a"}[10s])' });
        const n = Number(r.body.data.result[0]?.value?.[1] ?? 0);
        if (n >= 10) break;
        if (Date.now() > deadline) throw new Error(`${p.url} has only ${n} scrapes after 90s`);
        await sleep(500);
      }
    }
  }, 180_000);

  afterAll(async () => {
    for (const p of [flat, query, ...sidecars].reverse()) await p?.proc.stop();
    for (const p of proms) await p.proc.stop();
    await exporter?.close();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  it('returns every series once, without the replica label; dedup=false returns both replicas', async () => {
    const t = String((Date.now() - 2000) / 1000);
    const d = await api(query.httpUrl, 'query', { query: 'demo_gauge', time: t });
    expect(d.code).toBe(200);
    expect(d.body.data.result.map((r) => r.metric)).toEqual(['a', 'b', 'c'].map((kind) => (
      { __name__: 'demo_gauge', cluster: 'c', instance: exporter.url, job: 'demo', kind })));
    const all = await api(query.httpUrl, 'query', { query: 'demo_gauge', time: t, dedup: 'false' });
    expect(all.body.data.result).toHaveLength(6);
    expect(new Set(all.body.data.result.map((r) => r.metric['replica']))).toEqual(new Set(['0', '1']));

    const end = (Date.now() - 2000) / 1000;
    const range = await api(query.httpUrl, 'query_range', { query: 'demo_counter_total', start: String(end - 5), end: String(end), step: '1' });
    expect(range.body.data.resultType).toBe('matrix');
    expect(range.body.data.result.map((r) => r.metric['kind'])).toEqual(['a', 'b', 'c']);
    for (const r of range.body.data.result) {
      expect(r.metric).not.toHaveProperty('replica');
      expect(r.values).toHaveLength(6);
    }
    const rangeAll = await api(query.httpUrl, 'query_range', { query: 'demo_counter_total', start: String(end - 5), end: String(end), step: '1', dedup: 'false' });
    expect(rangeAll.body.data.result).toHaveLength(6);
  });

  it('exposes the families of upstream\'s query dashboard: HTTP by handler, gRPC client calls, the query gate', async () => {
    await api(query.httpUrl, 'query', { query: 'demo_gauge' });
    const text = await (await fetch(`${query.httpUrl}/metrics`)).text();
    const sum = (re: RegExp): number => text.split('\n').filter((l) => re.test(l)).reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    expect(sum(/^http_requests_total\{code="200",handler="query",method="get"\}/)).toBeGreaterThan(0);
    expect(sum(/^http_request_duration_seconds_count\{code="200",handler="query",method="get"\}/)).toBeGreaterThan(0);
    expect(sum(/^grpc_client_handled_total\{.*grpc_service="thanos\.Store",grpc_method="Series",grpc_code="OK"\}/)).toBeGreaterThanOrEqual(2);
    expect(sum(/^grpc_client_handling_seconds_count\{.*grpc_method="Series"/)).toBeGreaterThanOrEqual(2);
    expect(sum(/^thanos_query_concurrent_gate_queries_max /)).toBe(20);
    expect(sum(/^thanos_query_concurrent_gate_queries_total /)).toBeGreaterThan(0);
  });

  it('lists both sidecars on /api/v1/stores', async () => {
    const res = await (await fetch(`${query.httpUrl}/api/v1/stores`)).json() as { data: Record<string, { name: string; lastError: null; labelSets: unknown[] }[]> };
    expect(Object.keys(res.data)).toEqual(['sidecar']);
    expect(res.data['sidecar']!.map((s) => s.name).sort()).toEqual(sidecars.map((s) => s.grpcAddress).sort());
    expect(res.data['sidecar']!.map((s) => s.labelSets)).toContainEqual([{ cluster: 'c', replica: '0' }]);
  });

  it('answers bad queries with 400 bad_data and Prometheus\'s message, and a timeout with 503 timeout', async () => {
    for (const q of ['sum(', 'demo_gauge{', 'rate(demo_gauge)', '1 +']) {
      const ours = await api(query.httpUrl, 'query', { query: q });
      const theirs = await api(proms[1]!.url, 'query', { query: q });
      expect(ours.code).toBe(400);
      expect(ours.body).toEqual({ status: 'error', errorType: 'bad_data', error: theirs.body.error });
    }
    const slow = await api(query.httpUrl, 'query_range', { query: 'demo_counter_total', start: String(Date.now() / 1000 - 60), end: String(Date.now() / 1000), step: '1', timeout: '1ms' });
    expect(slow.code).toBe(503);
    expect(slow.body).toMatchObject({ status: 'error', errorType: 'timeout' });
  });

  it('promtool query instant/range/series/labels print the same against thanos-ts query as against Prometheus', async () => {
    // Prometheus 3 (our semantics) leaves range selectors open on the left, 2.42 closes them: the two agree unless
    // a sample sits exactly on a window's left edge. Scrapes are aligned to the interval, so evaluate half an interval
    // away from them.
    const raw = await api(proms[0]!.url, 'query', { query: 'demo_counter_total[3s]' });
    const sampleTs = (raw.body as { data: { result: { values: [number, string][] }[] } }).data.result[0]!.values[0]![0];
    const phase = Math.round((sampleTs % 1) * 1000);
    // Five seconds back: a scrape is stamped when it starts but stored when it ends, so under load the newest
    // seconds can still change between the two servers' reads.
    const t = (Math.floor(Date.now() / 1000) - 5) + ((phase + 500) % 1000) / 1000;
    const servers = [proms[0]!.url, flat.httpUrl];
    const both = async (args: (server: string) => string[]): Promise<[string, string]> => {
      const [a, b] = await Promise.all(servers.map((s) => promtool(args(s))));
      return [a!, b!];
    };
    for (const expr of ['demo_gauge', 'demo_counter_total', 'sum by (kind) (rate(demo_counter_total[5s]))', 'demo_gauge * 2', 'count(up)',
      'histogram_quantile(0.9, rate(demo_latency_seconds_bucket[5s]))']) {
      const [prom, ours] = await both((s) => ['query', 'instant', `--time=${t}`, s, expr]);
      expect(prom.trim()).not.toBe('');
      expect(ours, expr).toBe(prom);
      const [pr, or] = await both((s) => ['query', 'range', `--start=${t - 5}`, `--end=${t}`, '--step=1s', s, expr]);
      expect(or, `range ${expr}`).toBe(pr);
    }
    const [ps, os] = await both((s) => ['query', 'series', '--match=demo_counter_total', '--match=up', `--start=${t - 5}`, `--end=${t}`, s]);
    expect(ps).toContain('demo_counter_total');
    expect(os).toBe(ps);
    // promtool does not print warnings: ask once more to see that no store's part of the answer was dropped.
    const seriesParams = new URLSearchParams([['match[]', 'demo_counter_total'], ['match[]', 'up'], ['start', String(t - 5)], ['end', String(t)]]);
    expect((await api(flat.httpUrl, 'series', seriesParams)).body.warnings).toBeUndefined();
    for (const name of ['kind', '__name__', 'job']) {
      const [pl, ol] = await both((s) => ['query', 'labels', s, name]);
      expect(ol).toBe(pl);
    }
  }, 60_000);

  it('serves the StoreAPI on its gRPC port, so a second querier stacked on it (found through --store.sd-files) sees the same deduplicated view', async () => {
    const sdFile = path.join(work, 'stores.yml');
    await writeFile(sdFile, `- targets: ["${query.grpcAddress}"]\n`);
    const stacked = await startQuery(work, 'query-stacked', [], ['--query.replica-label=replica', `--store.sd-files=${sdFile}`], 1);
    try {
      const stores = await (await fetch(`${stacked.httpUrl}/api/v1/stores`)).json() as { data: Record<string, { labelSets: unknown[] }[]> };
      expect(Object.keys(stores.data)).toEqual(['query']);
      expect(stores.data['query']![0]!.labelSets).toEqual([{ cluster: 'c', replica: '0' }, { cluster: 'c', replica: '1' }]);
      const t = String((Date.now() - 2000) / 1000);
      const [direct, viaStack] = await Promise.all([query, stacked].map((q) => api(q.httpUrl, 'query', { query: 'demo_gauge', time: t })));
      expect(viaStack!.body).toEqual(direct!.body);
      const all = await api(stacked.httpUrl, 'query', { query: 'demo_gauge', time: t, dedup: 'false' });
      expect(all.body.data.result).toHaveLength(6);
    } finally {
      await stacked.proc.stop();
    }
  }, 60_000);

  it('has no gap in the deduplicated range after one Prometheus is killed and restarted', async () => {
    const killedAt = Date.now();
    process.kill(proms[0]!.proc.pid, 'SIGKILL');
    await proms[0]!.proc.stop();
    await sleep(10_000);
    proms[0] = await startProm(work, 'prometheus-0', '0', exporter.url, proms[0]!.port);
    await sleep(4000);
    const start = Math.floor(killedAt / 1000) - 4;
    const end = Math.floor(Date.now() / 1000) - 1;
    const params = { query: 'demo_counter_total{kind="a"}', start: String(start), end: String(end), step: '1', lookback_delta: '5s' };
    const dedup = await api(query.httpUrl, 'query_range', params);
    expect(dedup.body.data.result).toHaveLength(1);
    const points = dedup.body.data.result[0]!.values!;
    expect(points.map((p) => p[0])).toEqual(Array.from({ length: end - start + 1 }, (_, i) => start + i));
    // Counter values never drop in the merged series.
    for (let i = 1; i < points.length; i++) expect(Number(points[i]![1])).toBeGreaterThanOrEqual(Number(points[i - 1]![1]));
    // Replica 0 on its own has the hole the dedup filled.
    const alone = await api(query.httpUrl, 'query_range', { ...params, query: 'demo_counter_total{kind="a",replica="0"}', dedup: 'false' });
    expect(alone.body.data.result[0]!.values!.length).toBeLessThan(points.length);
  }, 60_000);

  it('with one sidecar stopped, partial_response=true warns and partial_response=false fails', async () => {
    await sidecars[1]!.proc.stop();
    const t = String((Date.now() - 1000) / 1000);
    const warn = await api(query.httpUrl, 'query', { query: 'demo_gauge', time: t, partial_response: 'true' });
    expect(warn.code).toBe(200);
    expect(warn.body.data.result).toHaveLength(3);
    expect(warn.body.warnings?.join('\n')).toContain(sidecars[1]!.grpcAddress);
    const abort = await api(query.httpUrl, 'query', { query: 'demo_gauge', time: t, partial_response: 'false' });
    expect(abort.body.status).toBe('error');
    expect(abort.code).toBeGreaterThanOrEqual(400);
    expect(abort.body.error).toContain(sidecars[1]!.grpcAddress);
  }, 30_000);
});
