// `thanos-ts receive`: flags as upstream's cmd/thanos/receive.go and the options they become; the IngestorOnly mode
// (no hashring): remote write into per-tenant TSDBs, served over the StoreAPI. Wiring is in receive-build.ts.
import type { Command } from 'commander';
import { ensureUsableDir } from './data-dir.js';
import { OBJSTORE_FLAGS, SERVER_FLAGS, STORE_LIMIT_FLAGS, readGrpcServerOptions, readHttpOptions, readTracingFlag, readLogOptions, readObjstoreFlag } from './flag-groups.js';
import type { ObjstoreFlagValue } from './flag-groups.js';
import { FlagError, type FlagReader, type FlagSpec } from './flags.js';
import { defineMode, type ModeRegistry } from './mode.js';
import { serveMode } from './serve.js';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import { parseHostPort } from '../runtime/flag-values.js';

export const RECEIVE_FLAGS: readonly FlagSpec[] = [
  ...SERVER_FLAGS,
  { name: 'remote-write.address', default: '0.0.0.0:19291', placeholder: 'host:port', help: 'Address to listen on for remote write requests.' },
  { name: 'remote-write.server-tls-cert', default: '', placeholder: 'file', help: 'TLS Certificate for HTTP server, leave blank to disable TLS.' },
  { name: 'remote-write.server-tls-key', default: '', placeholder: 'file', help: 'TLS Key for the HTTP server, leave blank to disable TLS.' },
  { name: 'remote-write.server-tls-client-ca', default: '', placeholder: 'file', help: 'TLS CA to verify clients against. If no client CA is specified, there is no client verification on server side. (tls.NoClientCert)' },
  { name: 'remote-write.client-tls-cert', default: '', placeholder: 'file', help: 'TLS Certificates to use to identify this client to the server.', support: { ignored: 'used only to forward to other receivers through a hashring, which thanos-ts receive does not do yet' } },
  { name: 'remote-write.client-tls-key', default: '', placeholder: 'file', help: 'TLS Key for the client\'s certificate.', support: { ignored: 'used only to forward to other receivers through a hashring, which thanos-ts receive does not do yet' } },
  { name: 'remote-write.client-tls-ca', default: '', placeholder: 'file', help: 'TLS CA Certificates to use to verify servers.', support: { ignored: 'used only to forward to other receivers through a hashring, which thanos-ts receive does not do yet' } },
  { name: 'remote-write.client-server-name', default: '', help: 'Server name to verify the hostname on the returned TLS certificates.', support: { ignored: 'used only to forward to other receivers through a hashring, which thanos-ts receive does not do yet' } },
  { name: 'tsdb.path', default: './data', placeholder: 'path', help: 'Data directory of TSDB.' },
  { name: 'label', kind: 'repeat', placeholder: 'key="value"', help: 'External labels to announce. This flag will be removed in the future when handling multiple tsdb instances is added.' },
  ...OBJSTORE_FLAGS,
  { name: 'tsdb.retention', default: '15d', placeholder: 'duration', help: 'How long to retain raw samples on local storage. 0d - disables the retention policy (i.e. infinite retention).' },
  { name: 'receive.hashrings-file', default: '', placeholder: 'path', help: 'Path to file that contains the hashring configuration. A watcher is initialized to watch changes and update the hashring dynamically.', support: 'refused' },
  { name: 'receive.hashrings', default: '', placeholder: 'content', help: 'Alternative to \'receive.hashrings-file\' flag (lower priority). Content of file that contains the hashring configuration.', support: 'refused' },
  { name: 'receive.hashrings-algorithm', default: 'hashmod', help: 'The algorithm used when distributing series in the hashrings. Must be one of hashmod, ketama.', support: 'refused' },
  { name: 'receive.hashrings-file-refresh-interval', default: '5m', placeholder: 'duration', help: 'Refresh interval to re-read the hashring configuration file. (used as a fallback)', support: 'refused' },
  { name: 'receive.local-endpoint', default: '', help: 'Endpoint of local receive node. Used to identify the local node in the hashring configuration. If it\'s empty AND hashring configuration was provided, it means that receive will run in RoutingOnly mode.', support: 'refused' },
  { name: 'receive.tenant-header', default: 'THANOS-TENANT', help: 'HTTP header to determine tenant for write requests.' },
  { name: 'receive.tenant-label-name', default: 'tenant_id', help: 'Label name through which the tenant will be announced.' },
  { name: 'receive.default-tenant-id', default: 'default-tenant', help: 'Default tenant ID to use when none is provided via a header.' },
  { name: 'receive.split-tenant-label-name', default: '', help: 'Label name through which the request will be split into multiple tenants.', support: 'refused' },
  { name: 'receive.replica-header', default: 'THANOS-REPLICA', help: 'HTTP header specifying the replica number of a write request.' },
  { name: 'receive.replication-factor', default: '1', help: 'How many times to replicate incoming write requests.', support: 'refused' },
  { name: 'receive.grpc-compression', default: 'snappy', help: 'Compression algorithm to use for gRPC requests to other receivers. Must be one of: snappy, none', support: { ignored: 'used only to forward to other receivers through a hashring, which thanos-ts receive does not do yet' } },
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
  { name: 'receive.auth-config-file', placeholder: 'file-path', help: 'thanos-ts only: YAML file of bearer tokens, each mapped to one tenant ("tokens: [{tenant, token | token_file}]"). When set, every remote write needs a token, and writes as that token\'s tenant only.' },
];

export interface ReceiveOptions {
  readonly remoteWriteAddress: string;
  readonly tls: { certFile: string; keyFile: string; clientCaFile: string | undefined } | undefined;
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
  readonly storeLimits: { series: number; samples: number };
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function readReceiveOptions(f: FlagReader): ReceiveOptions {
  const address = f.string('remote-write.address');
  try {
    parseHostPort(address);
  } catch (err) {
    throw new FlagError('remote-write.address', address, errorMessage(err));
  }
  const cert = f.optionalString('remote-write.server-tls-cert');
  const key = f.optionalString('remote-write.server-tls-key');
  const ca = f.optionalString('remote-write.server-tls-client-ca');
  if ((cert === undefined) !== (key === undefined)) {
    throw new FlagError(cert ? 'remote-write.server-tls-key' : 'remote-write.server-tls-cert', '', 'both --remote-write.server-tls-cert and --remote-write.server-tls-key are needed for TLS');
  }
  const labels = f.labels('label');
  if (Object.keys(labels).length === 0) {
    throw new ConfigError('no external labels configured for receive, uniquely identifying external labels must be configured (ideally with `receive_` prefix); see https://thanos.io/tip/thanos/storage.md#external-labels');
  }
  const tenantLabelName = f.string('receive.tenant-label-name');
  if (!LABEL_NAME.test(tenantLabelName)) throw new FlagError('receive.tenant-label-name', tenantLabelName, 'not a valid label name');
  const limitsFile = f.optionalString('receive.limits-config-file');
  const limitsContent = f.optionalString('receive.limits-config');
  if (limitsFile !== undefined && limitsContent !== undefined) throw new ConfigError('both --receive.limits-config-file and --receive.limits-config are set; use one');
  const blockDurationMs = f.durationMs('tsdb.min-block-duration');
  if (blockDurationMs <= 0) throw new FlagError('tsdb.min-block-duration', f.string('tsdb.min-block-duration'), 'must be positive');
  return {
    remoteWriteAddress: address,
    tls: cert && key ? { certFile: cert, keyFile: key, clientCaFile: ca } : undefined,
    tsdbPath: f.string('tsdb.path'),
    externalLabels: labels,
    objstore: readObjstoreFlag(f),
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
    storeLimits: { series: f.int('store.limits.request-series'), samples: f.int('store.limits.request-samples') },
  };
}

export function registerReceive(program: Command, registry?: ModeRegistry): void {
  defineMode(program, {
    name: 'receive',
    description: 'Accept Prometheus remote write API requests and write to local tsdb.',
    flags: RECEIVE_FLAGS,
    read: (f) => ({ log: readLogOptions(f), tracing: readTracingFlag(f), http: readHttpOptions(f), grpc: readGrpcServerOptions(f), receive: readReceiveOptions(f) }),
    run: async ({ log, tracing, http, grpc, receive }) => {
      ensureUsableDir(receive.tsdbPath, 'tsdb.path');
      await serveMode({ component: 'receive', log, tracing, http, grpc, setup: async (rt) => (await import('./receive-build.js')).buildReceive(rt, receive) });
    },
  }, registry);
}
