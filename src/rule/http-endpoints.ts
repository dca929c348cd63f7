// HTTP endpoint groups as upstream's pkg/httpconfig and pkg/alert configure them: `--query` / `--alertmanagers.url`
// addresses, `--query.config(-file)` / `--alertmanagers.config(-file)` YAML (static_configs, file_sd_configs,
// scheme, path_prefix, http_config (basic auth, bearer token, tls_config, transport_config: the project's HTTP
// client config), timeout, api_version), with dns+ / dnssrv+ addresses resolved by the querier's DNS provider and
// file SD read by its FileSd. Each group sends through its own HTTP client (keep-alive, its TLS and auth).

import { parseYaml } from '../runtime/yaml-fields.js';
import { DEFAULT_HTTP_CLIENT_CONFIG, httpClientConfigFromYaml, type HttpClientConfig } from '../runtime/http-client-config.js';
import { HttpClient } from '../runtime/http-client.js';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import { nopLogger, type Logger } from '../runtime/logger.js';
import { parseEndpointSpec, type DnsProvider, type EndpointSpec } from '../query/dns-discovery.js';
import { FileSd } from '../query/file-sd.js';

export interface HttpEndpointGroupConfig {
  readonly scheme: 'http' | 'https';
  readonly pathPrefix: string;
  /** host:port, or dns+host:port / dnssrv+name. */
  readonly staticAddresses: readonly string[];
  readonly fileSd: readonly { readonly files: readonly string[]; readonly refreshIntervalMs: number }[];
  /** http_config: auth, TLS and transport of the group's requests. */
  readonly http: HttpClientConfig;
  /** Alertmanagers only. */
  readonly timeoutMs: number;
  readonly apiVersion: 'v1' | 'v2';
}

const DEFAULT_AM_PORT = '9093';

/**
 * The ruler's client to its queriers. Upstream's transport keeps 2 idle connections per host, so a ruler with more
 * rules in flight than that opens and closes a TCP connection for most queries (upstream's advice is to raise it to
 * 100); we start there. An explicit transport_config.max_idle_conns_per_host in --query.config still wins.
 */
export const QUERY_HTTP_CLIENT_CONFIG: HttpClientConfig = { ...DEFAULT_HTTP_CLIENT_CONFIG, maxIdleConnsPerHost: 100 };

/** `--query` values (upstream httpconfig.BuildConfig): `[http[s]://]host:port[/prefix]`, one group each. */
export function queryConfigFromAddresses(addrs: readonly string[]): HttpEndpointGroupConfig[] {
  const seen = new Set<string>();
  return addrs.map((addr, i) => {
    if (addr === '') throw new ConfigError(`static address cannot be empty at index ${i}`, { where: '--query' });
    if (seen.has(addr)) throw new ConfigError(`address ${addr} is duplicated`, { where: '--query' });
    seen.add(addr);
    const withScheme = addr.includes('://') ? addr : `http://${addr}`;
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/]*)(.*)$/.exec(withScheme);
    if (!m) throw new ConfigError(`failed to parse addr ${JSON.stringify(addr)}`, { where: '--query' });
    const scheme = m[1]!.toLowerCase();
    if (scheme !== 'http' && scheme !== 'https') throw new ConfigError(`${JSON.stringify(scheme)} is not supported scheme for address`, { where: '--query' });
    return { scheme, pathPrefix: m[3]!, staticAddresses: [m[2]!], fileSd: [], http: QUERY_HTTP_CLIENT_CONFIG, timeoutMs: 0, apiVersion: 'v2' };
  });
}

/** `--alertmanagers.url` (upstream alert.BuildAlertmanagerConfig). */
export function alertmanagerConfigFromUrl(raw: string, timeoutMs: number): HttpEndpointGroupConfig {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(?:([^@/]*)@)?([^/]*)(.*)$/.exec(raw);
  if (!m) {
    if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(raw)) throw new ConfigError('alertmanagers.url contains empty scheme', { where: `--alertmanagers.url=${raw}` });
    throw new ConfigError('alertmanagers.url contains empty host', { where: `--alertmanagers.url=${raw}` });
  }
  let scheme = m[1]!.toLowerCase();
  let host = m[3]!;
  if (host === '') throw new ConfigError('alertmanagers.url contains empty host', { where: `--alertmanagers.url=${raw}` });
  for (const q of ['dns', 'dnssrv', 'dnssrvnoa']) {
    if (scheme.startsWith(q + '+')) {
      scheme = scheme.slice(q.length + 1);
      if (q === 'dns' && !/:\d+$/.test(host)) host = `${host}:${DEFAULT_AM_PORT}`;
      host = `${q}+${host}`;
      break;
    }
  }
  if (scheme !== 'http' && scheme !== 'https') throw new ConfigError(`unsupported scheme ${JSON.stringify(scheme)}`, { where: `--alertmanagers.url=${raw}` });
  let http = DEFAULT_HTTP_CLIENT_CONFIG;
  if (m[2] !== undefined && m[2] !== '') {
    const [u, p] = m[2].split(':') as [string, string | undefined];
    http = { ...http, basicAuth: { username: decodeURIComponent(u), password: decodeURIComponent(p ?? ''), passwordFile: undefined } };
  }
  return { scheme, pathPrefix: m[4]!.replace(/\/$/, ''), staticAddresses: [host], fileSd: [], http, timeoutMs, apiVersion: 'v2' };
}

type Obj = Record<string, unknown>;
/** A YAML scalar as text ('' for anything else). */
const text = (v: unknown, def: string): string => (v === undefined || v === null ? def : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function durationMs(v: unknown, where: string, def: number): number {
  if (v === undefined || v === null) return def;
  const s = text(v, '');
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(s);
  if (!m) throw new ConfigError(`not a valid duration string: ${JSON.stringify(s)}`, { where });
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms']!;
}

function groupFromYaml(e: unknown, where: string, defaults: { timeoutMs: number }, kind: 'query' | 'alertmanager'): HttpEndpointGroupConfig {
  if (!isObj(e)) throw new ConfigError('each entry must be a mapping', { where });
  const allowed = ['http_config', 'static_configs', 'file_sd_configs', 'scheme', 'path_prefix', ...(kind === 'alertmanager' ? ['timeout', 'api_version'] : ['grpc_config'])];
  for (const k of Object.keys(e)) if (!allowed.includes(k)) throw new ConfigError(`field ${k} not found`, { where });
  if (kind === 'query' && e['grpc_config'] !== undefined) throw new ConfigError('grpc_config (the gRPC Query API) is not supported yet by thanos-ts; use HTTP endpoints', { where });
  const scheme = text(e['scheme'], 'http');
  if (scheme !== 'http' && scheme !== 'https') throw new ConfigError(`unsupported scheme ${JSON.stringify(scheme)}`, { where });
  const statics = e['static_configs'] ?? [];
  if (!Array.isArray(statics)) throw new ConfigError('static_configs must be a list of addresses', { where });
  const fileSd = e['file_sd_configs'] ?? [];
  if (!Array.isArray(fileSd)) throw new ConfigError('file_sd_configs must be a list', { where });
  const apiVersion = text(e['api_version'], 'v2');
  if (apiVersion !== 'v1' && apiVersion !== 'v2') throw new ConfigError(`unsupported api_version ${JSON.stringify(apiVersion)}`, { where });
  return {
    scheme,
    pathPrefix: text(e['path_prefix'], '').replace(/\/$/, ''),
    staticAddresses: statics.map(String),
    fileSd: fileSd.map((f) => {
      if (!isObj(f) || !Array.isArray(f['files'])) throw new ConfigError('file_sd_configs entries need files', { where });
      return { files: f['files'].map(String), refreshIntervalMs: durationMs(f['refresh_interval'], where, 5 * 60_000) };
    }),
    http: httpClientConfigFromYaml(e['http_config'], `${where}: http_config`, kind === 'query' ? QUERY_HTTP_CLIENT_CONFIG : DEFAULT_HTTP_CLIENT_CONFIG),
    timeoutMs: durationMs(e['timeout'], where, defaults.timeoutMs),
    apiVersion,
  };
}

/** A config file's YAML, or a ConfigError naming where it came from. */
function yamlDocument(text: string, where: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    throw new ConfigError(`parsing YAML: ${errorMessage(err)}`, { where });
  }
}

/** `--query.config(-file)`: a YAML list of endpoint groups. */
export function parseQueryConfig(text: string, where: string): HttpEndpointGroupConfig[] {
  const doc = yamlDocument(text, where);
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc)) throw new ConfigError('expected a list of query endpoint configurations', { where });
  return doc.map((e) => groupFromYaml(e, where, { timeoutMs: 0 }, 'query'));
}

/** `--alertmanagers.config(-file)`: `alertmanagers: [...]`. */
export function parseAlertmanagersConfig(text: string, where: string, sendTimeoutMs: number): HttpEndpointGroupConfig[] {
  const doc = yamlDocument(text, where);
  if (doc === null || doc === undefined) return [];
  if (!isObj(doc)) throw new ConfigError('expected a mapping with alertmanagers:', { where });
  for (const k of Object.keys(doc)) if (k !== 'alertmanagers') throw new ConfigError(`field ${k} not found in type alert.AlertingConfig`, { where });
  const list = doc['alertmanagers'] ?? [];
  if (!Array.isArray(list)) throw new ConfigError('alertmanagers must be a list', { where });
  return list.map((e) => groupFromYaml(e, where, { timeoutMs: sendTimeoutMs }, 'alertmanager'));
}

/** A configured group with its addresses kept current (DNS every sdDnsInterval, file SD on change). */
export class HttpEndpointGroup {
  private specs: EndpointSpec[];
  private resolved: string[] = [];
  private readonly fileSds: FileSd[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Sends the group's requests: its http_config's auth and TLS, connections kept alive. */
  readonly client: HttpClient;

  constructor(
    readonly config: HttpEndpointGroupConfig,
    private readonly dns: DnsProvider,
    private readonly dnsIntervalMs: number,
    private readonly logger: Logger = nopLogger,
  ) {
    this.specs = config.staticAddresses.map((a) => this.spec(a));
    this.client = new HttpClient(config.http);
  }

  /** An address without a port gets the scheme's, as Go's HTTP client does. */
  private spec(a: string): EndpointSpec {
    const addr = !/^dns/.test(a) && !/:\d+$/.test(a) ? `${a}:${this.config.scheme === 'https' ? 443 : 80}` : a;
    return parseEndpointSpec(addr, 'endpoint address');
  }

  /** Resolves once, then keeps resolving until stop(). */
  async start(): Promise<void> {
    for (const f of this.config.fileSd) {
      const sd = new FileSd({ files: f.files, refreshIntervalMs: f.refreshIntervalMs, logger: this.logger, onChange: () => { void this.refresh(); } });
      this.fileSds.push(sd);
      await sd.start();
    }
    await this.refresh();
    this.timer = setInterval(() => { void this.refresh(); }, this.dnsIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const f of this.fileSds) f.stop();
    this.client.close();
  }

  async refresh(): Promise<void> {
    const fromFiles = this.fileSds.flatMap((f) => f.addresses.map((a) => this.spec(a)));
    this.resolved = await this.dns.resolve([...this.specs, ...fromFiles]);
  }

  /** Base URLs (`scheme://host:port/prefix`) of the current addresses. */
  urls(): string[] {
    return this.resolved.map((a) => `${this.config.scheme}://${a}${this.config.pathPrefix}`);
  }
}
