// The --http.config parser: exporter-toolkit's fields, defaults and refusals, each error naming the file and field.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWebConfig, tlsServerOptions } from '../../src/runtime/web-config.js';

// exporter-toolkit's own fixed hash of "fakepassword" ($2y$ variant, cost 10).
const HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';

let dir = '';
const file = (): string => path.join(dir, 'web.yml');

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'web-config-'));
  writeFileSync(path.join(dir, 'c.crt'), 'CERT');
  writeFileSync(path.join(dir, 'c.key'), 'KEY');
  writeFileSync(path.join(dir, 'ca.crt'), 'CA');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseWebConfig', () => {
  it('an empty file is plain HTTP with no users, HTTP/2 on by default', () => {
    const c = parseWebConfig('', file());
    expect(c).toMatchObject({ tls: undefined, http2: true, headers: {}, rateLimit: undefined });
    expect(c.users.size).toBe(0);
  });

  it('reads users, headers, rate limit and TLS with paths relative to the file', () => {
    const c = parseWebConfig([
      'tls_server_config:',
      '  cert_file: c.crt',
      '  key_file: c.key',
      '  client_ca_file: ca.crt',
      '  client_auth_type: RequireAndVerifyClientCert',
      '  min_version: TLS13',
      '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]',
      '  curve_preferences: [X25519, CurveP256]',
      'http_server_config:',
      '  http2: false',
      '  headers:',
      '    X-Frame-Options: deny',
      '    Strict-Transport-Security: max-age=31536000',
      'basic_auth_users:',
      `  alice: ${HASH}`,
      'rate_limit:',
      '  burst: 5',
      '  interval: 1s',
    ].join('\n'), file());
    expect(c.users.get('alice')).toBe(HASH);
    expect(c.headers).toEqual({ 'X-Frame-Options': 'deny', 'Strict-Transport-Security': 'max-age=31536000' });
    expect(c.http2).toBe(false);
    expect(c.rateLimit).toEqual({ burst: 5, intervalMs: 1000 });
    expect(c.tls?.clientAuth).toBe('RequireAndVerifyClientCert');
    expect(c.tls?.files).toEqual([path.join(dir, 'c.crt'), path.join(dir, 'c.key'), path.join(dir, 'ca.crt')]);
    const opts = tlsServerOptions(c.tls!);
    expect(String(opts.cert)).toBe('CERT');
    expect(opts).toMatchObject({
      minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: true, ecdhCurve: 'X25519:P-256',
    });
    // TLS 1.3's suites stay enabled (Go does not let them be configured); the 1.2 list is restricted.
    expect(opts.ciphers).toMatch(/^TLS_AES_256_GCM_SHA384:.*:ECDHE-RSA-AES128-GCM-SHA256$/);
  });

  it('maps the client auth types onto the handshake', () => {
    const base = 'tls_server_config:\n  cert: CERT\n  key: KEY\n  client_ca: CA\n  client_auth_type: ';
    const opts = (type: string) => tlsServerOptions(parseWebConfig(base + type, file()).tls!);
    expect(opts('RequestClientCert')).toMatchObject({ requestCert: true, rejectUnauthorized: false });
    expect(opts('RequireClientCert')).toMatchObject({ requestCert: true, rejectUnauthorized: false });
    expect(opts('VerifyClientCertIfGiven')).toMatchObject({ requestCert: true, rejectUnauthorized: false });
    expect(opts('RequireAndVerifyClientCert')).toMatchObject({ requestCert: true, rejectUnauthorized: true });
    expect(parseWebConfig('tls_server_config:\n  cert: C\n  key: K\n', file()).tls?.clientAuth).toBe('NoClientCert');
  });

  it.each([
    ['unknown top-level field', 'tls_config: {}', 'config.tls_config: field not found'],
    ['unknown TLS field', 'tls_server_config:\n  certfile: x', 'tls_server_config.certfile: field not found'],
    ['cert without key', 'tls_server_config:\n  cert_file: c.crt', 'missing one of key or key_file'],
    ['key without cert', 'tls_server_config:\n  key_file: c.key', 'missing one of cert or cert_file'],
    ['client CA without policy', 'tls_server_config:\n  cert_file: c.crt\n  key_file: c.key\n  client_ca_file: ca.crt', 'without a Client Auth Policy'],
    ['bad client auth', 'tls_server_config:\n  cert_file: c.crt\n  key_file: c.key\n  client_auth_type: Sometimes', 'invalid ClientAuth: Sometimes'],
    ['SANs without a required cert', 'tls_server_config:\n  cert_file: c.crt\n  key_file: c.key\n  client_auth_type: RequestClientCert\n  client_allowed_sans: [a]', 'client_allowed_sans requires'],
    ['missing cert file', 'tls_server_config:\n  cert_file: nope.crt\n  key_file: c.key', 'tls_server_config.cert_file: read'],
    ['unknown cipher', 'tls_server_config:\n  cert: C\n  key: K\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]', 'unknown cipher: TLS_RSA_WITH_RC4_128_SHA'],
    ['unknown curve', 'tls_server_config:\n  cert: C\n  key: K\n  curve_preferences: [P256]', 'unknown curve: P256'],
    ['unknown version', 'tls_server_config:\n  cert: C\n  key: K\n  min_version: TLS14', 'unknown TLS version: TLS14'],
    ['header not allowed', 'http_server_config:\n  headers:\n    Server: x', 'headers.Server: field not found'],
    ['header value not allowed', 'http_server_config:\n  headers:\n    X-Frame-Options: allow', 'expected one of "deny", "sameorigin"'],
    ['password not hashed', 'basic_auth_users:\n  bob: hunter2', 'basic_auth_users.bob: is not a bcrypt hash'],
    ['bad interval', 'rate_limit:\n  burst: 1\n  interval: soon', 'rate_limit.interval'],
    ['not YAML', 'basic_auth_users: [', 'yaml:'],
  ])('refuses %s', (_name, text, message) => {
    let error: unknown;
    try {
      parseWebConfig(text, file());
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).toContain(`--http.config ${file()}`);
  });

  it('never puts a password hash into an error', () => {
    expect(() => parseWebConfig(`basic_auth_users:\n  bob: ${HASH.slice(0, 20)}`, file())).toThrow(/^(?!.*\$2y\$10).*$/s);
  });
});
