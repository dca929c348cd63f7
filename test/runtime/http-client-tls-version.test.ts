// tls_config.min_version in outgoing HTTP configs, against real HTTPS servers with certificates made in the test:
// the HTTP client config (--prometheus.http-client, rule's --query.config / --alertmanagers.config) and objstore's
// http_config both refuse a server below the minimum, and an unknown version is refused naming the field.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldReader } from '../../src/objstore/config-fields.js';
import { createAgents, parseHttpConfig } from '../../src/objstore/providers/http-config.js';
import { HttpClient } from '../../src/runtime/http-client.js';
import { parseHttpClientConfig } from '../../src/runtime/http-client-config.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { issueCert, makeCa, type CertFiles } from '../support/certs.js';

let dir = '';
let ca: CertFiles;
let tls12 = '';
let tls13 = '';
const servers: https.Server[] = [];

async function serve(maxVersion: 'TLSv1.2' | 'TLSv1.3', cert: CertFiles): Promise<string> {
  const s = https.createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key), minVersion: 'TLSv1.2', maxVersion }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  servers.push(s);
  return `https://localhost:${(s.address() as AddressInfo).port}/`;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'http-client-tls-'));
  ca = makeCa(dir, 'ca');
  const server = issueCert(dir, ca, 'server', 'server');
  tls12 = await serve('TLSv1.2', server);
  tls13 = await serve('TLSv1.3', server);
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('HTTP client config tls_config.min_version', () => {
  const client = (extra: string): HttpClient => new HttpClient(parseHttpClientConfig(`tls_config: {ca_file: ${ca.cert}${extra}}`, 'f'));
  const get = (c: HttpClient, url: string): Promise<string> => c.fetch(url).then((r) => r.text(), (err: unknown) => `failed: ${String(err)}`);

  it('refuses a server below the minimum and reaches one at it', async () => {
    expect(await get(client(''), tls12)).toBe('ok');
    expect(await get(client(', min_version: TLS13'), tls12)).toMatch(/^failed: .*(protocol|version)/i);
    expect(await get(client(', min_version: TLS13'), tls13)).toBe('ok');
    expect(await get(client(', max_version: TLS12'), tls13)).toBe('ok');
  });

  it('refuses an unknown version or min above max, naming the field', () => {
    expect(() => parseHttpClientConfig('tls_config: {min_version: "1.3"}', 'f')).toThrow(/f\.tls_config\.min_version.*unknown TLS version "1\.3"; want one of TLS10, TLS11, TLS12, TLS13/);
    expect(() => parseHttpClientConfig('tls_config: {min_version: TLS13, max_version: TLS12}', 'f')).toThrow(/min_version TLS13 is above max_version TLS12/);
  });
});

describe('objstore http_config.tls_config.min_version', () => {
  const agents = (tls: Record<string, unknown>): https.Agent => {
    const f = FieldReader.of({ http_config: { tls_config: { ca_file: ca.cert, ...tls } } }, ['config'], { where: 'bucket.yml', logger: nopLogger }, 'S3 config');
    return createAgents(parseHttpConfig(f), 'S3 http_config').https;
  };
  const get = (agent: https.Agent, url: string): Promise<string> => new Promise((resolve) => {
    https.get(url, { agent }, (res) => { res.resume(); res.on('end', () => resolve(String(res.statusCode))); }).on('error', (err) => resolve(`failed: ${err.message}`));
  });

  it('refuses a server below the minimum and reaches one at it', async () => {
    expect(await get(agents({}), tls12)).toBe('200');
    expect(await get(agents({ min_version: 'TLS13' }), tls12)).toMatch(/^failed: .*(protocol|version)/i);
    expect(await get(agents({ min_version: 'TLS13' }), tls13)).toBe('200');
  });

  it('refuses an unknown version, naming the field', () => {
    expect(() => agents({ min_version: 'TLS14' })).toThrow(/config\.http_config\.tls_config\.min_version is "TLS14", want one of TLS10/);
  });
});
