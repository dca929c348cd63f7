// --prometheus.http-client(-file) end to end: a real Prometheus 2.42 behind its own --web.config.file (TLS that
// requires a client certificate, and basic auth) is reached by the sidecar for readiness, external labels, remote
// read and reload; credentials in --prometheus.url are used as basic auth and never printed; a sidecar without a
// client certificate or with a wrong password stays unready and says why; bad configs are refused at start.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/runtime/http-client.js';
import { parseHttpClientConfig } from '../../src/runtime/http-client-config.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { eventually, startSidecar, type SidecarProcess } from '../store/prometheus/sidecar-process.js';
import { collectSamples } from '../store/prometheus/samples.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(REPO_ROOT, 'src', 'cmd', 'main.ts');
// exporter-toolkit's fixed bcrypt hash of "fakepassword" (made by Go's bcrypt).
const HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';
const PASSWORD = 'fakepassword';

let dir = '';
const f = (name: string): string => path.join(dir, name);
let prometheus: RunningPrometheus;
let promUrl = '';
const sidecars: SidecarProcess[] = [];

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

const promConfig = (replica: string): string => [
  'global:', '  scrape_interval: 1s', `  external_labels: {cluster: tls, replica: ${replica}}`,
  'scrape_configs:', '  - job_name: self', '    scheme: https',
  `    basic_auth: {username: prometheus, password: ${PASSWORD}}`,
  `    tls_config: {ca_file: ${f('ca.crt')}, cert_file: ${f('client.crt')}, key_file: ${f('client.key')}}`,
  '    static_configs: [{targets: ["PROM_ADDR"]}]',
  '',
].join('\n');

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sidecar-http-client-'));
  makeCa('ca');
  makeCert('prometheus', 'ca');
  makeCert('client', 'ca');
  writeFileSync(f('web.yml'), [
    'tls_server_config:',
    `  cert_file: ${f('prometheus.crt')}`, `  key_file: ${f('prometheus.key')}`,
    '  client_auth_type: RequireAndVerifyClientCert', `  client_ca_file: ${f('ca.crt')}`,
    'basic_auth_users:', `  prometheus: ${HASH}`, '',
  ].join('\n'));
  const port = await import('../support/peers/process.js').then((m) => m.freePort());
  const config = promConfig('r0').replace('PROM_ADDR', `127.0.0.1:${port}`);
  prometheus = await startPrometheus({
    dataDir: f('prom-data'), workDir: f('prom-work'), port, config, waitFor: 'tcp',
    flags: [`--web.config.file=${f('web.yml')}`, '--web.enable-lifecycle'],
  });
  promUrl = `https://127.0.0.1:${port}`;
  // Readiness through the same client the sidecar uses, with everything Prometheus demands.
  const http = new HttpClient(parseHttpClientConfig([
    `basic_auth: {username: prometheus, password: ${PASSWORD}}`,
    `tls_config: {ca_file: ${f('ca.crt')}, cert_file: ${f('client.crt')}, key_file: ${f('client.key')}}`,
  ].join('\n'), 'test'));
  await eventually(async () => {
    try {
      const r = await http.fetch(`${promUrl}/api/v1/query?query=up`);
      const body = await r.json() as { data?: { result?: unknown[] } };
      return r.status === 200 && (body.data?.result?.length ?? 0) > 0;
    } catch {
      return false;
    }
  }, 'Prometheus behind TLS and basic auth scraping itself', 60_000);
  http.close();
}, 120_000);

afterAll(async () => {
  for (const s of sidecars) await s.stop();
  await prometheus?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function sidecar(args: readonly string[]): Promise<SidecarProcess> {
  const s = await startSidecar(dir, ['--tsdb.path', f('prom-data'), ...args]);
  sidecars.push(s);
  return s;
}

async function isReady(s: SidecarProcess): Promise<boolean> {
  return (await fetch(`${s.httpUrl}/-/ready`)).status === 200;
}

describe('sidecar --prometheus.http-client', () => {
  it('reaches a TLS + basic-auth Prometheus with credentials from the URL: ready, labels, remote read, reload', async () => {
    writeFileSync(f('client-tls.yml'), `tls_config: {ca_file: ${f('ca.crt')}, cert_file: ${f('client.crt')}, key_file: ${f('client.key')}}\n`);
    // The reloader renders this template into Prometheus's own config file and POSTs /-/reload through the client.
    const template = f('prom-template.yml');
    writeFileSync(template, promConfig('$(REPLICA_NAME)').replace('PROM_ADDR', promUrl.slice('https://'.length)));
    const withUrlAuth = promUrl.replace('https://', `https://prometheus:${PASSWORD}@`);
    const s = await startSidecar(dir, [
      '--tsdb.path', f('prom-data'), `--prometheus.url=${withUrlAuth}`, `--prometheus.http-client-file=${f('client-tls.yml')}`,
      `--reloader.config-file=${template}`, `--reloader.config-envsubst-file=${f('prom-work/prometheus.yml')}`,
      '--reloader.watch-interval=1s', '--prometheus.get_config_interval=1s',
    ], { REPLICA_NAME: 'r1' });
    sidecars.push(s);
    await eventually(() => isReady(s), 'sidecar ready (external labels read over TLS + basic auth)', 30_000);

    // Remote read over the same TLS connection pool, with the Authorization header.
    const client = new GrpcStoreClient(s.grpcAddress);
    try {
      const now = Date.now();
      await eventually(async () => {
        const got = await collectSamples(client, [new Matcher('=', '__name__', 'up')], now - 600_000, now + 60_000);
        return got.length === 1 && got[0]!.labels.includes('replica="r1"') && got[0]!.vs.every((v) => v === 1);
      }, 'up{replica="r1"} through the sidecar after the reload renamed the replica', 30_000);
    } finally {
      client.close();
    }
    expect(await s.metric('thanos_sidecar_reloader_reloads_failed_total')).toBe(0);
    expect(await s.metric('thanos_sidecar_reloader_reloads_total')).toBeGreaterThanOrEqual(1);
    expect(s.log()).not.toContain(PASSWORD);
  });

  it('without a client certificate, or with a wrong password: not ready, says why, prints no password', async () => {
    writeFileSync(f('ca-only.yml'), `tls_config: {ca_file: ${f('ca.crt')}}\nbasic_auth: {username: prometheus, password: ${PASSWORD}}\n`);
    writeFileSync(f('wrong-pass'), 'not-the-password\n');
    writeFileSync(f('wrong-pass.yml'), [
      `tls_config: {ca_file: ${f('ca.crt')}, cert_file: ${f('client.crt')}, key_file: ${f('client.key')}}`,
      `basic_auth: {username: prometheus, password_file: ${f('wrong-pass')}}`, '',
    ].join('\n'));
    const noCert = await sidecar([`--prometheus.url=${promUrl}`, `--prometheus.http-client-file=${f('ca-only.yml')}`, '--prometheus.ready_timeout=1m']);
    const wrong = await sidecar([`--prometheus.url=${promUrl}`, `--prometheus.http-client-file=${f('wrong-pass.yml')}`, '--prometheus.ready_timeout=1m']);
    // Readiness fails either way; the wrong password is told apart by Prometheus's 401 on the config call.
    await eventually(() => /401|[Uu]nauthorized/.test(wrong.log()), 'the wrong password logged as a 401', 30_000);
    expect(await isReady(noCert)).toBe(false);
    expect(await isReady(wrong)).toBe(false);
    for (const s of [noCert, wrong]) {
      expect(s.log()).toContain(promUrl);
      expect(s.log()).not.toContain(PASSWORD);
      expect(s.log()).not.toContain('not-the-password');
    }
  });

  it('refuses bad configs at start with the file and field, and never echoes a password', () => {
    const run = (...args: string[]): { code: number | null; out: string } => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'sidecar', '--http-address=127.0.0.1:0', '--grpc-address=127.0.0.1:0', ...args],
        { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
      return { code: r.status, out: r.stdout + r.stderr };
    };
    writeFileSync(f('typo.yml'), 'basic_auth: {username: a, pasword: secret-in-typo}\n');
    const typo = run(`--prometheus.http-client-file=${f('typo.yml')}`);
    expect(typo.code).toBe(2);
    expect(typo.out).toContain(`${f('typo.yml')}.basic_auth: unknown field "pasword"`);

    const both = run('--prometheus.url=http://u:pw-in-url@127.0.0.1:1', '--prometheus.http-client=bearer_token: abc');
    expect(both.code).toBe(2);
    expect(both.out).toMatch(/credentials are given both in the URL and in the HTTP client config/);
    expect(both.out).not.toContain('pw-in-url');

    const badUrl = run('--prometheus.url=ftp://u:pw-in-bad-url@host');
    expect(badUrl.code).toBe(2);
    expect(badUrl.out).toContain('ftp://u:<secret>@host');
    expect(badUrl.out).not.toContain('pw-in-bad-url');

    expect(readFileSync(f('typo.yml'), 'utf8')).toContain('secret-in-typo');
    expect(typo.out).not.toContain('secret-in-typo');
  });
});
