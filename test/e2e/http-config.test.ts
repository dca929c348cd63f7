// --http.config end to end on a real `thanos-ts query` process: basic auth checked by promtool (credentials in the
// URL) and by raw requests, TLS with mTLS refusing no, wrong-CA and too-old clients, a real Prometheus 2.42 scraping
// /metrics over HTTPS with a client certificate and basic auth, certificates rotated live, and a bad file refused.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PeerCertificate, SecureVersion, TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnPeer, waitForTcp, type PeerProcess } from '../support/peers/process.js';
import { startPrometheus } from '../support/prometheus.js';
import { runPromtool } from '../support/promtool.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(REPO_ROOT, 'src', 'cmd', 'main.ts');
// exporter-toolkit's fixed bcrypt hash of "fakepassword": a hash made by Go's bcrypt, not by our library.
const HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';
const AUTH = `Basic ${Buffer.from('prometheus:fakepassword').toString('base64')}`;

let dir = '';
const f = (name: string): string => path.join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

/** A CA (`ca`) and a certificate `name` it signs, with SANs for 127.0.0.1. */
function makeCa(ca: string): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${ca}.key`), '-out', f(`${ca}.crt`), '-days', '2', '-subj', `/CN=${ca}`);
}
function makeCert(name: string, ca: string, out = name): void {
  writeFileSync(f('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${out}.key.new`), '-out', f(`${out}.csr`), '-subj', `/CN=${name}`);
  openssl('x509', '-req', '-in', f(`${out}.csr`), '-CA', f(`${ca}.crt`), '-CAkey', f(`${ca}.key`), '-CAcreateserial',
    '-out', f(`${out}.crt.new`), '-days', '2', '-extfile', f('san.ext'));
  // Replaced by rename, as a certificate manager does, so the server never reads half a file.
  renameSync(f(`${out}.key.new`), f(`${out}.key`));
  renameSync(f(`${out}.crt.new`), f(`${out}.crt`));
}

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string; cert: PeerCertificate }

function get(url: string, opts: { auth?: string; clientCert?: string; maxVersion?: SecureVersion } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      ca: readFileSync(f('ca.crt')),
      ...(opts.clientCert ? { cert: readFileSync(f(`${opts.clientCert}.crt`)), key: readFileSync(f(`${opts.clientCert}.key`)) } : {}),
      ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
      headers: opts.auth ? { authorization: opts.auth } : {},
      agent: false,
      timeout: 5000,
    }, (res) => {
      const cert = (res.socket as TLSSocket).getPeerCertificate();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, cert }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function startQuery(webConfig: string): Promise<{ proc: PeerProcess; port: number }> {
  writeFileSync(f('web.yml'), webConfig);
  const port = await freePort();
  const grpc = await freePort();
  const proc = spawnPeer(`query-${port}`, process.execPath, ['--import', 'tsx', MAIN, 'query', `--http-address=127.0.0.1:${port}`,
    `--grpc-address=127.0.0.1:${grpc}`, `--http.config=${f('web.yml')}`], { logDir: dir, cwd: REPO_ROOT });
  await waitForTcp(port, proc, 60_000);
  return { proc, port };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'e2e-http-config-'));
  makeCa('ca');
  makeCa('other-ca');
  makeCert('server', 'ca');
  makeCert('client', 'ca');
  makeCert('intruder', 'other-ca');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--http.config', () => {
  it('basic auth: promtool and plain clients get in with the password and 401 without it', async () => {
    const { proc, port } = await startQuery([
      'basic_auth_users:', `  prometheus: ${HASH}`, 'http_server_config:', '  headers:', '    X-Content-Type-Options: nosniff',
    ].join('\n'));
    const base = `http://127.0.0.1:${port}`;
    try {
      const open = await fetch(`${base}/api/v1/query?query=vector(1)`);
      expect(open.status).toBe(401);
      expect(open.headers.get('www-authenticate')).toBe('Basic');
      expect((await fetch(`${base}/-/healthy`)).status).toBe(401);
      const wrong = await fetch(`${base}/api/v1/query?query=vector(1)`, { headers: { authorization: `Basic ${Buffer.from('prometheus:guess').toString('base64')}` } });
      expect(wrong.status).toBe(401);
      const ok = await fetch(`${base}/api/v1/query?query=vector(1)`, { headers: { authorization: AUTH } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-content-type-options')).toBe('nosniff');

      const withPassword = await runPromtool(['query', 'instant', `http://prometheus:fakepassword@127.0.0.1:${port}`, 'vector(7)']);
      expect(withPassword.code, withPassword.stderr).toBe(0);
      expect(withPassword.stdout).toMatch(/^\{\} => 7 @/m);
      const without = await runPromtool(['query', 'instant', base, 'vector(7)']);
      expect(without.code).not.toBe(0);
      expect(without.stderr).toMatch(/401|Unauthorized/);
    } finally {
      await proc.stop();
    }
  }, 90_000);

  it('TLS with mTLS: refuses plain HTTP, no client certificate, a wrong CA and TLS 1.2; a real Prometheus scrapes it', async () => {
    const { proc, port } = await startQuery([
      'tls_server_config:', '  cert_file: server.crt', '  key_file: server.key', '  client_ca_file: ca.crt',
      '  client_auth_type: RequireAndVerifyClientCert', '  min_version: TLS13',
      'basic_auth_users:', `  prometheus: ${HASH}`,
    ].join('\n'));
    const base = `https://127.0.0.1:${port}`;
    let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
    try {
      const good = await get(`${base}/api/v1/query?query=vector(1)`, { auth: AUTH, clientCert: 'client' });
      expect(good.status).toBe(200);
      expect(JSON.parse(good.body)).toMatchObject({ status: 'success' });
      expect((await get(`${base}/api/v1/query?query=vector(1)`, { clientCert: 'client' })).status).toBe(401);
      await expect(fetch(`http://127.0.0.1:${port}/-/healthy`)).rejects.toThrow();
      await expect(get(`${base}/-/healthy`, { auth: AUTH })).rejects.toThrow();
      await expect(get(`${base}/-/healthy`, { auth: AUTH, clientCert: 'intruder' })).rejects.toThrow();
      await expect(get(`${base}/-/healthy`, { auth: AUTH, clientCert: 'client', maxVersion: 'TLSv1.2' })).rejects.toThrow();

      prometheus = await startPrometheus({
        dataDir: f('prom-data'),
        config: [
          'global:', '  scrape_interval: 1s',
          'scrape_configs:', '  - job_name: thanos', '    scheme: https',
          '    basic_auth: {username: prometheus, password: fakepassword}',
          `    tls_config: {ca_file: ${f('ca.crt')}, cert_file: ${f('client.crt')}, key_file: ${f('client.key')}}`,
          `    static_configs: [{targets: ["127.0.0.1:${port}"]}]`,
          '  - job_name: thanos-no-password', '    scheme: https',
          `    tls_config: {ca_file: ${f('ca.crt')}, cert_file: ${f('client.crt')}, key_file: ${f('client.key')}}`,
          `    static_configs: [{targets: ["127.0.0.1:${port}"]}]`,
        ].join('\n'),
      });
      const p = prometheus;
      const health = async (): Promise<Record<string, { health: string; lastError: string }>> => {
        const r = await p.api('targets') as { data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] } };
        return Object.fromEntries(r.data.activeTargets.map((t) => [t.labels.job, { health: t.health, lastError: t.lastError }]));
      };
      await expect.poll(health, { timeout: 20_000, interval: 500 }).toMatchObject({
        'thanos': { health: 'up' },
        'thanos-no-password': { health: 'down', lastError: expect.stringMatching(/401/) },
      });

      // Rotation: a new server certificate under the same path is served to new connections without a restart.
      const before = good.cert.serialNumber;
      makeCert('server-rotated', 'ca', 'server');
      await expect.poll(async () => (await get(`${base}/-/healthy`, { auth: AUTH, clientCert: 'client' })).cert.serialNumber,
        { timeout: 10_000, interval: 300 }).not.toBe(before);
      const after = await get(`${base}/-/healthy`, { auth: AUTH, clientCert: 'client' });
      expect(after.cert.subject.CN).toBe('server-rotated');
    } finally {
      await prometheus?.stop();
      await proc.stop();
    }
  }, 120_000);

  it('a config naming a missing certificate stops the start with exit 2 and says which file and field', async () => {
    writeFileSync(f('bad.yml'), 'tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n');
    let out = '';
    let code = 0;
    try {
      execFileSync(process.execPath, ['--import', 'tsx', MAIN, 'query', '--http-address=127.0.0.1:0', '--grpc-address=127.0.0.1:0',
        `--http.config=${f('bad.yml')}`], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 60_000 });
    } catch (err) {
      const e = err as { status: number; stderr: Buffer; stdout: Buffer };
      code = e.status;
      out = e.stderr.toString() + e.stdout.toString();
    }
    expect(code).toBe(2);
    expect(out).toContain(`--http.config ${f('bad.yml')}: tls_server_config.cert_file: read ${f('missing.crt')}`);
  }, 60_000);
});
