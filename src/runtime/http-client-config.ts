// Upstream's HTTP client config YAML (Thanos pkg/clientconfig HTTPClientConfig: basic_auth, bearer_token(_file),
// proxy_url, tls_config, transport_config), parsed and checked; used for every outgoing HTTP call a mode makes.
import { parse } from 'yaml';
import { ConfigError, errorMessage } from './errors.js';
import { parseDuration } from './flag-values.js';

export interface HttpClientTls {
  readonly caFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly serverName: string | undefined;
  readonly insecureSkipVerify: boolean;
}

export interface HttpClientConfig {
  readonly basicAuth: { readonly username: string; readonly password: string | undefined; readonly passwordFile: string | undefined } | undefined;
  readonly bearerToken: string | undefined;
  readonly bearerTokenFile: string | undefined;
  readonly tls: HttpClientTls;
  /** transport_config.dialer_timeout: connect deadline. */
  readonly dialTimeoutMs: number;
  /** transport_config.tls_handshake_timeout. */
  readonly tlsHandshakeTimeoutMs: number;
  /** transport_config.response_header_timeout; 0 = none. */
  readonly responseHeaderTimeoutMs: number;
  /** transport_config.idle_conn_timeout: how long a kept-alive connection may sit unused. */
  readonly idleConnTimeoutMs: number;
  /** transport_config.max_idle_conns_per_host. */
  readonly maxIdleConnsPerHost: number;
  /** transport_config.max_conns_per_host; 0 = unlimited. */
  readonly maxConnsPerHost: number;
}

const NO_TLS: HttpClientTls = { caFile: undefined, certFile: undefined, keyFile: undefined, serverName: undefined, insecureSkipVerify: false };

/** Upstream's defaults (clientconfig.defaultTransportConfig). */
export const DEFAULT_HTTP_CLIENT_CONFIG: HttpClientConfig = {
  basicAuth: undefined,
  bearerToken: undefined,
  bearerTokenFile: undefined,
  tls: NO_TLS,
  dialTimeoutMs: 5_000,
  tlsHandshakeTimeoutMs: 10_000,
  responseHeaderTimeoutMs: 0,
  idleConnTimeoutMs: 90_000,
  maxIdleConnsPerHost: 2,
  maxConnsPerHost: 0,
};

const TOP_KEYS = ['basic_auth', 'bearer_token', 'bearer_token_file', 'proxy_url', 'tls_config', 'transport_config'];
const BASIC_AUTH_KEYS = ['username', 'password', 'password_file'];
const TLS_KEYS = ['ca_file', 'cert_file', 'key_file', 'server_name', 'insecure_skip_verify'];
/** transport_config keys; the ones Node's client has no counterpart for are accepted and reported by the caller. */
const TRANSPORT_KEYS = [
  'max_idle_conns', 'max_idle_conns_per_host', 'idle_conn_timeout', 'response_header_timeout', 'expect_continue_timeout',
  'max_conns_per_host', 'disable_compression', 'tls_handshake_timeout', 'dialer_timeout',
];
/** transport_config keys with no effect here (Node negotiates no compression on these calls; no 100-continue). */
export const INERT_TRANSPORT_KEYS: readonly string[] = ['max_idle_conns', 'expect_continue_timeout', 'disable_compression'];

type YamlMap = Record<string, unknown>;

function asMap(v: unknown, where: string): YamlMap {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError('must be a mapping', { where });
  return v as YamlMap;
}

function checkKeys(m: YamlMap, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(m)) {
    if (!allowed.includes(k)) throw new ConfigError(`unknown field ${JSON.stringify(k)} (known: ${allowed.join(', ')})`, { where });
  }
}

function optString(m: YamlMap, key: string, where: string): string | undefined {
  const v = m[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new ConfigError('must be a string', { where: `${where}.${key}` });
  return v;
}

function bool(m: YamlMap, key: string, where: string): boolean {
  const v = m[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new ConfigError('must be true or false', { where: `${where}.${key}` });
  return v;
}

function count(m: YamlMap, key: string, where: string, dflt: number): number {
  const v = m[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ConfigError('must be a non-negative integer', { where: `${where}.${key}` });
  return v;
}

/**
 * Upstream's transport timeouts are Go int64 nanoseconds in YAML (`idle_conn_timeout: 90000000000`); a Prometheus
 * duration string (`90s`) is taken too, since that is what people write.
 */
function timeoutMs(m: YamlMap, key: string, where: string, dflt: number): number {
  const v = m[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return Math.round(v / 1e6);
  if (typeof v === 'string') {
    try {
      return parseDuration(v);
    } catch (err) {
      throw new ConfigError(errorMessage(err), { where: `${where}.${key}` });
    }
  }
  throw new ConfigError('must be nanoseconds (an integer) or a duration such as 10s', { where: `${where}.${key}` });
}

/** Parses the YAML; `source` names the file or flag in errors. An empty text is the default config. */
export function parseHttpClientConfig(text: string, source: string): HttpClientConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ConfigError(`invalid YAML: ${errorMessage(err)}`, { where: source });
  }
  const top = asMap(doc, source);
  checkKeys(top, TOP_KEYS, source);
  if (optString(top, 'proxy_url', source) !== undefined) {
    throw new ConfigError('proxy_url is not supported by thanos-ts yet; reach the target directly or through a transparent proxy', { where: `${source}.proxy_url` });
  }

  const ba = asMap(top['basic_auth'], `${source}.basic_auth`);
  checkKeys(ba, BASIC_AUTH_KEYS, `${source}.basic_auth`);
  const username = optString(ba, 'username', `${source}.basic_auth`);
  const password = optString(ba, 'password', `${source}.basic_auth`);
  const passwordFile = optString(ba, 'password_file', `${source}.basic_auth`);
  if (password !== undefined && passwordFile !== undefined) {
    throw new ConfigError('at most one of password and password_file may be set', { where: `${source}.basic_auth` });
  }
  const basicAuth = username === undefined && password === undefined && passwordFile === undefined
    ? undefined
    : { username: username ?? '', password, passwordFile };

  const bearerToken = optString(top, 'bearer_token', source);
  const bearerTokenFile = optString(top, 'bearer_token_file', source);
  if (bearerToken !== undefined && bearerTokenFile !== undefined) {
    throw new ConfigError('at most one of bearer_token and bearer_token_file may be set', { where: source });
  }
  if (basicAuth && (bearerToken !== undefined || bearerTokenFile !== undefined)) {
    throw new ConfigError('at most one of basic_auth and bearer_token(_file) may be set', { where: source });
  }

  const t = asMap(top['tls_config'], `${source}.tls_config`);
  checkKeys(t, TLS_KEYS, `${source}.tls_config`);
  const tls: HttpClientTls = {
    caFile: optString(t, 'ca_file', `${source}.tls_config`),
    certFile: optString(t, 'cert_file', `${source}.tls_config`),
    keyFile: optString(t, 'key_file', `${source}.tls_config`),
    serverName: optString(t, 'server_name', `${source}.tls_config`),
    insecureSkipVerify: bool(t, 'insecure_skip_verify', `${source}.tls_config`),
  };
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new ConfigError('cert_file and key_file must be given together', { where: `${source}.tls_config` });
  }

  const tr = asMap(top['transport_config'], `${source}.transport_config`);
  const trWhere = `${source}.transport_config`;
  checkKeys(tr, TRANSPORT_KEYS, trWhere);
  const d = DEFAULT_HTTP_CLIENT_CONFIG;
  return {
    basicAuth,
    bearerToken,
    bearerTokenFile,
    tls,
    dialTimeoutMs: timeoutMs(tr, 'dialer_timeout', trWhere, d.dialTimeoutMs),
    tlsHandshakeTimeoutMs: timeoutMs(tr, 'tls_handshake_timeout', trWhere, d.tlsHandshakeTimeoutMs),
    responseHeaderTimeoutMs: timeoutMs(tr, 'response_header_timeout', trWhere, d.responseHeaderTimeoutMs),
    idleConnTimeoutMs: timeoutMs(tr, 'idle_conn_timeout', trWhere, d.idleConnTimeoutMs),
    maxIdleConnsPerHost: count(tr, 'max_idle_conns_per_host', trWhere, d.maxIdleConnsPerHost),
    maxConnsPerHost: count(tr, 'max_conns_per_host', trWhere, d.maxConnsPerHost),
  };
}

/**
 * Splits `http://user:pass@host/` into the URL without credentials (safe to print) and the config with those
 * credentials as basic auth, as Go's client does with userinfo. Credentials in both places are an error.
 */
export function takeUrlCredentials(url: string, config: HttpClientConfig, where: string): { url: string; config: HttpClientConfig } {
  const u = new URL(url);
  if (u.username === '' && u.password === '') return { url, config };
  if (config.basicAuth || config.bearerToken !== undefined || config.bearerTokenFile !== undefined) {
    throw new ConfigError('credentials are given both in the URL and in the HTTP client config; keep one', { where });
  }
  const username = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  return { url: u.toString(), config: { ...config, basicAuth: { username, password, passwordFile: undefined } } };
}

/** A URL as text with any password replaced by `<secret>`, for messages about a URL that may not even parse. */
export function redactUrlPassword(url: string): string {
  return url.replace(/(\/\/[^/@:]*):[^/@]*@/, '$1:<secret>@');
}

/** The secret values a config holds (inline passwords and tokens), for redaction. Files are read later. */
export function httpClientSecrets(config: HttpClientConfig): string[] {
  const out: string[] = [];
  if (config.basicAuth?.password) out.push(config.basicAuth.password);
  if (config.bearerToken) out.push(config.bearerToken);
  return out;
}
