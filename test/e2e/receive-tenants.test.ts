// End to end: two real Prometheus 2.42 servers remote-write to one `thanos-ts receive` with built-in bearer-token
// auth, each with its own token and tenant header. Each tenant's series carry only its tenant label and hold exactly
// what that Prometheus scraped (through thanos-ts query's series, labels and query APIs), and a token for one tenant
// cannot write as the other.

import { rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWriteRequestV1 } from '../../src/receive/write-request-encode.js';
import { snappyEncode } from '../../src/tsdb/encoding/snappy.js';
import { freePort } from '../support/peers/process.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { startQuery, startThanos, tempWorkDir } from '../query/support/ha-cluster.js';

async function startExporter(): Promise<{ target: string; close(): Promise<void> }> {
  let n = 0;
  const server = http.createServer((_req, res) => {
    n++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(Array.from({ length: 50 }, (_, i) => `tenant_e2e{i="${i}"} ${n + i}`).join('\n') + '\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  return { target: `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, close: () => new Promise((r) => server.close(() => r())) };
}

interface ApiJson<T> { status: string; error?: string; data: T }

async function api<T>(base: string, p: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`${base}/api/v1/${p}?${new URLSearchParams(params).toString()}`, { signal: AbortSignal.timeout(30_000) });
  const body = await res.json() as ApiJson<T>;
  if (body.status !== 'success') throw new Error(`${p}: ${body.error ?? res.status}`);
  return body.data;
}

type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

function byInstanceSeries(m: Matrix): Record<string, string> {
  return Object.fromEntries(m.map((r) => [`${r.metric['job']}/${r.metric['i']}`, JSON.stringify(r.values)]));
}

describe('receive with two tenants and bearer tokens', () => {
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => { for (const s of stops.reverse()) await s().catch(() => undefined); });

  it('keeps each Prometheus in its own tenant and refuses a token writing as another tenant', async () => {
    const work = await tempWorkDir('e2e-receive-tenants-');
    stops.push(() => rm(work, { recursive: true, force: true }));
    const authFile = path.join(work, 'auth.yml');
    await writeFile(authFile, 'tokens:\n  - tenant: team-a\n    token: token-for-team-a\n  - tenant: team-b\n    token: token-for-team-b\n');
    const exporter = await startExporter();
    stops.push(() => exporter.close());
    const rwPort = await freePort();
    const receive = await startThanos(work, 'receive', [
      'receive', `--remote-write.address=127.0.0.1:${rwPort}`, `--tsdb.path=${path.join(work, 'receive-data')}`,
      '--label=receive_replica="r1"', `--receive.auth-config-file=${authFile}`,
    ]);
    stops.push(() => receive.proc.stop());
    const url = `http://127.0.0.1:${rwPort}/api/v1/receive`;

    const proms: RunningPrometheus[] = [];
    for (const t of ['a', 'b']) {
      const p = await startPrometheus({
        dataDir: path.join(work, `prom-${t}`, 'data'), workDir: path.join(work, `prom-${t}`),
        config: [
          'global:', '  scrape_interval: 1s',
          'scrape_configs:', `  - job_name: job-${t}`, '    static_configs:', `      - targets: ["${exporter.target}"]`,
          'remote_write:', `  - url: ${url}`,
          '    headers:', `      THANOS-TENANT: team-${t}`,
          '    authorization:', `      credentials: token-for-team-${t}`,
          '    queue_config:', '      batch_send_deadline: 1s', '      min_backoff: 100ms', '      max_backoff: 1s', '',
        ].join('\n'),
      });
      proms.push(p);
      stops.push(() => p.stop());
    }
    const query = await startQuery(work, 'query', [receive.grpcAddress]);
    stops.push(() => query.proc.stop());
    await new Promise((r) => setTimeout(r, 8000));

    // A token for team-a sending team-b's header: 403, and nothing of it is stored.
    const body = snappyEncode(encodeWriteRequestV1([{ labels: [{ name: '__name__', value: 'intruder' }], ts: [Date.now()], vs: [1] }]));
    const forged = await fetch(url, { method: 'POST', body, headers: { Authorization: 'Bearer token-for-team-a', 'THANOS-TENANT': 'team-b' } });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toMatch(/writes as tenant team-a, not team-b/);
    expect((await fetch(url, { method: 'POST', body })).status).toBe(401);

    expect(await api<string[]>(query.httpUrl, 'label/tenant_id/values', {})).toEqual(['team-a', 'team-b']);
    for (const [k, t] of ['a', 'b'].entries()) {
      // The querier learns a new tenant's label set from Info, polled every 5 s: until then the store is ruled out.
      await expect.poll(async () => {
        const series = await api<Record<string, string>[]>(query.httpUrl, 'series', { 'match[]': `{tenant_id="team-${t}"}` });
        return new Set(series.map((s) => s['job']));
      }, { timeout: 30_000, interval: 500 }).toEqual(new Set([`job-${t}`]));
      expect(await api<string[]>(query.httpUrl, 'label/job/values', { 'match[]': `{tenant_id="team-${t}"}` })).toEqual([`job-${t}`]);
      // The samples under the tenant are exactly what its own Prometheus holds (up to a few seconds ago).
      const at = String((Date.now() - 3000) / 1000);
      const want = byInstanceSeries((await api<{ result: Matrix }>(proms[k]!.url, 'query', { query: 'tenant_e2e[1m]', time: at })).result);
      let got: Record<string, string> = {};
      for (let i = 0; i < 20; i++) {
        got = byInstanceSeries((await api<{ result: Matrix }>(query.httpUrl, 'query', { query: `tenant_e2e{tenant_id="team-${t}"}[1m]`, time: at })).result);
        if (JSON.stringify(got) === JSON.stringify(want)) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(Object.keys(want)).toHaveLength(50);
      expect(got).toEqual(want);
    }
    expect(await api<unknown[]>(query.httpUrl, 'series', { 'match[]': '{__name__="intruder"}' })).toEqual([]);
  }, 180_000);
});
