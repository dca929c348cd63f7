// The HTTP client config (upstream's clientconfig YAML): fields, defaults, upstream's nanosecond timeouts, refusals
// that name the field, credentials moved out of URLs, and password redaction in URL text.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HTTP_CLIENT_CONFIG, parseHttpClientConfig, redactUrlPassword, takeUrlCredentials,
} from '../../src/runtime/http-client-config.js';

describe('parseHttpClientConfig', () => {
  it('an empty text is upstream\'s defaults', () => {
    expect(parseHttpClientConfig('', 'f')).toEqual(DEFAULT_HTTP_CLIENT_CONFIG);
    expect(DEFAULT_HTTP_CLIENT_CONFIG).toMatchObject({ dialTimeoutMs: 5000, tlsHandshakeTimeoutMs: 10_000, idleConnTimeoutMs: 90_000, maxIdleConnsPerHost: 2 });
  });

  it('reads every field', () => {
    const c = parseHttpClientConfig([
      'basic_auth: {username: u, password_file: /p}',
      'tls_config: {ca_file: /ca, cert_file: /c, key_file: /k, server_name: prom, insecure_skip_verify: true}',
      'transport_config: {dialer_timeout: 2000000000, tls_handshake_timeout: 3s, response_header_timeout: 1m, max_conns_per_host: 7, max_idle_conns: 3}',
    ].join('\n'), 'f');
    expect(c.basicAuth).toEqual({ username: 'u', password: undefined, passwordFile: '/p' });
    expect(c.tls).toEqual({ caFile: '/ca', certFile: '/c', keyFile: '/k', serverName: 'prom', insecureSkipVerify: true });
    expect(c).toMatchObject({ dialTimeoutMs: 2000, tlsHandshakeTimeoutMs: 3000, responseHeaderTimeoutMs: 60_000, maxConnsPerHost: 7 });
    expect(parseHttpClientConfig('bearer_token: t', 'f').bearerToken).toBe('t');
  });

  it.each([
    ['basic_auth: {username: a, pasword: x}', 'f.basic_auth: unknown field "pasword"'],
    ['authorization: {credentials: x}', 'f: unknown field "authorization"'],
    ['basic_auth: {username: a, password: x, password_file: /y}', 'at most one of password and password_file'],
    ['bearer_token: a\nbearer_token_file: /b', 'at most one of bearer_token and bearer_token_file'],
    ['bearer_token: a\nbasic_auth: {username: u}', 'at most one of basic_auth and bearer_token'],
    ['tls_config: {cert_file: /c}', 'f.tls_config: cert_file and key_file must be given together'],
    ['tls_config: {insecure_skip_verify: "yes"}', 'f.tls_config.insecure_skip_verify: must be true or false'],
    ['transport_config: {dialer_timeout: soon}', 'f.transport_config.dialer_timeout'],
    ['transport_config: {max_conns_per_host: -1}', 'f.transport_config.max_conns_per_host: must be a non-negative integer'],
    ['proxy_url: http://proxy:3128', 'f.proxy_url: proxy_url is not supported'],
    ['- a\n- b', 'f: must be a mapping'],
    ['basic_auth: [', 'f: invalid YAML'],
  ])('refuses %j', (text, message) => {
    expect(() => parseHttpClientConfig(text, 'f')).toThrow(message);
  });
});

describe('credentials in URLs', () => {
  it('moves userinfo into basic auth and leaves a printable URL', () => {
    const { url, config } = takeUrlCredentials('https://user:p%40ss@prom:9090/sub/', DEFAULT_HTTP_CLIENT_CONFIG, '--prometheus.url');
    expect(url).toBe('https://prom:9090/sub/');
    expect(config.basicAuth).toEqual({ username: 'user', password: 'p@ss', passwordFile: undefined });
  });

  it('keeps a URL without credentials as it is', () => {
    expect(takeUrlCredentials('http://prom:9090', DEFAULT_HTTP_CLIENT_CONFIG, 'x').url).toBe('http://prom:9090');
  });

  it('refuses credentials in both places', () => {
    const withToken = parseHttpClientConfig('bearer_token: t', 'f');
    expect(() => takeUrlCredentials('http://u:p@prom', withToken, '--prometheus.url')).toThrow(/both in the URL and in the HTTP client config/);
  });

  it.each([
    ['http://u:secret@host:1/x', 'http://u:<secret>@host:1/x'],
    ['ftp://u:secret@host', 'ftp://u:<secret>@host'],
    ['http://host/a:b@c', 'http://host/a:b@c'],
    ['http://u@host', 'http://u@host'],
  ])('redacts %s', (raw, shown) => {
    expect(redactUrlPassword(raw)).toBe(shown);
  });
});
