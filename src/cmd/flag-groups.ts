// Flag groups shared by several modes (upstream's cmd/thanos/config.go): logging, HTTP, gRPC server, objstore.
import type { FlagReader, FlagSpec } from './flags.js';
import { FlagError } from './flags.js';
import { LOG_LEVELS } from '../runtime/logger.js';
import type { LogFormat, LogLevel } from '../runtime/logger.js';
import { TLS_VERSIONS, parseHostPort } from '../runtime/flag-values.js';
import { errorMessage } from '../runtime/errors.js';

export const LOG_FLAGS: readonly FlagSpec[] = [
  { name: 'log.level', default: 'info', help: 'Log filtering level (debug, info, warn, error).' },
  { name: 'log.format', default: 'logfmt', help: 'Log format to use (logfmt, json).' },
];

export const HTTP_FLAGS: readonly FlagSpec[] = [
  { name: 'http-address', default: '0.0.0.0:10902', placeholder: 'host:port', help: 'Listen host:port for HTTP endpoints.' },
  { name: 'http-grace-period', default: '2m', placeholder: 'duration', help: 'Time to wait after an interrupt received for HTTP Server.' },
  { name: 'http.config', default: '', placeholder: 'file', help: '[EXPERIMENTAL] Path to the configuration file that can enable TLS or authentication for all HTTP endpoints.' },
  // thanos-ts only: upstream always serves Go's /debug/pprof; Node's equivalents pause the process, so they are opt-in.
  {
    name: 'debug.enable-profiling', kind: 'bool',
    help: 'Serve /debug/pprof/profile?seconds=N (a V8 CPU profile, .cpuprofile) and /debug/pprof/heap (a V8 heap snapshot) on the HTTP port: the Node counterparts of upstream\'s Go pprof handlers. A heap snapshot pauses the process.',
  },
];

/** Upstream's request logging flags (query, rule, receive, query-frontend): see src/runtime/request-logging.ts. */
export const REQUEST_LOGGING_FLAGS: readonly FlagSpec[] = [
  { name: 'request.logging-config-file', default: '', placeholder: 'file', help: 'Path to YAML file with request logging configuration. See format details: https://thanos.io/tip/thanos/logging.md/#configuration' },
  { name: 'request.logging-config', default: '', placeholder: 'content', help: 'Alternative to \'request.logging-config-file\' flag (mutually exclusive). Content of YAML file with request logging configuration. See format details: https://thanos.io/tip/thanos/logging.md/#configuration' },
];

/** Upstream's global tracing flags (main.go): every server mode takes them. See src/runtime/tracing. */
export const TRACING_FLAGS: readonly FlagSpec[] = [
  { name: 'tracing.config-file', default: '', placeholder: 'file', help: 'Path to YAML file with tracing configuration. See format details: https://thanos.io/tip/thanos/tracing.md/#configuration' },
  { name: 'tracing.config', default: '', placeholder: 'content', help: 'Alternative to \'tracing.config-file\' flag (mutually exclusive). Content of YAML file with tracing configuration. See format details: https://thanos.io/tip/thanos/tracing.md/#configuration' },
];

/** --tracing.config(-file) as given; parsed when the mode starts (serve.ts). */
export function readTracingFlag(f: FlagReader): ObjstoreFlagValue | undefined {
  return f.pathOrContent('tracing.config');
}

export const GRPC_SERVER_FLAGS: readonly FlagSpec[] = [
  { name: 'grpc-address', default: '0.0.0.0:10901', placeholder: 'host:port', help: 'Listen ip:port address for gRPC endpoints (StoreAPI).' },
  { name: 'grpc-grace-period', default: '2m', placeholder: 'duration', help: 'Time to wait after an interrupt received for GRPC Server.' },
  { name: 'grpc-server-tls-cert', default: '', placeholder: 'file', help: 'TLS Certificate for gRPC server, leave blank to disable TLS.' },
  { name: 'grpc-server-tls-key', default: '', placeholder: 'file', help: 'TLS Key for the gRPC server, leave blank to disable TLS.' },
  { name: 'grpc-server-tls-client-ca', default: '', placeholder: 'file', help: 'TLS CA to verify clients against. If no client CA is specified, there is no client verification on server side. (tls.NoClientCert)' },
  { name: 'grpc-server-tls-min-version', default: '1.3', placeholder: 'version', help: 'TLS supported minimum version for gRPC server (1.0, 1.1, 1.2, 1.3). Applies when --grpc-server-tls-cert is set.' },
  { name: 'grpc-server-max-connection-age', default: '60m', placeholder: 'duration', help: 'The grpc server max connection age.' },
];

export const OBJSTORE_FLAGS: readonly FlagSpec[] = [
  { name: 'objstore.config-file', placeholder: 'file-path', help: 'Path to YAML file that contains object store configuration. See format details: https://thanos.io/tip/thanos/storage.md/#configuration' },
  { name: 'objstore.config', placeholder: 'content', help: 'Alternative to \'objstore.config-file\' flag (mutually exclusive). Content of YAML file that contains object store configuration.' },
];

export const STORE_LIMIT_FLAGS: readonly FlagSpec[] = [
  { name: 'store.limits.request-series', default: '0', help: 'The maximum series allowed for a single Series request. The Series call fails if this limit is exceeded. 0 means no limit.' },
  { name: 'store.limits.request-samples', default: '0', help: 'The maximum samples allowed for a single Series request. The Series call fails if this limit is exceeded. 0 means no limit. NOTE: For efficiency the limit is internally implemented as \'chunks limit\' considering each chunk contains a maximum of 120 samples.' },
];

/** --store.limits.request-series/-samples (undefined where the mode does not declare them, e.g. inside standalone). */
export function readSeriesLimits(f: FlagReader): { series: number; samples: number } | undefined {
  if (!f.declared('store.limits.request-series')) return undefined;
  const series = f.int('store.limits.request-series');
  const samples = f.int('store.limits.request-samples');
  if (series < 0) throw new FlagError('store.limits.request-series', String(series), 'must be 0 (no limit) or positive');
  if (samples < 0) throw new FlagError('store.limits.request-samples', String(samples), 'must be 0 (no limit) or positive');
  return { series, samples };
}

export interface LogOptions { readonly level: LogLevel; readonly format: LogFormat }
export interface HttpOptions {
  readonly address: string;
  readonly gracePeriodMs: number;
  readonly configFile: string | undefined;
  /** --debug.enable-profiling. */
  readonly profiling: boolean;
}
export interface GrpcServerOptions {
  readonly address: string;
  readonly gracePeriodMs: number;
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  readonly tlsClientCA: string | undefined;
  readonly maxConnectionAgeMs: number;
  /** --grpc-server-tls-min-version as upstream writes it ("1.3"). */
  readonly tlsMinVersion: string;
}
export interface ObjstoreFlagValue { readonly content: string; readonly source: string }

export function readLogOptions(f: FlagReader): LogOptions {
  const level = f.string('log.level');
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new FlagError('log.level', level, 'must be one of debug, info, warn, error');
  const format = f.string('log.format');
  if (format !== 'logfmt' && format !== 'json') throw new FlagError('log.format', format, 'must be one of logfmt, json');
  return { level: level as LogLevel, format };
}

function address(f: FlagReader, name: string): string {
  const v = f.string(name);
  try {
    parseHostPort(v);
  } catch (err) {
    throw new FlagError(name, v, errorMessage(err));
  }
  return v;
}

export function readHttpOptions(f: FlagReader): HttpOptions {
  return {
    address: address(f, 'http-address'), gracePeriodMs: f.durationMs('http-grace-period'), configFile: f.optionalString('http.config'),
    profiling: f.bool('debug.enable-profiling'),
  };
}

export function readGrpcServerOptions(f: FlagReader): GrpcServerOptions {
  const tlsCert = f.optionalString('grpc-server-tls-cert');
  const tlsKey = f.optionalString('grpc-server-tls-key');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new FlagError(tlsCert ? 'grpc-server-tls-key' : 'grpc-server-tls-cert', '', 'both --grpc-server-tls-cert and --grpc-server-tls-key are needed for TLS');
  }
  return {
    address: address(f, 'grpc-address'),
    gracePeriodMs: f.durationMs('grpc-grace-period'),
    tlsCert, tlsKey,
    tlsClientCA: f.optionalString('grpc-server-tls-client-ca'),
    maxConnectionAgeMs: f.durationMs('grpc-server-max-connection-age'),
    tlsMinVersion: tlsMinVersion(f),
  };
}

function tlsMinVersion(f: FlagReader): string {
  const v = f.string('grpc-server-tls-min-version');
  if (TLS_VERSIONS[v] === undefined) throw new FlagError('grpc-server-tls-min-version', v, `must be one of ${Object.keys(TLS_VERSIONS).join(', ')}`);
  return v;
}

/** The bucket YAML from --objstore.config-file or --objstore.config; a missing file fails here, naming it. */
export function readObjstoreFlag(f: FlagReader): ObjstoreFlagValue | undefined {
  return f.pathOrContent('objstore.config');
}

/** Every server mode's common flags, in upstream's order. */
export const SERVER_FLAGS: readonly FlagSpec[] = [...LOG_FLAGS, ...TRACING_FLAGS, ...HTTP_FLAGS, ...GRPC_SERVER_FLAGS];
