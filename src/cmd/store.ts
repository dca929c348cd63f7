// `thanos-ts store` (store gateway): flags as upstream's cmd/thanos/store.go.
import type { Command } from 'commander';
import { parseRelabelConfigs, type RelabelConfig } from '../block/relabel.js';
import type { RequestLimits } from '../store/bucket/limits.js';
import { OBJSTORE_FLAGS, SERVER_FLAGS, STORE_LIMIT_FLAGS, readGrpcServerOptions, readHttpOptions, readTracingFlag, readLogOptions, readObjstoreFlag } from './flag-groups.js';
import type { ObjstoreFlagValue } from './flag-groups.js';
import type { FlagReader, FlagSpec } from './flags.js';
import { FlagError } from './flags.js';
import { gossipFlags } from './removed-flags.js';
import { ensureUsableDir } from './data-dir.js';
import { defineMode, type ModeRegistry } from './mode.js';
import { serveMode } from './serve.js';

const NO_BLOCK_VIEWER = 'the thanos-ts store gateway has no block viewer UI or admin API yet, so there is nothing to configure';

export const STORE_FLAGS: readonly FlagSpec[] = [
  ...SERVER_FLAGS,
  { name: 'data-dir', default: './data', placeholder: 'dir', help: 'Local data directory used for caching purposes (index-header, in-mem cache items and meta.jsons).' },
  { name: 'cache-index-header', kind: 'bool', default: 'true', help: 'Cache TSDB index-headers on disk to reduce startup time.', support: 'refused' },
  { name: 'index-cache-size', default: '250MB', placeholder: 'bytes', help: 'Maximum size of items held in the in-memory index cache. Ignored if --index-cache.config or --index-cache.config-file option is specified.' },
  { name: 'index-cache.config-file', placeholder: 'file-path', help: 'Path to YAML file that contains index cache configuration.' },
  { name: 'index-cache.config', placeholder: 'content', help: 'Alternative to \'index-cache.config-file\' flag (mutually exclusive).' },
  { name: 'chunk-pool-size', default: '2GB', placeholder: 'bytes', help: 'Maximum size of concurrently allocatable bytes reserved strictly to reuse for chunks in memory.' },
  { name: 'store.grpc.touched-series-limit', default: '0', help: 'DEPRECATED: use store.limits.request-series.' },
  { name: 'store.grpc.series-sample-limit', default: '0', help: 'DEPRECATED: use store.limits.request-samples.' },
  { name: 'store.grpc.downloaded-bytes-limit', default: '0', help: 'Maximum amount of downloaded (either fetched or touched) bytes in a single Series/LabelNames/LabelValues call. 0 means no limit.' },
  { name: 'store.grpc.series-max-concurrency', default: '20', help: 'Maximum number of concurrent Series calls.' },
  ...OBJSTORE_FLAGS,
  { name: 'sync-block-duration', default: '15m', placeholder: 'duration', help: 'Repeat interval for syncing the blocks between local and remote view.' },
  { name: 'block-discovery-strategy', default: 'concurrent', help: 'One of concurrent, recursive.', support: 'refused' },
  { name: 'block-sync-concurrency', default: '20', help: 'Number of goroutines to use when constructing index-cache.json blocks from object storage. Must be equal or greater than 1.' },
  { name: 'block-meta-fetch-concurrency', default: '32', help: 'Number of goroutines to use when fetching block metadata from object storage.' },
  { name: 'min-time', default: '0000-01-01T00:00:00Z', placeholder: 'time', help: 'Start of time range limit to serve. Thanos Store will serve only metrics, which happened later than this value. Option can be a constant time in RFC3339 format or time duration relative to current time, such as -1d or 2h45m. Valid duration units are ms, s, m, h, d, w, y.' },
  { name: 'max-time', default: '9999-12-31T23:59:59Z', placeholder: 'time', help: 'End of time range limit to serve. Thanos Store will serve only blocks, which happened earlier than this value. Option can be a constant time in RFC3339 format or time duration relative to current time, such as -1d or 2h45m. Valid duration units are ms, s, m, h, d, w, y.' },
  { name: 'selector.relabel-config-file', placeholder: 'file-path', help: 'Path to YAML file with relabeling configuration that allows selecting blocks. It follows native Prometheus relabel-config syntax.' },
  { name: 'selector.relabel-config', placeholder: 'content', help: 'Alternative to \'selector.relabel-config-file\' flag (mutually exclusive).' },
  { name: 'consistency-delay', default: '0s', placeholder: 'duration', help: 'Minimum age of all blocks before they are being read. Set it to safe value (e.g 30m) if your object storage is eventually consistent.' },
  { name: 'ignore-deletion-marks-delay', default: '24h', placeholder: 'duration', help: 'Duration after which the blocks marked for deletion will be filtered out while fetching blocks.' },
  { name: 'store.enable-index-header-lazy-reader', kind: 'bool', help: 'If true, Store Gateway will lazy memory map index-header only once the block is required by a query.' },
  { name: 'store.enable-lazy-expanded-postings', kind: 'bool', help: 'If true, Store Gateway will estimate postings size and try to lazily expand postings if it downloads less data than expanding all postings.', support: 'refused' },
  { name: 'web.disable', kind: 'bool', help: 'Disable Block Viewer UI.', support: { ignored: NO_BLOCK_VIEWER } },
  { name: 'web.external-prefix', default: '', help: 'Static prefix for all HTML links and redirect URLs in the bucket web UI interface.', support: { ignored: NO_BLOCK_VIEWER } },
  { name: 'web.prefix-header', default: '', help: 'Name of HTTP request header used for dynamic prefixing of UI links and redirects.', support: { ignored: NO_BLOCK_VIEWER } },
  { name: 'web.disable-cors', kind: 'bool', help: 'Whether to disable CORS headers to be set by Thanos.', support: { ignored: NO_BLOCK_VIEWER } },
  { name: 'disable-admin-operations', kind: 'bool', help: 'Disable UI/API admin operations like marking blocks for deletion and no compaction.', support: { ignored: NO_BLOCK_VIEWER } },
  ...STORE_LIMIT_FLAGS,
  ...gossipFlags('ignored'),
];

export interface StoreOptions {
  readonly dataDir: string;
  readonly objstore: ObjstoreFlagValue;
  readonly indexCacheSize: number;
  readonly indexCache: ObjstoreFlagValue | undefined;
  readonly chunkPoolSize: number;
  readonly limits: RequestLimits;
  readonly maxConcurrency: number;
  readonly syncIntervalMs: number;
  readonly blockSyncConcurrency: number;
  readonly metaFetchConcurrency: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly relabel: readonly RelabelConfig[];
  readonly consistencyDelayMs: number;
  readonly ignoreDeletionMarksDelayMs: number;
  readonly lazyIndexHeader: boolean;
}

/** A deprecated flag wins only when the new one was left at 0, as upstream's alias handling. */
function limitFlag(f: FlagReader, name: string, deprecated: string): number {
  const v = f.int(name);
  return v !== 0 ? v : f.int(deprecated);
}

/** `bucket` overrides the objstore flags (standalone's embedded bucket). */
export function readStoreOptions(f: FlagReader, bucket?: ObjstoreFlagValue): StoreOptions {
  const objstore = bucket ?? readObjstoreFlag(f);
  if (!objstore) throw new FlagError('objstore.config-file', '', 'an object store configuration is required (--objstore.config-file or --objstore.config)');
  const minTime = f.timeMs('min-time');
  const maxTime = f.timeMs('max-time');
  if (minTime > maxTime) throw new FlagError('min-time', f.string('min-time'), `--min-time must be before --max-time (${f.string('max-time')})`);
  const relabel = f.pathOrContent('selector.relabel-config');
  const blockSyncConcurrency = f.int('block-sync-concurrency');
  if (blockSyncConcurrency < 1) throw new FlagError('block-sync-concurrency', String(blockSyncConcurrency), 'must be equal or greater than 1');
  return {
    dataDir: f.string('data-dir'),
    objstore,
    indexCacheSize: f.bytes('index-cache-size'),
    indexCache: f.pathOrContent('index-cache.config'),
    chunkPoolSize: f.bytes('chunk-pool-size'),
    limits: {
      series: limitFlag(f, 'store.limits.request-series', 'store.grpc.touched-series-limit'),
      samples: limitFlag(f, 'store.limits.request-samples', 'store.grpc.series-sample-limit'),
      downloadedBytes: f.bytes('store.grpc.downloaded-bytes-limit'),
    },
    maxConcurrency: f.int('store.grpc.series-max-concurrency'),
    syncIntervalMs: f.durationMs('sync-block-duration'),
    blockSyncConcurrency,
    metaFetchConcurrency: Math.max(1, f.int('block-meta-fetch-concurrency')),
    minTime,
    maxTime,
    relabel: relabel ? parseRelabelConfigs(relabel.content, relabel.source) : [],
    consistencyDelayMs: f.durationMs('consistency-delay'),
    ignoreDeletionMarksDelayMs: f.durationMs('ignore-deletion-marks-delay'),
    lazyIndexHeader: f.bool('store.enable-index-header-lazy-reader'),
  };
}


export function registerStore(program: Command, registry?: ModeRegistry): void {
  defineMode(program, {
    name: 'store',
    description: 'Store node giving access to blocks in a bucket provider. Supported: GCS, S3, Azure, Swift and the local filesystem.',
    flags: STORE_FLAGS,
    read: (f) => ({ log: readLogOptions(f), tracing: readTracingFlag(f), http: readHttpOptions(f), grpc: readGrpcServerOptions(f), store: readStoreOptions(f) }),
    run: async ({ log, tracing, http, grpc, store }) => {
      ensureUsableDir(store.dataDir, 'data-dir');
      await serveMode({ component: 'store', log, tracing, http, grpc, setup: async (rt) => (await import('./store-build.js')).buildStore(rt, store) });
    },
  }, registry);
}
