// `thanos-ts receive`: flags as upstream's cmd/thanos/receive.go and the options they become. No hashring:
// IngestorOnly; a hashring and --receive.local-endpoint: RouterIngestor; a hashring alone: RouterOnly (no TSDB).
// Wiring is in receive-build.ts.
import type { Command } from 'commander';
import { ensureUsableDir } from './data-dir.js';
import { OBJSTORE_FLAGS, SERVER_FLAGS, STORE_LIMIT_FLAGS, readGrpcServerOptions, readHttpOptions, readTracingFlag, readLogOptions, readObjstoreFlag, readSeriesLimits } from './flag-groups.js';
import type { ObjstoreFlagValue } from './flag-groups.js';
import { FlagError, type FlagReader, type FlagSpec } from './flags.js';
import { defineMode, type ModeRegistry } from './mode.js';
import { serveMode } from './serve.js';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import type { ClientTlsOptions } from '../runtime/grpc-tls.js';
import type { HashringAlgorithm } from '../receive/hashring/config.js';
import { parseHostPort, TLS_VERSIONS } from '../runtime/flag-values.js';
import { TlsServerFileConfig, type TlsServerFiles } from '../runtime/tls-server-files.js';

export const RECEIVE_FLAGS: readonly FlagSpec[] = [
  ...SERVER_FLAGS,
  { name: 'remote-write.address', default: '0.0.0.0:19291', placeholder: 'host:port', help: 'Address to listen on for remote write requests.' },
  { name: 'remote-write.server-tls-cert', default: '', placeholder: 'file', help: 'TLS Certificate for HTTP server, leave blank to disable TLS.' },
  { name: 'remote-write.server-tls-key', default: '', placeholder: 'file', help: 'TLS Key for the HTTP server, leave blank to disable TLS.' },
  { name: 'remote-write.server-tls-client-ca', default: '', placeholder: 'file', help: 'TLS CA to verify clients against. If no client CA is specified, there is no client verification on server side. (tls.NoClientCert)' },
  { name: 'remote-write.server-tls-min-version', default: '1.3', placeholder: 'version', help: 'TLS version for the HTTP server, leave blank to default to TLS 1.3, Allowed values: ["1.0", "1.1", "1.2", "1.3"]' },
  { name: 'remote-write.server-tls-ciphers', kind: 'repeat', placeholder: 'cipher', help: 'TLS cipher suites for the HTTP server (repeatable). If not specified, the default Go cipher suites are used. See https://pkg.go.dev/crypto/tls#pkg-constants for valid values.' },
  { name: 'remote-write.server-tls-curves', kind: 'repeat', placeholder: 'curve', help: 'TLS curves for the HTTP server (repeatable). If not specified, the default Go curves are used. Valid values: CurveP256, CurveP384, CurveP521, X25519.' },
  { name: 'remote-write.client-tls-cert', default: '', placeholder: 'file', help: 'TLS Certificates to use to identify this client to the server.' },
  { name: 'remote-write.client-tls-key', default: '', placeholder: 'file', help: 'TLS Key for the client\'s certificate.' },
  { name: 'remote-write.client-tls-secure', kind: 'bool', help: 'Use TLS when talking to the other receivers.' },
  { name: 'remote-write.client-tls-skip-verify', kind: 'bool', help: 'Disable TLS certificate verification when talking to the other receivers i.e self signed, signed by fake CA.' },
  { name: 'remote-write.client-tls-ca', default: '', placeholder: 'file', help: 'TLS CA Certificates to use to verify servers.' },
  { name: 'remote-write.client-server-name', default: '', help: 'Server name to verify the hostname on the returned TLS certificates.' },
  { name: 'remote-write.client-tls-min-version', default: '1.3', placeholder: 'version', help: 'TLS version for the gRPC client, leave blank to default to TLS 1.3, Allowed values: ["1.0", "1.1", "1.2", "1.3"]', support: { ignored: 'grpc-js clients have no minimum-version setting; they offer TLS 1.2 and 1.3 (the receivers\' own --grpc-server-tls-min-version, default 1.3, is enforced by their servers)' } },
  { name: 'tsdb.path', default: './data', placeholder: 'path', help: 'Data directory of TSDB.' },
  { name: 'label', kind: 'repeat', placeholder: 'key="value"', help: 'External labels to announce. This flag will be removed in the future when handling multiple tsdb instances is added.' },
  ...OBJSTORE_FLAGS,
  { name: 'tsdb.retention', default: '15d', placeholder: 'duration', help: 'How long to retain raw samples on local storage. 0d - disables the retention policy (i.e. infinite retention).' },
  { name: 'receive.hashrings-file', default: '', placeholder: 'path', help: 'Path to file that contains the hashring configuration. A watcher is initialized to watch changes and update the hashring dynamically.' },
  { name: 'receive.hashrings', default: '', placeholder: 'content', help: 'Alternative to \'receive.hashrings-file\' flag (lower priority). Content of file that contains the hashring configuration.' },
  { name: 'receive.hashrings-algorithm', default: 'hashmod', help: 'The algorithm used when distributing series in the hashrings. Must be one of hashmod, ketama.' },
  { name: 'receive.hashrings-file-refresh-interval', default: '5m', placeholder: 'duration', help: 'Refresh interval to re-read the hashring configuration file. (used as a fallback)' },
  { name: 'receive.local-endpoint', default: '', help: 'Endpoint of local receive node. Used to identify the local node in the hashring configuration. If it\'s empty AND hashring configuration was provided, it means that receive will run in RoutingOnly mode.' },
  { name: 'receive.tenant-header', default: 'THANOS-TENANT', help: 'HTTP header to determine tenant for write requests.' },
  { name: 'receive.tenant-label-name', default: 'tenant_id', help: 'Label name through which the tenant will be announced.' },
  { name: 'receive.default-tenant-id', default: 'default-tenant', help: 'Default tenant ID to use when none is provided via a header.' },
  { name: 'receive.split-tenant-label-name', default: '', help: 'Label name through which the request will be split into multiple tenants.', support: 'refused' },
  { name: 'receive.replica-header', default: 'THANOS-REPLICA', help: 'HTTP header specifying the replica number of a write request.' },
  { name: 'receive.replication-factor', default: '1', help: 'How many times to replicate incoming write requests.' },
  { name: 'receive.grpc-compression', default: 'snappy', help: 'Compression algorithm to use for gRPC requests to other receivers. Must be one of: snappy, none', support: { ignored: 'thanos-ts forwards uncompressed (grpc-js has no snappy codec); receivers on one network rarely gain from it' } },
  { name: 'receive.forward.async-workers', default: '5', help: 'Number of concurrent workers processing forwarding of remote-write requests.' },
  { name: 'receive-forward-timeout', default: '5s', placeholder: 'duration', help: 'Timeout for each forward request (upstream hides it).' },
  { name: 'receive-forward-max-backoff', default: '5s', placeholder: 'duration', help: 'Maximum backoff for a peer that answered Unavailable (upstream hides it).' },
  { name: 'receive.forward.max-inflight-bytes', default: '64MB', placeholder: 'bytes', help: 'thanos-ts only: bytes of forward requests queued or in flight per peer. Beyond it, writes to that peer fail at once as unavailable (503 unless quorum is met elsewhere) instead of buffering: a slow peer costs bounded memory. 0 = no cap.' },
  { name: 'receive.relabel-config-file', placeholder: 'file-path', help: 'Path to YAML file that contains relabeling configuration.', support: 'refused' },
  { name: 'receive.relabel-config', placeholder: 'content', help: 'Alternative to \'receive.relabel-config-file\' flag (mutually exclusive).', support: 'refused' },
  { name: 'receive.limits-config-file', placeholder: 'file-path', help: 'Path to YAML file that contains limit configuration.' },
  { name: 'receive.limits-config', placeholder: 'content', help: 'Alternative to \'receive.limits-config-file\' flag (mutually exclusive).' },
  { name: 'tsdb.out-of-order.time-window', default: '0s', placeholder: 'duration', help: '[EXPERIMENTAL] Configures the allowed time window for ingestion of out-of-order samples.', support: 'refused' },
  { name: 'tsdb.too-far-in-future.time-window', default: '0s', placeholder: 'duration', help: 'Configures the allowed time window for ingesting samples too far in the future. Disabled (0s) by default.' },
  { name: 'tsdb.max-exemplars', default: '0', help: 'Enables support for ingesting exemplars and sets the maximum number of exemplars that will be stored per tenant.', support: 'refused' },
  { name: 'tsdb.wal-compression', kind: 'bool', default: 'true', help: 'Compress the tsdb WAL.' },
  { name: 'tsdb.no-lockfile', kind: 'bool', help: 'Do not create lockfile in TSDB data directory.', support: { ignored: 'thanos-ts receive creates no lockfile' } },
  ...STORE_LIMIT_FLAGS,
  { name: 'receive.tenant-certificate-field', default: '', help: 'Use TLS client\'s certificate field to determine tenant for write requests. Must be one of organization, organizationalUnit or commonName. This setting will cause the receive.tenant-header flag value to be ignored.', support: 'refused' },
  { name: 'tsdb.min-block-duration', default: '2h', placeholder: 'duration', help: 'Min duration for local TSDB blocks (upstream hides it): the head is written out as blocks of this length.' },
  { name: 'tsdb.max-block-duration', default: '2h', placeholder: 'duration', help: 'Max duration for local TSDB blocks.', support: { ignored: 'receive never compacts its local blocks further (upstream disables that compaction too)' } },
  { name: 'receive.max-inflight-request-bytes', default: '32MB', placeholder: 'bytes', help: 'thanos-ts only: compressed bytes of remote-write requests being read, decoded, written or forwarded at once. A request past it is answered 503 before its body is read (Prometheus retries with backoff), so memory under overload stays bounded. A lone request is always admitted. 0 = no cap.' },
  { name: 'receive.decode-threads', default: '0', placeholder: 'n', help: 'thanos-ts only: worker threads that Snappy- and protobuf-decode remote-write bodies beside the thread that appends (a tenant always goes to the same one). 0 (default) decodes on that thread; -1 one per core beyond the first, 1 to 4. On a busy 2-core machine the workers cost more than they save (bench:receive --inline).' },
  { name: 'receive.auth-config-file', placeholder: 'file-path', help: 'thanos-ts only: YAML file of bearer tokens, each mapped to one tenant ("tokens: [{tenant, token | token_file}]"). When set, every remote write needs a token, and writes as that token\'s tenant only.' },
];

export interface ReceiveOptions {
  readonly remoteWriteAddress: string;
  /** --remote-write.server-tls-*: HTTPS on the remote-write port; undefined = plain HTTP. */
  readonly tls: TlsServerFiles | undefined;
  readonly tsdbPath: string;
  readonly externalLabels: Record<string, string>;
  readonly objstore: ObjstoreFlagValue | undefined;
  readonly retentionMs: number;
  readonly tenantHeader: string;
  readonly tenantLabelName: string;
  readonly defaultTenant: string;
  readonly replicaHeader: string;
  readonly limitsFile: string | undefined;
  readonly limitsContent: string | undefined;
  readonly tooFarInFutureMs: number;
  readonly walCompression: boolean;
  readonly blockDurationMs: number;
  readonly authFile: string | undefined;
  /** --receive.decode-threads: 0 none, -1 one per core beyond the first (1 to 4). */
  readonly decodeThreads: number;
  /** --receive.max-inflight-request-bytes (0 = no cap). */
  readonly maxInflightRequestBytes: number;
  readonly storeLimits: { series: number; samples: number };
  /** Routing through a hashring (RouterIngestor / RouterOnly); undefined = IngestorOnly. */
  readonly routing: ReceiveRoutingOptions | undefined;
}

export interface ReceiveRoutingOptions {
  /** --receive.hashrings-file (watched) or, when not given, --receive.hashrings (content). */
  readonly hashringsFile: string | undefined;
  readonly hashringsContent: string | undefined;
  readonly algorithm: HashringAlgorithm;
  readonly refreshMs: number;
  /** --receive.local-endpoint; undefined = RouterOnly. */
  readonly localEndpoint: string | undefined;
  readonly replicationFactor: number;
  readonly workers: number;
  readonly timeoutMs: number;
  readonly maxBackoffMs: number;
  readonly maxInflightBytes: number;
  readonly tls: ClientTlsOptions | undefined;
}

function readRouting(f: FlagReader): ReceiveRoutingOptions | undefined {
  const hashringsFile = f.optionalString('receive.hashrings-file');
  const hashringsContent = f.optionalString('receive.hashrings');
  const localEndpoint = f.optionalString('receive.local-endpoint');
  const algorithm = f.string('receive.hashrings-algorithm');
  if (algorithm !== 'hashmod' && algorithm !== 'ketama') throw new FlagError('receive.hashrings-algorithm', algorithm, 'must be one of hashmod, ketama');
  const refreshMs = f.durationMs('receive.hashrings-file-refresh-interval');
  const rf = f.int('receive.replication-factor');
  if (rf < 1) throw new FlagError('receive.replication-factor', String(rf), 'must be at least 1');
  const workers = f.int('receive.forward.async-workers');
  if (workers < 1) throw new FlagError('receive.forward.async-workers', String(workers), 'must be at least 1');
  const timeoutMs = f.durationMs('receive-forward-timeout');
  if (timeoutMs <= 0) throw new FlagError('receive-forward-timeout', f.string('receive-forward-timeout'), 'must be positive');
  const maxBackoffMs = f.durationMs('receive-forward-max-backoff');
  const maxInflightBytes = f.bytes('receive.forward.max-inflight-bytes');
  const cert = f.optionalString('remote-write.client-tls-cert');
  const key = f.optionalString('remote-write.client-tls-key');
  const ca = f.optionalString('remote-write.client-tls-ca');
  const serverName = f.optionalString('remote-write.client-server-name');
  const secure = f.bool('remote-write.client-tls-secure');
  const skipVerify = f.bool('remote-write.client-tls-skip-verify');
  if (!secure && (skipVerify || cert !== undefined || key !== undefined || ca !== undefined || serverName !== undefined)) {
    // Upstream ignores them too without --remote-write.client-tls-secure; say so instead of dialling plaintext silently.
    f.warnings.push('flags --remote-write.client-tls-skip-verify/-cert/-key/-ca and --remote-write.client-server-name are ignored: --remote-write.client-tls-secure is not set, so peers are dialled without TLS');
  }
  if (hashringsFile === undefined && hashringsContent === undefined) {
    // IngestorOnly: forwarding flags have nothing to act on, but a hashring-less node still serves forwarded writes.
    if (rf > 1) throw new ConfigError('--receive.replication-factor is more than 1 but no hashring is configured (--receive.hashrings-file or --receive.hashrings): nothing to replicate to');
    return undefined;
  }
  return {
    hashringsFile, hashringsContent: hashringsFile === undefined ? hashringsContent : undefined, algorithm, refreshMs, localEndpoint,
    replicationFactor: rf, workers, timeoutMs, maxBackoffMs, maxInflightBytes,
    tls: secure ? {
      secure: true, skipVerify, ...(cert !== undefined ? { certFile: cert } : {}), ...(key !== undefined ? { keyFile: key } : {}),
      ...(ca !== undefined ? { caFile: ca } : {}), ...(serverName !== undefined ? { serverName } : {}),
    } : undefined,
  };
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function readDecodeThreads(f: FlagReader): number {
  const n = f.int('receive.decode-threads');
  if (n < -1 || n > 64) throw new FlagError('receive.decode-threads', String(n), 'must be -1 (one per core beyond the first), 0 (none) or up to 64');
  return n;
}

/** --remote-write.address, checked as host:port. */
export function readRemoteWriteAddress(f: FlagReader): string {
  const address = f.string('remote-write.address');
  try {
    parseHostPort(address);
  } catch (err) {
    throw new FlagError('remote-write.address', address, errorMessage(err));
  }
  return address;
}

/** --remote-write.server-tls-cert/-key/-client-ca: cert and key come together or not at all. */
export function readRemoteWriteCert(f: FlagReader): { cert: string | undefined; key: string | undefined; ca: string | undefined } {
  const cert = f.optionalString('remote-write.server-tls-cert');
  const key = f.optionalString('remote-write.server-tls-key');
  const ca = f.optionalString('remote-write.server-tls-client-ca');
  if ((cert === undefined) !== (key === undefined)) {
    throw new FlagError(cert ? 'remote-write.server-tls-key' : 'remote-write.server-tls-cert', '', 'both --remote-write.server-tls-cert and --remote-write.server-tls-key are needed for TLS');
  }
  return { cert, key, ca };
}

/** What an ingesting node reads alike in receive and standalone: tenancy, limits, the TSDB's knobs. */
export type IngestOptions = Pick<ReceiveOptions, 'retentionMs' | 'tenantHeader' | 'tenantLabelName' | 'defaultTenant' | 'replicaHeader'
  | 'limitsFile' | 'limitsContent' | 'tooFarInFutureMs' | 'walCompression' | 'blockDurationMs' | 'authFile' | 'decodeThreads'
  | 'maxInflightRequestBytes'>;

export function readIngestOptions(f: FlagReader): IngestOptions {
  const tenantLabelName = f.string('receive.tenant-label-name');
  if (!LABEL_NAME.test(tenantLabelName)) throw new FlagError('receive.tenant-label-name', tenantLabelName, 'not a valid label name');
  const limitsFile = f.optionalString('receive.limits-config-file');
  const limitsContent = f.optionalString('receive.limits-config');
  if (limitsFile !== undefined && limitsContent !== undefined) throw new ConfigError('both --receive.limits-config-file and --receive.limits-config are set; use one');
  const blockDurationMs = f.durationMs('tsdb.min-block-duration');
  if (blockDurationMs <= 0) throw new FlagError('tsdb.min-block-duration', f.string('tsdb.min-block-duration'), 'must be positive');
  return {
    retentionMs: f.durationMs('tsdb.retention'),
    tenantHeader: f.string('receive.tenant-header'),
    tenantLabelName,
    defaultTenant: f.string('receive.default-tenant-id'),
    replicaHeader: f.string('receive.replica-header'),
    limitsFile,
    limitsContent,
    tooFarInFutureMs: f.durationMs('tsdb.too-far-in-future.time-window'),
    walCompression: f.bool('tsdb.wal-compression'),
    blockDurationMs,
    authFile: f.optionalString('receive.auth-config-file'),
    decodeThreads: readDecodeThreads(f),
    maxInflightRequestBytes: f.bytes('receive.max-inflight-request-bytes'),
  };
}

export function readReceiveOptions(f: FlagReader): ReceiveOptions {
  const address = readRemoteWriteAddress(f);
  const { cert, key, ca } = readRemoteWriteCert(f);
  const minVersion = f.string('remote-write.server-tls-min-version');
  if (TLS_VERSIONS[minVersion] === undefined) throw new FlagError('remote-write.server-tls-min-version', minVersion, `must be one of ${Object.keys(TLS_VERSIONS).join(', ')}`);
  const ciphers = f.list('remote-write.server-tls-ciphers');
  const curves = f.list('remote-write.server-tls-curves');
  if (!cert && ca !== undefined) throw new ConfigError('when a client CA is used a server key and certificate must also be provided', { where: '--remote-write.server-tls-client-ca' });
  if (!cert && (ciphers.length > 0 || curves.length > 0)) {
    throw new ConfigError('--remote-write.server-tls-ciphers and -curves need --remote-write.server-tls-cert and --remote-write.server-tls-key (TLS is off without them)');
  }
  const tls: TlsServerFiles | undefined = cert && key ? { certFile: cert, keyFile: key, clientCaFile: ca, minVersion, ciphers, curves } : undefined;
  // Unknown cipher or curve names fail here, naming the flag, rather than when the listener opens.
  if (tls) new TlsServerFileConfig(tls, '--remote-write.server-tls');
  const labels = f.labels('label');
  if (Object.keys(labels).length === 0) {
    throw new ConfigError('no external labels configured for receive, uniquely identifying external labels must be configured (ideally with `receive_` prefix); see https://thanos.io/tip/thanos/storage.md#external-labels');
  }
  return {
    remoteWriteAddress: address,
    tls,
    tsdbPath: f.string('tsdb.path'),
    externalLabels: labels,
    objstore: readObjstoreFlag(f),
    ...readIngestOptions(f),
    storeLimits: readSeriesLimits(f) ?? { series: 0, samples: 0 },
    routing: readRouting(f),
  };
}

export function registerReceive(program: Command, registry?: ModeRegistry): void {
  defineMode(program, {
    name: 'receive',
    description: 'Accept Prometheus remote write API requests and write to local tsdb.',
    flags: RECEIVE_FLAGS,
    read: (f) => ({ log: readLogOptions(f), tracing: readTracingFlag(f), http: readHttpOptions(f), grpc: readGrpcServerOptions(f), receive: readReceiveOptions(f) }),
    run: async ({ log, tracing, http, grpc, receive }) => {
      // RouterOnly opens no TSDB: its --tsdb.path is never created.
      if (receive.routing?.localEndpoint !== undefined || receive.routing === undefined) ensureUsableDir(receive.tsdbPath, 'tsdb.path');
      await serveMode({ component: 'receive', log, tracing, http, grpc, setup: async (rt) => (await import('./receive-build.js')).buildReceive(rt, receive) });
    },
  }, registry);
}
