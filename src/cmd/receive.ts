// `thanos-ts receive`: flags as upstream's cmd/thanos/receive.go.
import type { Command } from 'commander';
import { OBJSTORE_FLAGS, SERVER_FLAGS, STORE_LIMIT_FLAGS, readGrpcServerOptions, readHttpOptions, readLogOptions, readObjstoreFlag } from './flag-groups.js';
import type { FlagSpec } from './flags.js';
import { NotBuiltError, defineMode, type ModeRegistry } from './mode.js';

export const RECEIVE_FLAGS: readonly FlagSpec[] = [
  ...SERVER_FLAGS,
  { name: 'remote-write.address', default: '0.0.0.0:19291', placeholder: 'host:port', help: 'Address to listen on for remote write requests.' },
  { name: 'remote-write.server-tls-cert', default: '', placeholder: 'file', help: 'TLS Certificate for HTTP server, leave blank to disable TLS.' },
  { name: 'remote-write.server-tls-key', default: '', placeholder: 'file', help: 'TLS Key for the HTTP server, leave blank to disable TLS.' },
  { name: 'remote-write.server-tls-client-ca', default: '', placeholder: 'file', help: 'TLS CA to verify clients against. If no client CA is specified, there is no client verification on server side. (tls.NoClientCert)' },
  { name: 'remote-write.client-tls-cert', default: '', placeholder: 'file', help: 'TLS Certificates to use to identify this client to the server.' },
  { name: 'remote-write.client-tls-key', default: '', placeholder: 'file', help: 'TLS Key for the client\'s certificate.' },
  { name: 'remote-write.client-tls-ca', default: '', placeholder: 'file', help: 'TLS CA Certificates to use to verify servers.' },
  { name: 'remote-write.client-server-name', default: '', help: 'Server name to verify the hostname on the returned TLS certificates.' },
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
  { name: 'receive.split-tenant-label-name', default: '', help: 'Label name through which the request will be split into multiple tenants.' },
  { name: 'receive.replica-header', default: 'THANOS-REPLICA', help: 'HTTP header specifying the replica number of a write request.' },
  { name: 'receive.replication-factor', default: '1', help: 'How many times to replicate incoming write requests.' },
  { name: 'receive.grpc-compression', default: 'snappy', help: 'Compression algorithm to use for gRPC requests to other receivers. Must be one of: snappy, none' },
  { name: 'receive.relabel-config-file', placeholder: 'file-path', help: 'Path to YAML file that contains relabeling configuration.' },
  { name: 'receive.relabel-config', placeholder: 'content', help: 'Alternative to \'receive.relabel-config-file\' flag (mutually exclusive).' },
  { name: 'receive.limits-config-file', placeholder: 'file-path', help: 'Path to YAML file that contains limit configuration.' },
  { name: 'receive.limits-config', placeholder: 'content', help: 'Alternative to \'receive.limits-config-file\' flag (mutually exclusive).' },
  { name: 'tsdb.out-of-order.time-window', default: '0s', placeholder: 'duration', help: '[EXPERIMENTAL] Configures the allowed time window for ingestion of out-of-order samples.' },
  { name: 'tsdb.too-far-in-future.time-window', default: '0s', placeholder: 'duration', help: 'Configures the allowed time window for ingesting samples too far in the future. Disabled (0s) by default.' },
  { name: 'tsdb.max-exemplars', default: '0', help: 'Enables support for ingesting exemplars and sets the maximum number of exemplars that will be stored per tenant.' },
  { name: 'tsdb.wal-compression', kind: 'bool', help: 'Compress the tsdb WAL.' },
  { name: 'tsdb.no-lockfile', kind: 'bool', help: 'Do not create lockfile in TSDB data directory.' },
  ...STORE_LIMIT_FLAGS,
];

export function registerReceive(program: Command, registry?: ModeRegistry): void {
  defineMode(program, {
    name: 'receive',
    description: 'Accept Prometheus remote write API requests and write to local tsdb. Not built yet in thanos-ts: exits 1 after checking its flags.',
    flags: RECEIVE_FLAGS,
    read: (f) => {
      readLogOptions(f);
      readHttpOptions(f);
      readGrpcServerOptions(f);
      readObjstoreFlag(f);
      f.labels('label');
      f.durationMs('tsdb.retention');
      f.int('receive.replication-factor');
    },
    run: () => Promise.reject(new NotBuiltError('receive')),
  }, registry);
}
