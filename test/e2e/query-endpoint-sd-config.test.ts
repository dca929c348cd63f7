// --endpoint.sd-config end to end: a real `thanos-ts query` reaches a plaintext store and an mTLS store, each with
// its own client_config from the file; edits to the file apply without a restart (an endpoint removed, another's TLS
// changed and reconnected), a broken edit keeps the previous config; --endpoint-group round-robins over a DNS name.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGrpcServer, type RunningGrpcServer } from '../../src/runtime/grpc-server.js';
import { storeGrpcServices } from '../../src/store/grpc-server.js';
import type { Series } from '../../src/store/store-api.js';
import { encodeXor } from '../../src/tsdb/chunkenc/xor.js';
import { freePort, spawnPeer, waitForHttp, type PeerProcess } from '../support/peers/process.js';
import { MemoryStore } from '../store/support/memory-store.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(REPO_ROOT, 'src', 'cmd', 'main.ts');

let dir = '';
const f = (name: string): string => path.join(dir, name);
let plain: RunningGrpcServer;
let mtls: RunningGrpcServer;
const procs: PeerProcess[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

function upSeries(job: string): Series {
  const ts = [0, 15_000, 30_000, 45_000, 60_000];
  return { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: job }], chunks: [{ minTime: 0, maxTime: 60_000, raw: { encoding: 'XOR', data: encodeXor(ts, [1, 1, 1, 1, 1]) } }] };
}

interface StoreStatus { name: string; lastError: string | null }

async function startQuery(name: string, args: readonly string[]): Promise<{ http: string; proc: PeerProcess }> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const proc = spawnPeer(name, process.execPath, ['--import', 'tsx', MAIN, 'query', ...args,
    `--http-address=127.0.0.1:${httpPort}`, `--grpc-address=127.0.0.1:${grpcPort}`], { logDir: dir, cwd: REPO_ROOT });
  procs.push(proc);
  const http = `http://127.0.0.1:${httpPort}`;
  await waitForHttp(`${http}/-/ready`, proc, 60_000, (s) => s === 200);
  return { http, proc };
}

async function stores(http: string): Promise<StoreStatus[]> {
  const body = await (await fetch(`${http}/api/v1/stores`)).json() as { data: Record<string, StoreStatus[]> };
  return Object.values(body.data).flat().map((s) => ({ name: s.name, lastError: s.lastError }));
}

async function jobs(http: string): Promise<string[]> {
  const body = await (await fetch(`${http}/api/v1/query?query=up&time=60`)).json() as { data: { result: { metric: Record<string, string> }[] } };
  return body.data.result.map((r) => r.metric['job'] ?? '').sort();
}

/** Replaces the file by rename, as a ConfigMap update does. */
function writeConfig(text: string): void {
  writeFileSync(f('sd.yml.tmp'), text);
  renameSync(f('sd.yml.tmp'), f('sd.yml'));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'e2e-endpoint-sd-'));
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=sd-ca');
  writeFileSync(f('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  for (const who of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`), '-subj', `/CN=${who}`);
    openssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${who}.crt`), '-days', '2', '-extfile', f('san.ext'));
  }
  plain = await startGrpcServer(storeGrpcServices(new MemoryStore([upSeries('plain')], [{ name: 'store', value: 'plain' }])), { address: '127.0.0.1:0' });
  mtls = await startGrpcServer(storeGrpcServices(new MemoryStore([upSeries('mtls')], [{ name: 'store', value: 'mtls' }])), {
    address: '127.0.0.1:0', tls: { certFile: f('server.crt'), keyFile: f('server.key'), clientCaFile: f('ca.crt') },
  });
}, 60_000);

afterAll(async () => {
  for (const p of procs) await p.stop(5000);
  await plain?.stop(100);
  await mtls?.stop(100);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('query --endpoint.sd-config', () => {
  it('uses each endpoint\'s own TLS and follows edits of the file without a restart', async () => {
    const withCert = `client_config: {tls_config: {ca_file: ${f('ca.crt')}, cert_file: ${f('client.crt')}, key_file: ${f('client.key')}}}`;
    writeConfig(`endpoints:\n  - address: ${plain.address}\n  - address: ${mtls.address}\n    ${withCert}\n`);
    const q = await startQuery('query-sd', [`--endpoint.sd-config-file=${f('sd.yml')}`, '--endpoint.sd-config-reload-interval=1s']);
    await expect.poll(() => jobs(q.http), { timeout: 30_000, interval: 300 }).toEqual(['mtls', 'plain']);
    expect(await stores(q.http)).toEqual(expect.arrayContaining([
      { name: plain.address, lastError: null }, { name: mtls.address, lastError: null },
    ]));

    // Edit: the plaintext store is gone; the mTLS store loses its client certificate, so it is reconnected and refused.
    writeConfig(`endpoints:\n  - address: ${mtls.address}\n    client_config: {tls_config: {ca_file: ${f('ca.crt')}}}\n`);
    await expect.poll(async () => (await stores(q.http)).map((s) => [s.name, s.lastError !== null]), { timeout: 30_000, interval: 300 })
      .toEqual([[mtls.address, true]]);
    expect(readFileSync(q.proc.logFile, 'utf8')).toMatch(/msg="endpoint settings changed, reconnecting" address=127\.0\.0\.1:\d+/);

    // A broken edit is reported and changes nothing.
    writeConfig(`endpoints:\n  - adress: ${plain.address}\n`);
    await expect.poll(() => readFileSync(q.proc.logFile, 'utf8'), { timeout: 30_000, interval: 300 })
      .toMatch(/failed to reload endpoint config, keeping the previous one.*unknown field \\"adress\\"/);
    expect((await stores(q.http)).map((s) => s.name)).toEqual([mtls.address]);

    // Back to the certificate: healthy again.
    writeConfig(`endpoints:\n  - address: ${mtls.address}\n    ${withCert}\n`);
    await expect.poll(() => jobs(q.http), { timeout: 30_000, interval: 300 }).toEqual(['mtls']);
  });

  it('--endpoint-group queries the addresses of a DNS name round-robin through one entry', async () => {
    const port = plain.address.split(':')[1]!;
    const q = await startQuery('query-group', [`--endpoint-group=localhost:${port}`]);
    await expect.poll(() => jobs(q.http), { timeout: 30_000, interval: 300 }).toEqual(['plain']);
    expect((await stores(q.http)).map((s) => s.name)).toEqual([`dns:///localhost:${port}`]);
  });

  it('refuses a strict dns+ endpoint and a bad file at start, naming where', () => {
    writeFileSync(f('bad.yml'), 'endpoints: [{address: "a:1", client_config: {compression: snappy}}]\n');
    const run = (...args: string[]): string => {
      try {
        execFileSync(process.execPath, ['--import', 'tsx', MAIN, 'query', '--http-address=127.0.0.1:0', '--grpc-address=127.0.0.1:0', ...args],
          { cwd: REPO_ROOT, encoding: 'utf8', stdio: 'pipe', timeout: 30_000 });
        return 'exit 0';
      } catch (err) {
        const e = err as { status: number; stderr: string };
        return `exit ${e.status}: ${e.stderr}`;
      }
    };
    expect(run(`--endpoint.sd-config-file=${f('bad.yml')}`)).toMatch(/^exit 2: [\s\S]*bad\.yml\.endpoints\[0\]\.client_config\.compression: compression snappy is not supported/);
    expect(run('--endpoint-strict=dns+stores:10901')).toMatch(/^exit 2: [\s\S]*--endpoint-strict: dns\+stores:10901 is a dynamically specified endpoint/);
  });
});
