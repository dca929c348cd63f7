// The `http_config` block shared by S3, GCS, Azure and Swift (upstream exthttp.HTTPConfig), and the Node agents it
// turns into: connection pooling, timeouts and TLS options.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { ConfigError, errorMessage } from '../../runtime/errors.js';
import { CONFIG_TLS_VERSIONS, type NodeTlsVersion } from '../../runtime/tls-names.js';
import type { FieldReader } from '../config-fields.js';

export interface TlsConfig {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly serverName: string;
  readonly insecureSkipVerify: boolean;
  /** min_version (Prometheus's TLS10 … TLS13, not in upstream's exthttp, which refuses it); undefined = Node's 1.2. */
  readonly minVersion: NodeTlsVersion | undefined;
}

export interface HttpConfig {
  readonly idleConnTimeoutMs: number;
  readonly responseHeaderTimeoutMs: number;
  readonly insecureSkipVerify: boolean;
  readonly tlsHandshakeTimeoutMs: number;
  readonly expectContinueTimeoutMs: number;
  readonly maxIdleConns: number;
  readonly maxIdleConnsPerHost: number;
  readonly maxConnsPerHost: number;
  readonly disableCompression: boolean;
  readonly tls: TlsConfig;
}

function tlsVersion(t: FieldReader): NodeTlsVersion | undefined {
  const v = t.string('min_version');
  if (v === '') return undefined;
  const version = CONFIG_TLS_VERSIONS[v];
  if (version === undefined) throw t.error('min_version', `is ${JSON.stringify(v)}, want one of ${Object.keys(CONFIG_TLS_VERSIONS).join(', ')}`);
  return version;
}

export function parseHttpConfig(parent: FieldReader): HttpConfig {
  const f = parent.child('http_config');
  const t = f.child('tls_config');
  const tls: TlsConfig = {
    caFile: t.string('ca_file'), certFile: t.string('cert_file'), keyFile: t.string('key_file'),
    serverName: t.string('server_name'), insecureSkipVerify: t.bool('insecure_skip_verify', false),
    minVersion: tlsVersion(t),
  };
  t.done();
  const cfg: HttpConfig = {
    idleConnTimeoutMs: f.durationMs('idle_conn_timeout', 90_000),
    responseHeaderTimeoutMs: f.durationMs('response_header_timeout', 120_000),
    insecureSkipVerify: f.bool('insecure_skip_verify', false),
    tlsHandshakeTimeoutMs: f.durationMs('tls_handshake_timeout', 10_000),
    expectContinueTimeoutMs: f.durationMs('expect_continue_timeout', 1_000),
    maxIdleConns: f.int('max_idle_conns', 100),
    maxIdleConnsPerHost: f.int('max_idle_conns_per_host', 100),
    maxConnsPerHost: f.int('max_conns_per_host', 0),
    disableCompression: f.bool('disable_compression', false),
    tls,
  };
  f.done();
  return cfg;
}

export interface Agents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

/** Keep-alive agents honouring the pool sizes and TLS options. `where` names the config for file errors. */
export function createAgents(cfg: HttpConfig, where: string): Agents {
  const read = (path: string, what: string): Buffer | undefined => {
    if (path === '') return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`reading http_config.tls_config.${what} ${path}: ${errorMessage(err)}`, { where });
    }
  };
  const common = {
    keepAlive: true,
    maxSockets: cfg.maxConnsPerHost > 0 ? cfg.maxConnsPerHost : Infinity,
    maxFreeSockets: cfg.maxIdleConnsPerHost > 0 ? cfg.maxIdleConnsPerHost : 256,
    maxTotalSockets: Infinity,
  };
  const ca = read(cfg.tls.caFile, 'ca_file');
  const cert = read(cfg.tls.certFile, 'cert_file');
  const key = read(cfg.tls.keyFile, 'key_file');
  return {
    http: new http.Agent(common),
    https: new https.Agent({
      ...common,
      rejectUnauthorized: !(cfg.insecureSkipVerify || cfg.tls.insecureSkipVerify),
      ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}),
      ...(cfg.tls.serverName !== '' ? { servername: cfg.tls.serverName } : {}),
      ...(cfg.tls.minVersion ? { minVersion: cfg.tls.minVersion } : {}),
    }),
  };
}
