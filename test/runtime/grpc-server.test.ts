// startGrpcServer and the TLS helpers: plain, TLS and mTLS servers (certificates made by openssl in the test),
// client options from the --grpc-client-tls-* flags, certificate rotation on both sides, flag errors, and graceful stop that forces after the grace.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, credentials, status as Status } from '@grpc/grpc-js';
import { ConfigError, UnavailableError } from '../../src/runtime/errors.js';
import { createLogger } from '../../src/runtime/logger.js';
import { normalizeGrpcAddress, startGrpcServer } from '../../src/runtime/grpc-server.js';
import { clientCredentials, serverCredentials, type ClientTlsOptions } from '../../src/runtime/grpc-tls.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { storeGrpcServices } from '../../src/store/grpc-server.js';
import { seriesRequest, type SeriesResponse, type StoreAPI } from '../../src/store/store-api.js';
import { MemoryStore, series } from '../store/support/memory-store.js';

let dir = '';
const f = (name: string): string => path.join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

/** A CA, a server certificate for localhost/127.0.0.1/thanos.test and a client certificate, all signed by the CA. */
function makeCerts(): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=test-ca');
  writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost,DNS:thanos.test,IP:127.0.0.1\n');
  for (const who of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`), '-subj', `/CN=${who}`);
    openssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${who}.crt`), '-days', '2',
      ...(who === 'server' ? ['-extfile', f('server.ext')] : []));
  }
}

const store = new MemoryStore([series({ __name__: 'up' }, [0, 1])]);

async function canQuery(port: number, tls?: ClientTlsOptions): Promise<boolean> {
  const c = new GrpcStoreClient(`127.0.0.1:${port}`, { ...(tls ? { tls } : {}), timeoutMs: 3000 });
  try {
    await c.info();
    return true;
  } catch (err) {
    if (!(err instanceof UnavailableError)) throw err;
    return false;
  } finally {
    c.close();
  }
}

describe('startGrpcServer', () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'grpc-tls-'));
    makeCerts();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves plaintext and resolves port 0 and Go-style addresses', async () => {
    expect(normalizeGrpcAddress(':10901')).toBe('0.0.0.0:10901');
    expect(normalizeGrpcAddress('[::]:10901')).toBe('[::]:10901');
    // prometheus-operator writes --grpc-address=[$(POD_IP)]:10901; Go accepts a bracketed IPv4 host.
    expect(normalizeGrpcAddress('[127.0.0.1]:10901')).toBe('127.0.0.1:10901');
    expect(() => normalizeGrpcAddress('nope')).toThrow(ConfigError);
    const s = await startGrpcServer(storeGrpcServices(store), { address: '127.0.0.1:0' });
    try {
      expect(s.port).toBeGreaterThan(0);
      expect(s.address).toBe(`127.0.0.1:${s.port}`);
      expect(await canQuery(s.port)).toBe(true);
    } finally {
      await s.stop(1000);
    }
  });

  it('answers grpc.health.v1.Health Check and Watch, NOT_SERVING once stopping', async () => {
    const s = await startGrpcServer(storeGrpcServices(store), { address: '127.0.0.1:0' });
    const raw = new Client(`127.0.0.1:${s.port}`, credentials.createInsecure());
    const req = (service: string): Buffer => (service ? Buffer.concat([Buffer.from([0x0a, service.length]), Buffer.from(service)]) : Buffer.alloc(0));
    const check = (service: string): Promise<number | string> => new Promise((resolve) => {
      raw.makeUnaryRequest('/grpc.health.v1.Health/Check', (b: Buffer) => b, (b: Buffer) => b, req(service), (err, value) =>
        resolve(err ? `code ${err.code}` : value![1]!));
    });
    try {
      expect(await check('')).toBe(1);
      expect(await check('thanos.Store')).toBe(1);
      expect(await check('thanos.info.Info')).toBe(1);
      expect(await check('nope')).toBe(`code ${Status.NOT_FOUND}`);
      const watch = raw.makeServerStreamRequest('/grpc.health.v1.Health/Watch', (b: Buffer) => b, (b: Buffer) => b, req(''));
      const seen: number[] = [];
      watch.on('data', (b: Buffer) => seen.push(b[1]!));
      watch.on('error', () => {});
      await expect.poll(() => seen).toEqual([1]);
      s.setServing(false);
      expect(await check('')).toBe(2);
      await expect.poll(() => seen).toEqual([1, 2]);
      s.setServing(true);
      await expect.poll(() => seen).toEqual([1, 2, 1]);
      watch.cancel();
    } finally {
      raw.close();
      await s.stop(500);
    }
  });

  it('serves TLS: verified by CA, by server name, or with skip-verify; plaintext clients are refused', async () => {
    const s = await startGrpcServer(storeGrpcServices(store), { address: '127.0.0.1:0', tls: { certFile: f('server.crt'), keyFile: f('server.key') } });
    try {
      expect(await canQuery(s.port, { secure: true, caFile: f('ca.crt') })).toBe(true);
      expect(await canQuery(s.port, { secure: true, caFile: f('ca.crt'), serverName: 'thanos.test' })).toBe(true);
      expect(await canQuery(s.port, { secure: true, caFile: f('ca.crt'), serverName: 'other.test' })).toBe(false);
      expect(await canQuery(s.port, { secure: true })).toBe(false); // system roots do not know our CA
      expect(await canQuery(s.port, { secure: true, skipVerify: true })).toBe(true);
      expect(await canQuery(s.port)).toBe(false);
    } finally {
      await s.stop(1000);
    }
  });

  it('requires a client certificate signed by --grpc-server-tls-client-ca (mTLS)', async () => {
    const s = await startGrpcServer(storeGrpcServices(store), {
      address: '127.0.0.1:0', tls: { certFile: f('server.crt'), keyFile: f('server.key'), clientCaFile: f('ca.crt') },
    });
    try {
      expect(await canQuery(s.port, { secure: true, caFile: f('ca.crt') })).toBe(false);
      expect(await canQuery(s.port, { secure: true, caFile: f('ca.crt'), certFile: f('client.crt'), keyFile: f('client.key') })).toBe(true);
    } finally {
      await s.stop(1000);
    }
  });

  it('picks up rotated certificates without a restart, on server and client; a broken rotation keeps the old one', async () => {
    // A second CA with its own server and client certificates: rotating to it is observable from both sides.
    mkdirSync(f('ca2'), { recursive: true });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca2/ca.key'), '-out', f('ca2/ca.crt'), '-days', '2', '-subj', '/CN=test-ca-2');
    for (const who of ['server', 'client']) {
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`ca2/${who}.key`), '-out', f(`ca2/${who}.csr`), '-subj', `/CN=${who}-2`);
      openssl('x509', '-req', '-in', f(`ca2/${who}.csr`), '-CA', f('ca2/ca.crt'), '-CAkey', f('ca2/ca.key'), '-CAcreateserial', '-out', f(`ca2/${who}.crt`), '-days', '2',
        ...(who === 'server' ? ['-extfile', f('server.ext')] : []));
    }
    // Files are replaced by rename, as certificate managers and Kubernetes secret updates do.
    const install = (from: string, to: string): void => {
      copyFileSync(from, to + '.tmp');
      renameSync(to + '.tmp', to);
    };
    mkdirSync(f('srv'), { recursive: true });
    mkdirSync(f('cli'), { recursive: true });
    install(f('server.crt'), f('srv/tls.crt'));
    install(f('server.key'), f('srv/tls.key'));
    install(f('ca.crt'), f('srv/ca.crt'));
    install(f('client.crt'), f('cli/tls.crt'));
    install(f('client.key'), f('cli/tls.key'));
    install(f('ca.crt'), f('cli/ca.crt'));
    const lines: string[] = [];
    const s = await startGrpcServer(storeGrpcServices(store), {
      address: '127.0.0.1:0', logger: createLogger({ write: (l) => lines.push(l) }),
      tls: { certFile: f('srv/tls.crt'), keyFile: f('srv/tls.key'), clientCaFile: f('srv/ca.crt') },
    });
    const rotating: ClientTlsOptions = { secure: true, caFile: f('cli/ca.crt'), certFile: f('cli/tls.crt'), keyFile: f('cli/tls.key') };
    let longLived: GrpcStoreClient | undefined;
    const works = async (c: GrpcStoreClient): Promise<boolean> => c.info().then(() => true, () => false);
    const ca2Client: ClientTlsOptions = { secure: true, caFile: f('ca2/ca.crt'), certFile: f('ca2/client.crt'), keyFile: f('ca2/client.key') };
    try {
      expect(await canQuery(s.port, rotating)).toBe(true);
      expect(await canQuery(s.port, ca2Client)).toBe(false);

      // Server side: new certificate and client CA from the second CA.
      install(f('ca2/server.crt'), f('srv/tls.crt'));
      install(f('ca2/server.key'), f('srv/tls.key'));
      install(f('ca2/ca.crt'), f('srv/ca.crt'));
      await expect.poll(() => canQuery(s.port, ca2Client), { timeout: 10_000, interval: 300 }).toBe(true);
      expect(await canQuery(s.port, rotating)).toBe(false);

      // Client side: a client made before its files rotate (so failing now: old CA, old certificate) connects with
      // the new ones once they are in place. Connections made before a rotation keep their session, as with Go.
      longLived = new GrpcStoreClient(`127.0.0.1:${s.port}`, { tls: rotating, timeoutMs: 3000 });
      expect(await works(longLived)).toBe(false);
      install(f('ca2/client.crt'), f('cli/tls.crt'));
      install(f('ca2/client.key'), f('cli/tls.key'));
      install(f('ca2/ca.crt'), f('cli/ca.crt'));
      const client = longLived;
      await expect.poll(() => works(client), { timeout: 20_000, interval: 300 }).toBe(true);

      // A key that does not match the certificate is reported, and the server keeps its working certificate.
      install(f('client.key'), f('srv/tls.key'));
      await expect.poll(() => lines.join('\n'), { timeout: 10_000, interval: 200 }).toMatch(/gRPC server TLS files changed but cannot be used, keeping the previous certificate/);
      expect(await canQuery(s.port, ca2Client)).toBe(true);
    } finally {
      longLived?.close();
      await s.stop(1000);
    }
  });

  it('refuses TLS below --grpc-server-tls-min-version and rejects unknown versions', async () => {
    const handshake = (port: number, maxVersion: 'TLSv1.2' | 'TLSv1.3'): Promise<string> => new Promise((resolve) => {
      const sock = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(f('ca.crt')), servername: 'localhost', ALPNProtocols: ['h2'], maxVersion });
      sock.once('secureConnect', () => { resolve(sock.getProtocol() ?? ''); sock.destroy(); });
      sock.once('error', () => resolve('refused'));
    });
    const tls = { certFile: f('server.crt'), keyFile: f('server.key') };
    const strict = await startGrpcServer(storeGrpcServices(store), { address: '127.0.0.1:0', tls: { ...tls, minVersion: '1.3' } });
    const lax = await startGrpcServer(storeGrpcServices(store), { address: '127.0.0.1:0', tls: { ...tls, minVersion: '1.2' } });
    try {
      expect(await handshake(strict.port, 'TLSv1.2')).toBe('refused');
      expect(await handshake(strict.port, 'TLSv1.3')).toBe('TLSv1.3');
      expect(await handshake(lax.port, 'TLSv1.2')).toBe('TLSv1.2');
      expect(await canQuery(strict.port, { secure: true, caFile: f('ca.crt') })).toBe(true);
    } finally {
      await strict.stop(1000);
      await lax.stop(1000);
    }
    expect(() => serverCredentials({ ...tls, minVersion: 'bogus' })).toThrow(/--grpc-server-tls-min-version.*bogus/);
  });

  it('rejects incomplete or unreadable TLS flags, naming the flag', () => {
    expect(() => serverCredentials({ certFile: f('server.crt') })).toThrow(/--grpc-server-tls-key/);
    expect(() => serverCredentials({ keyFile: f('server.key') })).toThrow(/--grpc-server-tls-cert/);
    expect(() => serverCredentials({ clientCaFile: f('ca.crt') })).toThrow(/--grpc-server-tls-client-ca/);
    expect(() => serverCredentials({ certFile: f('missing.crt'), keyFile: f('server.key') })).toThrow(/--grpc-server-tls-cert.*missing\.crt/);
    expect(() => clientCredentials({ secure: true, certFile: f('client.crt') })).toThrow(/--grpc-client-tls-key/);
    expect(() => clientCredentials({ secure: true, caFile: f('nope.crt') })).toThrow(/--grpc-client-tls-ca/);
    expect(clientCredentials({ secure: true, serverName: 'x' }).options['grpc.ssl_target_name_override']).toBe('x');
  });

  it('lets short calls finish within the grace period and forces long ones after it', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => { release = r; });
    const slow: StoreAPI = {
      info: () => store.info(),
      labelNames: (r) => store.labelNames(r),
      labelValues: (r) => store.labelValues(r),
      series: async function* (_req, signal): AsyncGenerator<SeriesResponse> {
        yield { type: 'series', series: series({ __name__: 'a' }, [0, 1]) };
        await Promise.race([gate, new Promise((r) => signal?.addEventListener('abort', r))]);
        yield { type: 'series', series: series({ __name__: 'b' }, [0, 1]) };
      },
    };
    const consume = async (c: GrpcStoreClient): Promise<number> => {
      let n = 0;
      for await (const _ of c.series(seriesRequest({ matchers: [] }), undefined)) n++;
      return n;
    };

    // Graceful: the call in flight completes once released, inside the grace period.
    let s = await startGrpcServer(storeGrpcServices(slow), { address: '127.0.0.1:0' });
    let c = new GrpcStoreClient(`127.0.0.1:${s.port}`, { responseBatchSize: 1 });
    let call = consume(c);
    await new Promise((r) => setTimeout(r, 100));
    let t0 = Date.now();
    const stopped = s.stop(5000);
    setTimeout(release, 100);
    expect(await call).toBe(2);
    await stopped;
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(await canQuery(s.port)).toBe(false); // no new calls after stop
    c.close();

    // Forced: a call that never ends is cut when the grace period runs out.
    const never = { ...slow, series: async function* (_req: unknown, signal?: AbortSignal): AsyncGenerator<SeriesResponse> {
      yield { type: 'series', series: series({ __name__: 'a' }, [0, 1]) };
      await new Promise((r) => signal?.addEventListener('abort', r));
    } } satisfies StoreAPI;
    s = await startGrpcServer(storeGrpcServices(never), { address: '127.0.0.1:0' });
    c = new GrpcStoreClient(`127.0.0.1:${s.port}`, { responseBatchSize: 1 });
    call = consume(c);
    await new Promise((r) => setTimeout(r, 100));
    t0 = Date.now();
    await s.stop(300);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3000);
    await expect(call).rejects.toBeInstanceOf(UnavailableError);
    c.close();
  });
});
