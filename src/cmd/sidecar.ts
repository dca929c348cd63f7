// `thanos-ts sidecar`: flags as upstream's cmd/thanos/sidecar.go; wires the Prometheus StoreAPI, the metadata
// refresher (readiness), the reloader and, with a bucket configured, the shipper.
import type { Command } from 'commander';
import { OBJSTORE_FLAGS, SERVER_FLAGS, STORE_LIMIT_FLAGS, readGrpcServerOptions, readHttpOptions, readTracingFlag, readLogOptions, readObjstoreFlag, readSeriesLimits } from './flag-groups.js';
import type { ObjstoreFlagValue } from './flag-groups.js';
import type { FlagReader, FlagSpec } from './flags.js';
import { FlagError } from './flags.js';
import { gossipFlags } from './removed-flags.js';
import { defineMode, type ModeRegistry } from './mode.js';
import { serveMode } from './serve.js';
import { errorMessage } from '../runtime/errors.js';
import { DEFAULT_HTTP_CLIENT_CONFIG, parseHttpClientConfig, redactUrlPassword, takeUrlCredentials, type HttpClientConfig } from '../runtime/http-client-config.js';

export const SIDECAR_FLAGS: readonly FlagSpec[] = [
  ...SERVER_FLAGS,
  { name: 'prometheus.url', default: 'http://localhost:9090', placeholder: 'url', help: 'URL at which to reach Prometheus\'s API. For better performance use local network.' },
  { name: 'prometheus.ready_timeout', default: '10m', placeholder: 'duration', help: 'Maximum time to wait for the Prometheus instance to start up' },
  { name: 'prometheus.get_config_interval', default: '30s', placeholder: 'duration', help: 'How often to get Prometheus config' },
  { name: 'prometheus.get_config_timeout', default: '30s', placeholder: 'duration', help: 'Timeout for getting Prometheus config' },
  { name: 'prometheus.http-client-file', default: '', placeholder: 'file', help: 'Path to YAML file or string with http client configs. See Format details: https://thanos.io/tip/components/sidecar.md/#configuration.' },
  { name: 'prometheus.http-client', default: '', placeholder: 'content', help: 'Alternative to \'prometheus.http-client-file\' flag (mutually exclusive).' },
  { name: 'tsdb.path', default: './data', placeholder: 'path', help: 'Data directory of TSDB.' },
  { name: 'reloader.config-file', default: '', placeholder: 'file', help: 'Config file watched by the reloader.' },
  { name: 'reloader.config-envsubst-file', default: '', placeholder: 'file', help: 'Output file for environment variable substituted config file.' },
  { name: 'reloader.rule-dir', kind: 'repeat', placeholder: 'dir', help: 'Rule directories for the reloader to refresh.' },
  { name: 'reloader.watch-interval', default: '3m', placeholder: 'duration', help: 'Controls how often reloader re-reads config and rules.' },
  { name: 'reloader.retry-interval', default: '5s', placeholder: 'duration', help: 'Controls how often reloader retries config reload in case of error.' },
  { name: 'reloader.method', default: 'http', help: 'Method used to reload the configuration (http, signal).' },
  { name: 'reloader.process-name', default: 'prometheus', help: 'Executable name used to match the process being reloaded when using the signal method.' },
  ...OBJSTORE_FLAGS,
  { name: 'shipper.upload-compacted', kind: 'bool', help: 'If true shipper will try to upload compacted blocks as well. Useful for migration purposes. Works only if compaction is disabled on Prometheus. Do it once and then disable the flag when done.' },
  { name: 'shipper.meta-file-name', default: 'thanos.shipper.json', help: 'the file to store shipper metadata in' },
  { name: 'shipper.upload-concurrency', default: '0', help: 'Number of goroutines to use when uploading block files. 0 means sequential uploads.', support: 'refused' },
  { name: 'min-time', default: '0000-01-01T00:00:00Z', placeholder: 'time', help: 'Start of time range limit to serve. Thanos sidecar will serve only metrics, which happened later than this value. Option can be a constant time in RFC3339 format or time duration relative to current time, such as -1d or 2h45m. Valid duration units are ms, s, m, h, d, w, y.' },
  ...STORE_LIMIT_FLAGS,
  ...gossipFlags('ignored'),
];

export interface SidecarOptions {
  /** Without credentials: those are in prometheusHttp, so the URL is safe to log. */
  readonly prometheusUrl: string;
  /** --prometheus.http-client(-file), with credentials from the URL as basic auth. */
  readonly prometheusHttp: HttpClientConfig;
  readonly readyTimeoutMs: number;
  readonly configIntervalMs: number;
  readonly configTimeoutMs: number;
  readonly tsdbPath: string;
  readonly reloader: {
    readonly configFile: string | undefined;
    readonly configEnvsubstFile: string | undefined;
    readonly ruleDirs: readonly string[];
    readonly watchIntervalMs: number;
    readonly retryIntervalMs: number;
    readonly method: 'http' | 'signal';
    readonly processName: string;
  };
  readonly objstore: ObjstoreFlagValue | undefined;
  readonly uploadCompacted: boolean;
  readonly shipperMetaFileName: string;
  /** --min-time in ms. */
  readonly minTime: number;
  /** --store.limits.request-series/-samples on the StoreAPI served. */
  readonly seriesLimits?: { series: number; samples: number } | undefined;
}

export function registerSidecar(program: Command, registry?: ModeRegistry): void {
  defineMode(program, {
    name: 'sidecar',
    description: 'Sidecar for Prometheus server.',
    flags: SIDECAR_FLAGS,
    read: (f) => ({ log: readLogOptions(f), tracing: readTracingFlag(f), http: readHttpOptions(f), grpc: readGrpcServerOptions(f), sidecar: readSidecarOptions(f) }),
    run: ({ log, tracing, http, grpc, sidecar }) =>
      serveMode({ component: 'sidecar', log, tracing, http, grpc, setup: async (rt) => (await import('./sidecar-build.js')).buildSidecar(rt, sidecar) }),
  }, registry);
}

export function readSidecarOptions(f: FlagReader): SidecarOptions {
  const rawUrl = f.string('prometheus.url');
  try {
    const u = new URL(rawUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme must be http or https');
  } catch (err) {
    throw new FlagError('prometheus.url', redactUrlPassword(rawUrl), errorMessage(err));
  }
  const httpFlag = f.pathOrContent('prometheus.http-client');
  const httpConfig = httpFlag ? parseHttpClientConfig(httpFlag.content, httpFlag.source) : DEFAULT_HTTP_CLIENT_CONFIG;
  const { url, config: prometheusHttp } = takeUrlCredentials(rawUrl, httpConfig, '--prometheus.url');
  const method = f.string('reloader.method');
  if (method !== 'http' && method !== 'signal') throw new FlagError('reloader.method', method, 'must be one of http, signal');
  return {
    prometheusUrl: url,
    prometheusHttp,
    readyTimeoutMs: f.durationMs('prometheus.ready_timeout'),
    configIntervalMs: f.durationMs('prometheus.get_config_interval'),
    configTimeoutMs: f.durationMs('prometheus.get_config_timeout'),
    tsdbPath: f.string('tsdb.path'),
    reloader: {
      configFile: f.optionalString('reloader.config-file'),
      configEnvsubstFile: f.optionalString('reloader.config-envsubst-file'),
      ruleDirs: f.list('reloader.rule-dir'),
      watchIntervalMs: f.durationMs('reloader.watch-interval'),
      retryIntervalMs: f.durationMs('reloader.retry-interval'),
      method,
      processName: f.string('reloader.process-name'),
    },
    objstore: readObjstoreFlag(f),
    uploadCompacted: f.bool('shipper.upload-compacted'),
    shipperMetaFileName: f.string('shipper.meta-file-name'),
    minTime: f.timeMs('min-time'),
    seriesLimits: readSeriesLimits(f),
  };
}

