// `thanos-ts standalone`: every built mode in one process over an embedded FILESYSTEM bucket (or any bucket):
// the store gateway over the bucket, the querier over it (API + UI on the HTTP port, StoreAPI on the gRPC port),
// the compactor over the bucket (unless --compact.disable), with --prometheus.url a sidecar for that Prometheus, and
// with --rule-file rule groups evaluated over the querier's engine, with --receive a remote-write receiver whose
// per-tenant TSDBs the querier reads and whose blocks go to the bucket. Components are wired in-process, not over gRPC.
import path from 'node:path';
import type { Command } from 'commander';
import type { QuerierOptions } from './query-build.js';
import { OBJSTORE_FLAGS, SERVER_FLAGS, readGrpcServerOptions, readHttpOptions, readTracingFlag, readLogOptions, readObjstoreFlag } from './flag-groups.js';
import type { ObjstoreFlagValue } from './flag-groups.js';
import type { FlagReader, FlagSpec } from './flags.js';
import { ensureUsableDir } from './data-dir.js';
import { defineMode, type ModeRegistry } from './mode.js';
import { QUERY_FLAGS, readQuerierOptions } from './query.js';
import { serveMode } from './serve.js';
import { SIDECAR_FLAGS, readSidecarOptions } from './sidecar.js';
import { STORE_FLAGS, readStoreOptions } from './store.js';
import { RULE_EVAL_FLAG_NAMES, RULE_FLAGS, readRuleEvalOptions } from './rule.js';
import { RECEIVE_FLAGS, readIngestOptions, readRemoteWriteAddress, readRemoteWriteCert } from './receive.js';
import type { ReceiveOptions } from './receive.js';
import { ConfigError } from '../runtime/errors.js';

/** Standalone's own flags; the store, query and sidecar flags it shares are taken from those modes. */
const OWN_FLAGS: readonly FlagSpec[] = [
  { name: 'data-dir', default: './data', placeholder: 'dir', help: 'Local data directory: the embedded bucket lives in <data-dir>/bucket unless --objstore.config(-file) is given, the store gateway\'s cache in <data-dir>/store.' },
  { name: 'demo', kind: 'bool', help: 'Write a demo data set (two replicas of a small cluster over the last 2 days) into the bucket first.' },
  { name: 'compact.disable', kind: 'bool', help: 'Do not run the compactor over the bucket (it runs by default, as `thanos-ts compact -w`, its scratch space in <data-dir>/compact).' },
  { name: 'compact.wait-interval', default: '5m', placeholder: 'duration', help: 'Time between compactor iterations (compact --wait-interval).' },
  { name: 'compact.consistency-delay', default: '30m', placeholder: 'duration', help: 'Minimum age of fresh blocks before the compactor touches them (compact --consistency-delay).' },
  { name: 'compact.delete-delay', default: '48h', placeholder: 'duration', help: 'Time before a block marked for deletion is deleted (compact --delete-delay).' },
  { name: 'rule-file', kind: 'repeat', placeholder: 'path', help: 'Rule files (globs) to evaluate in-process over this querier, as `thanos-ts rule` does (repeated); results go to a TSDB in <data-dir>/rule that the querier reads, alerts to --alertmanagers.url / --alertmanagers.config. SIGHUP or POST /-/reload re-reads them. None by default.' },
  { name: 'compact.retention.resolution-raw', default: '0d', placeholder: 'duration', help: 'How long to retain raw samples in the bucket; 0d keeps them forever (compact --retention.resolution-raw).' },
  { name: 'receive', kind: 'bool', help: 'Also accept Prometheus remote write (1.0 and 2.0) on --remote-write.address, as `thanos-ts receive` does: per-tenant TSDBs in <data-dir>/receive that the querier reads, their 2h blocks uploaded to the bucket. Off by default.' },
];

/**
 * The receive flags standalone takes with --receive (a single node: no hashring, no forwarding; --tsdb.path is the
 * sidecar's). --label, declared with the rule flags, also gives the receiver's external labels.
 */
const RECEIVE_FLAG_NAMES: readonly string[] = [
  'remote-write.address', 'remote-write.server-tls-cert', 'remote-write.server-tls-key', 'remote-write.server-tls-client-ca',
  'tsdb.retention', 'receive.tenant-header', 'receive.tenant-label-name', 'receive.default-tenant-id', 'receive.replica-header',
  'receive.limits-config-file', 'receive.limits-config', 'tsdb.too-far-in-future.time-window', 'tsdb.wal-compression',
  'tsdb.min-block-duration', 'receive.auth-config-file', 'receive.decode-threads',
  'receive.max-inflight-request-bytes',
];
const STANDALONE_RECEIVE_FLAGS: readonly FlagSpec[] = RECEIVE_FLAGS.filter((spec) => RECEIVE_FLAG_NAMES.includes(spec.name))
  .map((spec) => ({ ...spec, help: `With --receive: ${spec.help}` }));

/** What --receive runs: the receive mode's options for one node over standalone's data dir and bucket. */
export type StandaloneReceiveOptions = Omit<ReceiveOptions, 'tls' | 'objstore' | 'storeLimits' | 'routing'> & {
  readonly tls: { certFile: string; keyFile: string; clientCaFile: string | undefined } | undefined;
};

function readStandaloneReceive(f: FlagReader, dataDir: string): StandaloneReceiveOptions | undefined {
  if (!f.bool('receive')) {
    // The receive flags act only with --receive: given without it they would be silently ignored.
    const stray = RECEIVE_FLAG_NAMES.find((name) => f.given(name));
    if (stray !== undefined) throw new ConfigError(`--${stray} needs --receive (standalone accepts remote write only when asked)`);
    return undefined;
  }
  const address = readRemoteWriteAddress(f);
  const { cert, key, ca } = readRemoteWriteCert(f);
  // --label (also the rule groups' external labels) when given; else one label naming the receiver.
  const labels = f.labels('label');
  return {
    remoteWriteAddress: address,
    tls: cert && key ? { certFile: cert, keyFile: key, clientCaFile: ca } : undefined,
    tsdbPath: path.join(dataDir, 'receive'),
    externalLabels: Object.keys(labels).length > 0 ? labels : { receive: 'standalone' },
    ...readIngestOptions(f),
  };
}

/** The ruler's flags standalone evaluates rules with (--rule-file is its own, with its own default). */
const RULE_EVAL_FLAGS = RULE_FLAGS.filter((spec) => RULE_EVAL_FLAG_NAMES.includes(spec.name) && spec.name !== 'rule-file');

/** Flags of the modes standalone runs, each once (the first declaration wins), so their readers work unchanged. */
function standaloneFlags(): FlagSpec[] {
  const seen = new Set<string>();
  const out: FlagSpec[] = [];
  // The rule flags come before the querier's, whose --alert.query-url (refused there) the rule groups implement.
  for (const spec of [...SERVER_FLAGS, ...OBJSTORE_FLAGS, ...OWN_FLAGS, ...RULE_EVAL_FLAGS, ...STORE_FLAGS, ...QUERY_FLAGS, ...SIDECAR_FLAGS, ...STANDALONE_RECEIVE_FLAGS]) {
    // Gossip-era flags are for manifests of separate components; standalone has no use for them.
    if (seen.has(spec.name) || spec.name.startsWith('cluster.') || spec.name === 'grpc-advertise-address') continue;
    seen.add(spec.name);
    // Standalone's own defaults: a local store cache, a querier that deduplicates the usual replica label,
    // a bucket re-synced often (the in-process sidecar uploads into it), and no sidecar unless asked for.
    if (spec.name === 'query.replica-label') out.push({ ...spec, kind: 'repeat', help: `${spec.help} Default in standalone: replica.` });
    else if (spec.name === 'sync-block-duration') out.push({ ...spec, default: '1m' });
    else if (spec.name === 'prometheus.url') out.push({ ...spec, default: '', help: 'When set, also run a sidecar for this Prometheus (its StoreAPI joins the querier; with --tsdb.path its blocks are shipped to the bucket).' });
    else out.push(spec);
  }
  return out;
}

/** The bucket config: the flags' when given, else a FILESYSTEM bucket under --data-dir. */
function bucketFlag(f: FlagReader, dataDir: string): ObjstoreFlagValue {
  return readObjstoreFlag(f) ?? {
    content: `type: FILESYSTEM\nconfig:\n  directory: ${JSON.stringify(path.resolve(dataDir, 'bucket'))}\n`,
    source: '--data-dir',
  };
}

export function registerStandalone(program: Command, registry?: ModeRegistry): void {
  defineMode(program, {
    name: 'standalone',
    description: 'Every built mode in one process (store gateway, querier, compactor, optional sidecar, rule groups and remote-write receiver) over an embedded filesystem bucket.',
    flags: standaloneFlags(),
    read: (f) => {
      const dataDir = f.string('data-dir');
      const objstore = bucketFlag(f, dataDir);
      const store = { ...readStoreOptions(f, objstore), dataDir: path.join(dataDir, 'store') };
      const replicaLabels = f.commaList('query.replica-label');
      const querier: QuerierOptions = {
        ...readQuerierOptions(f),
        replicaLabels: replicaLabels.length > 0 ? replicaLabels : ['replica'],
        // /api/v1/status/flags shows every standalone flag, not only the querier's (secrets redacted by display).
        flags: Object.fromEntries(standaloneFlags().filter((spec) => f.declared(spec.name)).map((spec) => [spec.name, f.display(spec)])),
      };
      const ruleEval = readRuleEvalOptions(f, { dataDir: path.join(dataDir, 'rule'), blockDurationMs: 2 * 3_600_000, walCompression: false }, []);
      if (ruleEval.ruleFiles.length === 0 && (ruleEval.alertmanagerUrls.length > 0 || ruleEval.alertmanagersConfig !== undefined)) {
        throw new ConfigError('--alertmanagers.url / --alertmanagers.config(-file) need --rule-file: standalone sends the alerts of its own rules');
      }
      const sidecar = f.string('prometheus.url') !== '' ? { ...readSidecarOptions(f), objstore: f.string('tsdb.path') !== '' ? objstore : undefined } : undefined;
      return {
        log: readLogOptions(f), tracing: readTracingFlag(f), http: readHttpOptions(f), grpc: readGrpcServerOptions(f), requestLogging: f.pathOrContent('request.logging-config'),
        objstore, store, querier, sidecar, demo: f.bool('demo'), rule: ruleEval.ruleFiles.length > 0 ? ruleEval : undefined,
        receive: readStandaloneReceive(f, dataDir),
        compact: f.bool('compact.disable') ? undefined : {
          dataDir: path.join(dataDir, 'compact'), waitIntervalMs: f.durationMs('compact.wait-interval'),
          consistencyDelayMs: f.durationMs('compact.consistency-delay'), deleteDelayMs: f.durationMs('compact.delete-delay'),
          retentionRawMs: f.durationMs('compact.retention.resolution-raw'),
        },
        webUi: { routePrefix: querier.routePrefix, externalPrefix: f.string('web.external-prefix'), prefixHeader: f.string('web.prefix-header') },
      };
    },
    run: async ({ log, tracing, http, grpc, requestLogging, ...parts }) => {
      ensureUsableDir(parts.store.dataDir, 'data-dir');
      if (parts.rule) ensureUsableDir(parts.rule.dataDir, 'data-dir');
      if (parts.receive) ensureUsableDir(parts.receive.tsdbPath, 'data-dir');
      await serveMode({
        component: 'standalone', log, tracing, http, grpc, requestLogging,
        setup: async (rt, app) => (await import('./standalone-build.js')).buildStandalone(rt, app, parts),
      });
    },
  }, registry);
}
