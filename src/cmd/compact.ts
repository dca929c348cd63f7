// `thanos-ts compact`: flags as upstream's cmd/thanos/compact.go. The compactor has no gRPC server.
import type { Command } from 'commander';
import { HTTP_FLAGS, LOG_FLAGS, OBJSTORE_FLAGS, readHttpOptions, readLogOptions, readObjstoreFlag } from './flag-groups.js';
import type { FlagSpec } from './flags.js';
import { NotBuiltError, defineMode, type ModeRegistry } from './mode.js';

export const COMPACT_FLAGS: readonly FlagSpec[] = [
  ...LOG_FLAGS,
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
  { name: 'compact.progress-interval', default: '5m', placeholder: 'duration', help: 'Frequency of calculating the compaction progress in the background when --wait has been enabled. Setting it to "0s" disables it. Now compaction, downsampling and retention progress are supported.' },
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

export function registerCompact(program: Command, registry?: ModeRegistry): void {
  defineMode(program, {
    name: 'compact',
    description: 'Continuously compacts blocks in an object store bucket. Not built yet in thanos-ts: exits 1 after checking its flags.',
    flags: COMPACT_FLAGS,
    read: (f) => {
      readLogOptions(f);
      readHttpOptions(f);
      readObjstoreFlag(f);
      const consistencyDelayMs = f.given('sync-delay') ? f.durationMs('sync-delay') : f.durationMs('consistency-delay');
      for (const name of ['retention.resolution-raw', 'retention.resolution-5m', 'retention.resolution-1h', 'wait-interval', 'delete-delay', 'compact.cleanup-interval', 'compact.progress-interval']) {
        f.durationMs(name);
      }
      f.timeMs('min-time');
      f.timeMs('max-time');
      return { consistencyDelayMs };
    },
    run: () => Promise.reject(new NotBuiltError('compact')),
  }, registry);
}
