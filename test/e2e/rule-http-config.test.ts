// http_config of the ruler's --query.config and --alertmanagers.config end to end: a real Prometheus 2.42 (as the
// query API) and a real Alertmanager 0.25, both behind --web.config.file with TLS that requires a client
// certificate and basic auth. A ruler with tls_config (ca_file, cert_file, key_file) and basic_auth evaluates an
// alert through Prometheus and delivers it to Alertmanager; a ruler without the client certificate fails its
// evaluations and says why.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/runtime/http-client.js';
import { parseHttpClientConfig } from '../../src/runtime/http-client-config.js';
import { freePort } from '../support/peers/process.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { startAlertmanager, type RunningAlertmanager } from '../rule/support/alertmanager.js';
import { startThanos, type ThanosProc } from '../query/support/ha-cluster.js';

// exporter-toolkit's fixed bcrypt hash of "fakepassword" (made by Go's bcrypt).
const HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';
const PASSWORD = 'fakepassword';

const RULES = `groups:
- name: tls
  interval: 1s
  rules:
  - alert: ThroughTls
    expr: vector(3) > 0
    labels:
      severity: page
    annotations:
      summary: 'value {{ $value }}'
`;

let dir = '';
const f = (name: string): string => path.join(dir, name);
let prometheus: RunningPrometheus;
let am: RunningAlertmanager;
const rulers: ThanosProc[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}
function makeCa(ca: string): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${ca}.key`), '-out', f(`${ca}.crt`), '-days', '2', '-subj', `/CN=${ca}`);
}
function makeCert(name: string, ca: string): void {
  writeFileSync(f('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`);
  openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${ca}.crt`), '-CAkey', f(`${ca}.key`), '-CAcreateserial',
    '-out', f(`${name}.crt`), '-days', '2', '-extfile', f('san.ext'));
}

const webConfig = (server: string): string => [
  'tls_server_config:', `  cert_file: ${f(`${server}.crt`)}`, `  key_file: ${f(`${server}.key`)}`,
  '  client_auth_type: RequireAndVerifyClientCert', `  client_ca_file: ${f('ca.crt')}`,
  'basic_auth_users:', `  ruler: ${HASH}`, '',
].join('\n');

/** The http_config YAML (flow style, one line) of a client with or without the client certificate. */
function httpConfig(withClientCert: boolean): string {
  const tls = withClientCert ? `{ca_file: ${f('ca.crt')}, cert_file: ${f('client.crt')}, key_file: ${f('client.key')}}` : `{ca_file: ${f('ca.crt')}}`;
  return `{basic_auth: {username: ruler, password: ${PASSWORD}}, tls_config: ${tls}}`;
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${ms} ms${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface RuleView { name: string; health: string; lastError?: string }
async function rulesOf(r: ThanosProc): Promise<RuleView[]> {
  const body = await (await fetch(`${r.httpUrl}/api/v1/rules`)).json() as { data: { groups: { rules: RuleView[] }[] } };
  return body.data.groups.flatMap((g) => g.rules);
}

async function startRuler(name: string, withClientCert: boolean): Promise<ThanosProc> {
  const http = httpConfig(withClientCert);
  const r = await startThanos(dir, name, [
    'rule', `--rule-file=${f('rules.yml')}`, `--data-dir=${f(`${name}-data`)}`, '--eval-interval=1s', `--label=ruler="${name}"`,
    `--query.config=- scheme: https\n  static_configs: ['127.0.0.1:${prometheus.port}']\n  http_config: ${http}\n`,
    `--alertmanagers.config=alertmanagers:\n- scheme: https\n  static_configs: ['${new URL(am.url).host}']\n  http_config: ${http}\n`,
  ]);
  rulers.push(r);
  return r;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'rule-http-config-'));
  makeCa('ca');
  makeCert('prometheus', 'ca');
  makeCert('alertmanager', 'ca');
  makeCert('client', 'ca');
  writeFileSync(f('rules.yml'), RULES);
  writeFileSync(f('prom-web.yml'), webConfig('prometheus'));
  const client = new HttpClient(parseHttpClientConfig(httpConfig(true), 'test'));
  prometheus = await startPrometheus({
    dataDir: f('prom-data'), workDir: f('prom-work'), port: await freePort(), waitFor: 'tcp', flags: [`--web.config.file=${f('prom-web.yml')}`],
  });
  am = await startAlertmanager(f('am'), { web: { config: webConfig('alertmanager'), client } });
  // Both answer through a client with everything they demand (so the checks below test the ruler, not start-up).
  await eventually('Prometheus over TLS', async () => ((await client.fetch(`https://127.0.0.1:${prometheus.port}/-/ready`)).status === 200 ? true : undefined));
  await eventually('Alertmanager over TLS', async () => ((await client.fetch(`${am.url}/-/ready`)).status === 200 ? true : undefined));
}, 120_000);

afterAll(async () => {
  for (const r of rulers) await r.proc.stop();
  await am?.stop();
  await prometheus?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('ruler http_config (tls_config, basic_auth) for the query API and Alertmanager', () => {
  it('evaluates through a TLS + client-certificate + basic-auth query API and delivers to such an Alertmanager', async () => {
    const ruler = await startRuler('with-cert', true);
    const alert = await eventually('ThroughTls at Alertmanager', async () => (await am.alerts()).find((a) => a.labels['ruler'] === 'with-cert'));
    expect(alert.labels).toEqual({ alertname: 'ThroughTls', severity: 'page', ruler: 'with-cert' });
    expect(alert.annotations).toEqual({ summary: 'value 3' });
    expect((await rulesOf(ruler)).map((r) => [r.name, r.health])).toEqual([['ThroughTls', 'ok']]);
  }, 90_000);

  it('without the client certificate the evaluations fail, and the rule says so', async () => {
    const ruler = await startRuler('without-cert', false);
    const rule = await eventually('a failed evaluation', async () => (await rulesOf(ruler)).find((r) => r.health === 'err'));
    expect(rule.lastError).toMatch(/no query API server reachable: https:\/\/127\.0\.0\.1:\d+\/api\/v1\/query: .+/);
    expect((await am.alerts()).some((a) => a.labels['ruler'] === 'without-cert')).toBe(false);
  }, 90_000);
});
