// Upstream's HTTP client config YAML (Thanos pkg/clientconfig HTTPClientConfig: basic_auth, bearer_token(_file),
// proxy_url, tls_config, transport_config), parsed and checked; used for every outgoing HTTP call a mode makes.
import { ConfigError, errorMessage } from './errors.js';
import { parseDuration } from './duration.js';
import { CONFIG_TLS_VERSIONS, type NodeTlsVersion } from './tls-names.js';
import { onlyKeys, parseYamlMap, yamlBool, yamlMap, yamlString, type YamlMap } from './yaml-fields.js';

export interface HttpClientTls {
  readonly caFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly serverName: string | undefined;
  readonly insecureSkipVerify: boolean;
  /** tls_config.min_version / max_version (Prometheus's TLS10 … TLS13); undefined = Node's defaults (1.2, 1.3). */
  readonly minVersion?: NodeTlsVersion | undefined;
  readonly maxVersion?: NodeTlsVersion | undefined;
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
/** Thanos's tls_config keys, plus Prometheus's min_version and max_version (upstream Thanos ignores those silently). */
const TLS_KEYS = ['ca_file', 'cert_file', 'key_file', 'server_name', 'insecure_skip_verify', 'min_version', 'max_version'];
/**
 * transport_config keys; max_idle_conns, expect_continue_timeout and disable_compression have no counterpart in
 * Node's client and no effect (docs/security.md says so).
 */
const TRANSPORT_KEYS = [
  'max_idle_conns', 'max_idle_conns_per_host', 'idle_conn_timeout', 'response_header_timeout', 'expect_continue_timeout',
  'max_conns_per_host', 'disable_compression', 'tls_handshake_timeout', 'dialer_timeout',
];
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

const TLS_ORDER: readonly NodeTlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** A TLS version field in Prometheus's spelling (TLS10 … TLS13). */
export function tlsVersion(m: YamlMap, key: string, where: string): NodeTlsVersion | undefined {
  const v = yamlString(m, key, where);
  if (v === undefined) return undefined;
  const version = CONFIG_TLS_VERSIONS[v];
  if (version === undefined) throw new ConfigError(`unknown TLS version ${JSON.stringify(v)}; want one of ${Object.keys(CONFIG_TLS_VERSIONS).join(', ')}`, { where: `${where}.${key}` });
  return version;
}

/** Parses the YAML; `source` names the file or flag in errors. An empty text is the default config. */
export function parseHttpClientConfig(text: string, source: string): HttpClientConfig {
  return httpClientConfigFromYaml(parseYamlMap(text, source), source);
}

/**
 * The config from an already parsed YAML value (e.g. an `http_config:` inside a larger file); null is `defaults`
 * (upstream's unless a caller has a reason of its own), and so is every transport field the YAML leaves out.
 */
export function httpClientConfigFromYaml(value: unknown, source: string, defaults: HttpClientConfig = DEFAULT_HTTP_CLIENT_CONFIG): HttpClientConfig {
  const top = yamlMap(value, source);
  onlyKeys(top, TOP_KEYS, source);
  if (yamlString(top, 'proxy_url', source) !== undefined) {
    throw new ConfigError('proxy_url is not supported by thanos-ts yet; reach the target directly or through a transparent proxy', { where: `${source}.proxy_url` });
  }

  const ba = yamlMap(top['basic_auth'], `${source}.basic_auth`);
  onlyKeys(ba, BASIC_AUTH_KEYS, `${source}.basic_auth`);
  const username = yamlString(ba, 'username', `${source}.basic_auth`);
  const password = yamlString(ba, 'password', `${source}.basic_auth`);
  const passwordFile = yamlString(ba, 'password_file', `${source}.basic_auth`);
  if (password !== undefined && passwordFile !== undefined) {
    throw new ConfigError('at most one of password and password_file may be set', { where: `${source}.basic_auth` });
  }
  const basicAuth = username === undefined && password === undefined && passwordFile === undefined
    ? undefined
    : { username: username ?? '', password, passwordFile };

  const bearerToken = yamlString(top, 'bearer_token', source);
  const bearerTokenFile = yamlString(top, 'bearer_token_file', source);
  if (bearerToken !== undefined && bearerTokenFile !== undefined) {
    throw new ConfigError('at most one of bearer_token and bearer_token_file may be set', { where: source });
  }
  if (basicAuth && (bearerToken !== undefined || bearerTokenFile !== undefined)) {
    throw new ConfigError('at most one of basic_auth and bearer_token(_file) may be set', { where: source });
  }

  const t = yamlMap(top['tls_config'], `${source}.tls_config`);
  onlyKeys(t, TLS_KEYS, `${source}.tls_config`);
  const tls: HttpClientTls = {
    caFile: yamlString(t, 'ca_file', `${source}.tls_config`),
    certFile: yamlString(t, 'cert_file', `${source}.tls_config`),
    keyFile: yamlString(t, 'key_file', `${source}.tls_config`),
    serverName: yamlString(t, 'server_name', `${source}.tls_config`),
    insecureSkipVerify: yamlBool(t, 'insecure_skip_verify', `${source}.tls_config`) ?? false,
    minVersion: tlsVersion(t, 'min_version', `${source}.tls_config`),
    maxVersion: tlsVersion(t, 'max_version', `${source}.tls_config`),
  };
  if (tls.minVersion && tls.maxVersion && TLS_ORDER.indexOf(tls.minVersion) > TLS_ORDER.indexOf(tls.maxVersion)) {
    throw new ConfigError(`min_version ${String(t['min_version'])} is above max_version ${String(t['max_version'])}`, { where: `${source}.tls_config` });
  }
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new ConfigError('cert_file and key_file must be given together', { where: `${source}.tls_config` });
  }

  const tr = yamlMap(top['transport_config'], `${source}.transport_config`);
  const trWhere = `${source}.transport_config`;
  onlyKeys(tr, TRANSPORT_KEYS, trWhere);
  const d = defaults;
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
