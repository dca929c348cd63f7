// `thanos-ts compact`: flags as upstream's cmd/thanos/compact.go, read into CompactOptions and handed to the
// compactor (src/compact) under the HTTP server (/metrics, /-/healthy, /-/ready). The compactor has no gRPC server.
import type { Command } from 'commander';
import { retentionDownsamplingWarnings } from '../compact/downsample-pass.js';
import { parseRelabelConfigs, type RelabelConfig } from '../block/relabel.js';
import type { RetentionByResolution } from '../compact/retention.js';
import { HTTP_FLAGS, LOG_FLAGS, OBJSTORE_FLAGS, TRACING_FLAGS, readHttpOptions, readLogOptions, readObjstoreFlag, readTracingFlag } from './flag-groups.js';
import type { HttpOptions, LogOptions, ObjstoreFlagValue } from './flag-groups.js';
import { FlagError, type FlagReader, type FlagSpec } from './flags.js';
import { ensureUsableDir } from './data-dir.js';
import { defineMode, type ModeRegistry } from './mode.js';
import { serveMode } from './serve.js';


export const COMPACT_FLAGS: readonly FlagSpec[] = [
  ...LOG_FLAGS,
  ...TRACING_FLAGS,
  ...HTTP_FLAGS,
  { name: 'data-dir', default: './data', placeholder: 'dir', help: 'Data directory in which to cache blocks and process compactions.' },
  ...OBJSTORE_FLAGS,
  { name: 'consistency-delay', default: '30m', placeholder: 'duration', help: 'Minimum age of fresh (non-compacted) blocks before they are being processed. Malformed blocks older than the maximum of consistency-delay and 48h0m0s will be removed.' },
  // Upstream renamed it in v0.5; manifests of that time still pass it.
  { name: 'sync-delay', placeholder: 'duration', help: 'Old name of --consistency-delay (upstream before v0.5); overrides it when given.', support: { deprecated: 'use --consistency-delay (same meaning)' } },
  { name: 'retention.resolution-raw', default: '0d', placeholder: 'duration', help: 'How long to retain raw samples in bucket. Setting this to 0d will retain samples of this resolution forever' },
  { name: 'retention.resolution-5m', default: '0d', placeholder: 'duration', help: 'How long to retain samples of resolution 1 (5 minutes) in bucket. Setting this to 0d will retain samples of this resolution forever' },
  { name: 'retention.resolution-1h', default: '0d', placeholder: 'duration', help: 'How long to retain samples of resolution 2 (1 hour) in bucket. Setting this to 0d will retain samples of this resolution forever' },
  { name: 'wait', short: 'w', kind: 'bool', help: 'Do not exit after all compactions have been processed and wait for new work.' },
  { name: 'wait-interval', default: '5m', placeholder: 'duration', help: 'Wait interval between consecutive compaction runs and bucket refreshes. Only works when --wait flag specified.' },
  { name: 'downsampling.disable', kind: 'bool', help: 'Disables downsampling. This is not recommended as querying long time ranges without non-downsampled data is not efficient and useful e.g it is not possible to render all samples for a human eye anyway' },
  { name: 'block-discovery-strategy', default: 'concurrent', help: 'One of concurrent, recursive.' },
  { name: 'block-meta-fetch-concurrency', default: '32', help: 'Number of goroutines to use when fetching block metadata from object storage.' },
  { name: 'block-files-concurrency', default: '1', help: 'Number of goroutines to use when fetching/uploading block files from object storage.' },
  { name: 'compact.concurrency', default: '1', help: 'Number of goroutines to use when compacting groups.' },
  { name: 'compact.blocks-fetch-concurrency', default: '1', help: 'Number of goroutines to use when download block during compaction.' },
  { name: 'compact.cleanup-interval', default: '5m', placeholder: 'duration', help: 'How often we should clean up partially uploaded blocks and blocks with deletion mark in the background when --wait has been enabled. Setting it to "0s" disables it - the cleaning will only happen at the end of an iteration.' },
  { name: 'compact.progress-interval', default: '5m', placeholder: 'duration', help: 'Frequency of calculating the compaction progress in the background when --wait has been enabled. Setting it to "0s" disables it. Now compaction, downsampling and retention progress are supported.', support: { ignored: 'the progress gauges (thanos_compact_todo_*) are computed at the end of every iteration' } },
  { name: 'downsample.concurrency', default: '1', help: 'Number of goroutines to use when downsampling blocks.' },
  { name: 'delete-delay', default: '48h', placeholder: 'duration', help: 'Time before a block marked for deletion is deleted from bucket. If delete-delay is non zero, blocks will be marked for deletion and compactor component will delete blocks marked for deletion from the bucket. If delete-delay is 0, blocks will be deleted straight away.' },
  { name: 'deduplication.func', default: '', help: 'Experimental. Deduplication algorithm for merging overlapping blocks. Possible values are: "", "penalty". If no value is specified, the default compact deduplication merger is used, which performs 1:1 deduplication for samples.' },
  { name: 'deduplication.replica-label', kind: 'repeat', placeholder: 'label', help: 'Label to treat as a replica indicator of blocks that can be deduplicated (repeated flag). This will merge multiple replica blocks into one. This process is irreversible.' },
  { name: 'min-time', default: '0000-01-01T00:00:00Z', placeholder: 'time', help: 'Start of time range limit to compact. Thanos Compactor will compact only blocks, which happened later than this value.' },
  { name: 'max-time', default: '9999-12-31T23:59:59Z', placeholder: 'time', help: 'End of time range limit to compact. Thanos Compactor will compact only blocks, which happened earlier than this value.' },
  { name: 'selector.relabel-config-file', placeholder: 'file-path', help: 'Path to YAML file with relabeling configuration that allows selecting blocks.' },
  { name: 'selector.relabel-config', placeholder: 'content', help: 'Alternative to \'selector.relabel-config-file\' flag (mutually exclusive).' },
  { name: 'web.disable', kind: 'bool', help: 'Disable Block Viewer UI.' },
  { name: 'web.external-prefix', default: '', help: 'Static prefix for all HTML links and redirect URLs in the bucket web UI interface.' },
  { name: 'web.route-prefix', default: '', help: 'Prefix for API and UI endpoints.' },
  { name: 'disable-admin-operations', kind: 'bool', help: 'Disable UI/API admin operations like marking blocks for deletion and no compaction.' },
];

export interface CompactOptions {
  readonly log: LogOptions;
  readonly http: HttpOptions;
  readonly dataDir: string;
  readonly objstore: ObjstoreFlagValue;
  readonly consistencyDelayMs: number;
  readonly retention: RetentionByResolution;
  readonly wait: boolean;
  readonly waitIntervalMs: number;
  readonly downsamplingDisabled: boolean;
  /** --downsample.concurrency: blocks downsampled at once. */
  readonly downsampleConcurrency: number;
  readonly metaFetchConcurrency: number;
  readonly blockFilesConcurrency: number;
  readonly concurrency: number;
  readonly blocksFetchConcurrency: number;
  readonly cleanupIntervalMs: number;
  readonly deleteDelayMs: number;
  readonly dedupFunc: '' | 'penalty';
  readonly replicaLabels: readonly string[];
  readonly minTime: number;
  readonly maxTime: number;
  readonly relabel: readonly RelabelConfig[];
  /** The block viewer (only with --wait, as upstream): off with --web.disable. */
  readonly web: { readonly enabled: boolean; readonly routePrefix: string; readonly externalPrefix: string; readonly disableAdmin: boolean };
  /** Warnings to log once the logger exists (upstream logs them at start). */
  readonly warnings: readonly string[];
}

function positive(f: FlagReader, name: string): number {
  const v = f.int(name);
  if (v < 1) throw new FlagError(name, String(v), 'must be at least 1');
  return v;
}


/** `bucket` overrides the objstore flags (standalone's embedded bucket). */
export function readCompactOptions(f: FlagReader, bucket?: ObjstoreFlagValue): CompactOptions {
  const log = readLogOptions(f);
  const http = readHttpOptions(f);
  const consistencyDelayMs = f.given('sync-delay') ? f.durationMs('sync-delay') : f.durationMs('consistency-delay');
  const retention = {
    raw: f.durationMs('retention.resolution-raw'),
    fiveMinutes: f.durationMs('retention.resolution-5m'),
    oneHour: f.durationMs('retention.resolution-1h'),
  };
  const warnings: string[] = [];
  const downsamplingDisabled = f.bool('downsampling.disable');
  // Upstream refuses to start on these; thanos-ts warns, naming what will never be downsampled, so the Swift guide's
  // short test retentions still run.
  warnings.push(...retentionDownsamplingWarnings({
    rawMs: retention.raw, fiveMinMs: retention.fiveMinutes, oneHourMs: retention.oneHour, downsamplingDisabled,
  }));
  const strategy = f.string('block-discovery-strategy');
  if (strategy !== 'concurrent' && strategy !== 'recursive') throw new FlagError('block-discovery-strategy', strategy, 'must be one of concurrent, recursive');
  const dedupFunc = f.string('deduplication.func');
  if (dedupFunc !== '' && dedupFunc !== 'penalty') throw new FlagError('deduplication.func', dedupFunc, 'must be "" (exact duplicates) or "penalty"');
  const replicaLabels = f.commaList('deduplication.replica-label');
  if (dedupFunc === 'penalty' && replicaLabels.length === 0) {
    throw new FlagError('deduplication.func', dedupFunc, 'penalty deduplication needs at least one --deduplication.replica-label');
  }
  const minTime = f.timeMs('min-time');
  const maxTime = f.timeMs('max-time');
  if (minTime > maxTime) throw new FlagError('min-time', f.string('min-time'), `--min-time must be before --max-time (${f.string('max-time')})`);
  const relabel = f.pathOrContent('selector.relabel-config');
  const waitIntervalMs = f.durationMs('wait-interval');
  const cleanupIntervalMs = f.durationMs('compact.cleanup-interval');
  const deleteDelayMs = f.durationMs('delete-delay');
  // Checked after the values above, so a malformed flag is reported before a missing bucket (as upstream's parser).
  const objstore = bucket ?? readObjstoreFlag(f);
  if (!objstore) throw new FlagError('objstore.config-file', '', 'an object store configuration is required (--objstore.config-file or --objstore.config)');
  const wait = f.bool('wait');
  if (wait && waitIntervalMs <= 0) throw new FlagError('wait-interval', f.string('wait-interval'), 'must be above 0 with --wait');
  const prefix = (name: string): string => {
    const v = f.string(name).replace(/\/+$/, '');
    return v === '' || v.startsWith('/') || /^https?:\/\//.test(v) ? v : `/${v}`;
  };
  const web = { enabled: !f.bool('web.disable'), routePrefix: prefix('web.route-prefix'), externalPrefix: prefix('web.external-prefix'), disableAdmin: f.bool('disable-admin-operations') };
  return {
    web, log, http, objstore, consistencyDelayMs, retention, wait, waitIntervalMs, downsamplingDisabled, warnings,
    dataDir: f.string('data-dir'),
    metaFetchConcurrency: positive(f, 'block-meta-fetch-concurrency'),
    blockFilesConcurrency: positive(f, 'block-files-concurrency'),
    concurrency: positive(f, 'compact.concurrency'),
    downsampleConcurrency: positive(f, 'downsample.concurrency'),
    blocksFetchConcurrency: positive(f, 'compact.blocks-fetch-concurrency'),
    cleanupIntervalMs, deleteDelayMs,
    dedupFunc, replicaLabels, minTime, maxTime,
    relabel: relabel ? parseRelabelConfigs(relabel.content, relabel.source) : [],
  };
}

export function registerCompact(program: Command, registry?: ModeRegistry): void {
  defineMode(program, {
    name: 'compact',
    description: 'Continuously compacts blocks in an object store bucket.',
    flags: COMPACT_FLAGS,
    read: (f) => ({ ...readCompactOptions(f), tracing: readTracingFlag(f) }),
    run: async (o) => {
      ensureUsableDir(o.dataDir, 'data-dir');
      await serveMode({ component: 'compact', log: o.log, tracing: o.tracing, http: o.http, setup: async (rt, app) => (await import('./compact-build.js')).buildCompactor(rt, app, o) });
    },
  }, registry);
}
