// HTTPS on the remote-write port (--remote-write.server-tls-*), with certificates made in the test: mTLS refuses
// clients without a certificate or with one from another CA, the minimum version (upstream's default 1.3), Go-named
// cipher suites and curves are enforced, and rotated certificate files are picked up without a restart.

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeWriteRequestV1 } from '../../src/receive/write-request-encode.js';
import { createLogger } from '../../src/runtime/logger.js';
import { TlsServerFileConfig, type TlsServerFiles } from '../../src/runtime/tls-server-files.js';
import { snappyEncode } from '../../src/tsdb/encoding/snappy.js';
import { sortLabels } from '../../src/tsdb/labels/labels.js';
import { issueCert, makeCa, type CertFiles } from '../support/certs.js';
import { startReceiver, type TestReceiver } from './support.js';

let dir = '';
let ca: CertFiles, server: CertFiles, client: CertFiles, otherClient: CertFiles, ca2: CertFiles, server2: CertFiles;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rw-tls-'));
  ca = makeCa(dir, 'ca');
  server = issueCert(dir, ca, 'server', 'server');
  client = issueCert(dir, ca, 'client', 'client');
  const other = makeCa(dir, 'other-ca');
  otherClient = issueCert(dir, other, 'other-client', 'client');
  ca2 = makeCa(dir, 'ca2');
  server2 = issueCert(dir, ca2, 'server2', 'server');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ClientSide {
  readonly ca: CertFiles;
  readonly identity?: CertFiles;
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly ciphers?: string;
  readonly ecdhCurve?: string;
}

let t = 1_700_000_000_000;
const body = (): Buffer => Buffer.from(snappyEncode(encodeWriteRequestV1([{ labels: sortLabels([{ name: '__name__', value: 'tls_test' }]), ts: [t++], vs: [1] }])));

/** POSTs one sample over a fresh TLS connection: the HTTP status, or "refused" when the TLS handshake failed. */
function write(port: number, c: ClientSide): Promise<number | 'refused'> {
  return new Promise((resolve) => {
    const payload = body();
    const req = https.request({
      host: '127.0.0.1', port, path: '/api/v1/receive', method: 'POST', agent: false, servername: 'localhost',
      ca: readFileSync(c.ca.cert),
      ...(c.identity ? { cert: readFileSync(c.identity.cert), key: readFileSync(c.identity.key) } : {}),
      ...(c.maxVersion ? { maxVersion: c.maxVersion } : {}),
      ...(c.ciphers ? { ciphers: c.ciphers } : {}),
      ...(c.ecdhCurve ? { ecdhCurve: c.ecdhCurve } : {}),
      headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Write-Version': '0.1.0', 'Content-Length': payload.length },
      timeout: 5000,
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', () => resolve('refused'));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(payload);
  });
}

describe('remote-write port TLS', () => {
  const running: TestReceiver[] = [];
  afterEach(async () => { for (const r of running.splice(0)) await r.stop(); });

  async function receiver(tls: TlsServerFiles, lines?: string[]): Promise<number> {
    const r = await startReceiver({ tls, ...(lines ? { logger: createLogger({ write: (l) => lines.push(l) }) } : {}) });
    running.push(r);
    return Number(new URL(r.url).port);
  }

  it('with a client CA, a client certificate from that CA writes; none, or one from another CA, is refused', async () => {
    const port = await receiver({ certFile: server.cert, keyFile: server.key, clientCaFile: ca.cert, minVersion: '1.3' });
    expect(await write(port, { ca, identity: client })).toBe(200);
    expect(await write(port, { ca })).toBe('refused');
    expect(await write(port, { ca, identity: otherClient })).toBe('refused');
    expect(await write(port, { ca: ca2, identity: client })).toBe('refused');
  });

  it('refuses clients below --remote-write.server-tls-min-version', async () => {
    const strict = await receiver({ certFile: server.cert, keyFile: server.key, minVersion: '1.3' });
    expect(await write(strict, { ca, maxVersion: 'TLSv1.2' })).toBe('refused');
    expect(await write(strict, { ca, maxVersion: 'TLSv1.3' })).toBe(200);
    const lax = await receiver({ certFile: server.cert, keyFile: server.key, minVersion: '1.2' });
    expect(await write(lax, { ca, maxVersion: 'TLSv1.2' })).toBe(200);
  });

  it('restricts TLS 1.2 to the Go-named cipher suites and curves given', async () => {
    const port = await receiver({
      certFile: server.cert, keyFile: server.key, minVersion: '1.2',
      ciphers: ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'], curves: ['CurveP384'],
    });
    const tls12 = { ca, maxVersion: 'TLSv1.2' as const };
    expect(await write(port, { ...tls12, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' })).toBe('refused');
    expect(await write(port, { ...tls12, ciphers: 'ECDHE-RSA-AES256-GCM-SHA384', ecdhCurve: 'P-256' })).toBe('refused');
    expect(await write(port, { ...tls12, ciphers: 'ECDHE-RSA-AES256-GCM-SHA384', ecdhCurve: 'P-384' })).toBe(200);
  });

  it('picks up rotated certificate files without a restart; a broken rotation keeps the working certificate', async () => {
    // Replaced by rename, as certificate managers and Kubernetes secret updates do.
    const install = (from: string, to: string): void => { copyFileSync(from, `${to}.tmp`); renameSync(`${to}.tmp`, to); };
    const srv = path.join(dir, 'srv');
    mkdirSync(srv, { recursive: true });
    const live = { cert: path.join(srv, 'tls.crt'), key: path.join(srv, 'tls.key') };
    install(server.cert, live.cert);
    install(server.key, live.key);
    const lines: string[] = [];
    const port = await receiver({ certFile: live.cert, keyFile: live.key, minVersion: '1.3' }, lines);
    expect(await write(port, { ca })).toBe(200);
    expect(await write(port, { ca: ca2 })).toBe('refused');

    install(server2.cert, live.cert);
    install(server2.key, live.key);
    await expect.poll(() => write(port, { ca: ca2 }), { timeout: 10_000, interval: 300 }).toBe(200);
    expect(await write(port, { ca })).toBe('refused');

    // A key that does not match the certificate: reported, and the server keeps serving the last good pair.
    install(server.key, live.key);
    await expect.poll(() => lines.join('\n'), { timeout: 10_000, interval: 200 }).toMatch(/remote-write server TLS files changed but cannot be used, keeping the previous certificate/);
    expect(await write(port, { ca: ca2 })).toBe(200);
  });

  it('refuses unknown versions, cipher suites and curves, naming the flag', () => {
    const base = { certFile: 'x.crt', keyFile: 'x.key' };
    const check = (o: Partial<TlsServerFiles>): (() => void) => () => new TlsServerFileConfig({ ...base, ...o }, '--remote-write.server-tls');
    expect(check({ minVersion: '1.4' })).toThrow(/--remote-write.server-tls-min-version.*invalid TLS version: 1\.4/);
    expect(check({ ciphers: ['TLS_RSA_WITH_RC4_128_SHA'] })).toThrow(/--remote-write.server-tls-ciphers.*invalid cipher suite: TLS_RSA_WITH_RC4_128_SHA/);
    expect(check({ curves: ['P-256'] })).toThrow(/--remote-write.server-tls-curves.*invalid curve: P-256, valid values are CurveP256/);
  });
});
