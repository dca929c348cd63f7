// `thanos-ts store` (store gateway): flags as upstream's cmd/thanos/store.go.
import type { Command } from 'commander';
import { OBJSTORE_FLAGS, SERVER_FLAGS, STORE_LIMIT_FLAGS, readGrpcServerOptions, readHttpOptions, readLogOptions, readObjstoreFlag } from './flag-groups.js';
import type { FlagSpec } from './flags.js';
import { FlagError } from './flags.js';
import { NotBuiltError, defineMode } from './mode.js';

export const STORE_FLAGS: readonly FlagSpec[] = [
  ...SERVER_FLAGS,
  { name: 'data-dir', default: './data', placeholder: 'dir', help: 'Local data directory used for caching purposes (index-header, in-mem cache items and meta.jsons).' },
  { name: 'cache-index-header', kind: 'bool', default: 'true', help: 'Cache TSDB index-headers on disk to reduce startup time.' },
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
  { name: 'block-discovery-strategy', default: 'concurrent', help: 'One of concurrent, recursive.' },
  { name: 'block-sync-concurrency', default: '20', help: 'Number of goroutines to use when constructing index-cache.json blocks from object storage. Must be equal or greater than 1.' },
  { name: 'block-meta-fetch-concurrency', default: '32', help: 'Number of goroutines to use when fetching block metadata from object storage.' },
  { name: 'min-time', default: '0000-01-01T00:00:00Z', placeholder: 'time', help: 'Start of time range limit to serve. Thanos Store will serve only metrics, which happened later than this value. Option can be a constant time in RFC3339 format or time duration relative to current time, such as -1d or 2h45m. Valid duration units are ms, s, m, h, d, w, y.' },
  { name: 'max-time', default: '9999-12-31T23:59:59Z', placeholder: 'time', help: 'End of time range limit to serve. Thanos Store will serve only blocks, which happened earlier than this value. Option can be a constant time in RFC3339 format or time duration relative to current time, such as -1d or 2h45m. Valid duration units are ms, s, m, h, d, w, y.' },
  { name: 'selector.relabel-config-file', placeholder: 'file-path', help: 'Path to YAML file with relabeling configuration that allows selecting blocks. It follows native Prometheus relabel-config syntax.' },
  { name: 'selector.relabel-config', placeholder: 'content', help: 'Alternative to \'selector.relabel-config-file\' flag (mutually exclusive).' },
  { name: 'consistency-delay', default: '0s', placeholder: 'duration', help: 'Minimum age of all blocks before they are being read. Set it to safe value (e.g 30m) if your object storage is eventually consistent.' },
  { name: 'ignore-deletion-marks-delay', default: '24h', placeholder: 'duration', help: 'Duration after which the blocks marked for deletion will be filtered out while fetching blocks.' },
  { name: 'store.enable-index-header-lazy-reader', kind: 'bool', help: 'If true, Store Gateway will lazy memory map index-header only once the block is required by a query.' },
  { name: 'store.enable-lazy-expanded-postings', kind: 'bool', help: 'If true, Store Gateway will estimate postings size and try to lazily expand postings if it downloads less data than expanding all postings.' },
  { name: 'web.disable', kind: 'bool', help: 'Disable Block Viewer UI.' },
  { name: 'web.external-prefix', default: '', help: 'Static prefix for all HTML links and redirect URLs in the bucket web UI interface.' },
  { name: 'web.prefix-header', default: '', help: 'Name of HTTP request header used for dynamic prefixing of UI links and redirects.' },
  { name: 'web.disable-cors', kind: 'bool', help: 'Whether to disable CORS headers to be set by Thanos. By default Thanos sets CORS headers to be allowed by all.' },
  { name: 'disable-admin-operations', kind: 'bool', help: 'Disable UI/API admin operations like marking blocks for deletion and no compaction.' },
  ...STORE_LIMIT_FLAGS,
];

export function registerStore(program: Command): void {
  defineMode(program, {
    name: 'store',
    description: 'Store node giving access to blocks in a bucket provider. Now supported GCS, S3, Azure, Swift, Tencent COS and Aliyun OSS.',
    flags: STORE_FLAGS,
    action: async (f) => {
      readLogOptions(f);
      readHttpOptions(f);
      readGrpcServerOptions(f);
      const objstore = readObjstoreFlag(f);
      f.bytes('index-cache-size');
      f.bytes('chunk-pool-size');
      f.durationMs('sync-block-duration');
      f.durationMs('consistency-delay');
      f.durationMs('ignore-deletion-marks-delay');
      const minTime = f.timeMs('min-time');
      const maxTime = f.timeMs('max-time');
      if (minTime > maxTime) throw new FlagError('min-time', f.string('min-time'), `--min-time must be before --max-time (${f.string('max-time')})`);
      if (!objstore) throw new FlagError('objstore.config-file', '', 'an object store configuration is required (--objstore.config-file or --objstore.config)');
      throw new NotBuiltError('store');
    },
  });
}
