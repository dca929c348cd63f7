// The compactor's metrics under upstream's names and labels (pkg/compact, cmd/thanos/compact.go), so upstream's
// dashboards and mixin alerts (ThanosCompactHalted, ThanosCompactHighCompactionFailures, ...) work unchanged.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface CompactMetrics {
  readonly halted: Gauge;
  readonly iterations: Counter;
  readonly retries: Counter;
  readonly groupCompactions: Counter<'resolution'>;
  readonly groupRunsStarted: Counter<'resolution'>;
  readonly groupRunsCompleted: Counter<'resolution'>;
  readonly groupFailures: Counter<'resolution'>;
  readonly groupVertical: Counter<'resolution'>;
  readonly todoCompactions: Gauge;
  readonly todoCompactionBlocks: Gauge;
  readonly todoDeletionBlocks: Gauge;
  readonly gcRuns: Counter;
  readonly gcFailures: Counter;
  readonly gcDuration: Histogram;
  readonly gcBlocks: Counter;
  readonly blocksMarked: Counter<'marker' | 'reason'>;
  readonly blocksCleaned: Counter;
  readonly cleanupFailures: Counter;
  readonly cleanupLoops: Counter;
  readonly partialDeletionAttempts: Counter;
  readonly deleteDelay: Gauge;
  readonly consistencyDelay: Gauge;
}

/** Registers the compactor's metrics on `registry` (a private one when absent, for tests and tools). */
export function createCompactMetrics(registry: Registry = new Registry()): CompactMetrics {
  const registers = [registry];
  const res = ['resolution'] as const;
  return {
    halted: new Gauge({ name: 'thanos_compact_halted', help: 'Set to 1 if the compactor halted due to an unexpected error.', registers }),
    iterations: new Counter({ name: 'thanos_compact_iterations_total', help: 'Total number of iterations that were executed successfully.', registers }),
    retries: new Counter({ name: 'thanos_compact_retries_total', help: 'Total number of retries after retriable compactor error.', registers }),
    groupCompactions: new Counter({ name: 'thanos_compact_group_compactions_total', help: 'Total number of group compaction attempts that resulted in a new block.', labelNames: res, registers }),
    groupRunsStarted: new Counter({ name: 'thanos_compact_group_compaction_runs_started_total', help: 'Total number of group compaction attempts.', labelNames: res, registers }),
    groupRunsCompleted: new Counter({ name: 'thanos_compact_group_compaction_runs_completed_total', help: 'Total number of group completed compaction runs. This also includes compactor group runs that resulted with no compaction.', labelNames: res, registers }),
    groupFailures: new Counter({ name: 'thanos_compact_group_compactions_failures_total', help: 'Total number of failed group compactions.', labelNames: res, registers }),
    groupVertical: new Counter({ name: 'thanos_compact_group_vertical_compactions_total', help: 'Total number of group compaction attempts that resulted in a new block based on overlapping blocks.', labelNames: res, registers }),
    todoCompactions: new Gauge({ name: 'thanos_compact_todo_compactions', help: 'number of compactions to be done', registers }),
    todoCompactionBlocks: new Gauge({ name: 'thanos_compact_todo_compaction_blocks', help: 'number of blocks to be compacted', registers }),
    todoDeletionBlocks: new Gauge({ name: 'thanos_compact_todo_deletion_blocks', help: 'number of blocks that have crossed their retention period', registers }),
    gcRuns: new Counter({ name: 'thanos_compact_garbage_collection_total', help: 'Total number of garbage collection operations.', registers }),
    gcFailures: new Counter({ name: 'thanos_compact_garbage_collection_failures_total', help: 'Total number of failed garbage collection operations.', registers }),
    gcDuration: new Histogram({ name: 'thanos_compact_garbage_collection_duration_seconds', help: 'Time it took to perform garbage collection iteration.',
      buckets: [0.01, 0.1, 0.3, 0.6, 1, 3, 6, 9, 20, 30, 60, 90, 120, 240, 360, 720], registers }),
    gcBlocks: new Counter({ name: 'thanos_compact_garbage_collected_blocks_total', help: 'Total number of blocks marked for deletion by compactor.', registers }),
    blocksMarked: new Counter({ name: 'thanos_compact_blocks_marked_total', help: 'Total number of blocks marked in compactor.', labelNames: ['marker', 'reason'] as const, registers }),
    blocksCleaned: new Counter({ name: 'thanos_compact_blocks_cleaned_total', help: 'Total number of blocks deleted in compactor.', registers }),
    cleanupFailures: new Counter({ name: 'thanos_compact_block_cleanup_failures_total', help: 'Failures encountered while deleting blocks in compactor.', registers }),
    cleanupLoops: new Counter({ name: 'thanos_compact_block_cleanup_loops_total', help: 'Total number of concurrent cleanup loops of partially uploaded blocks and marked blocks run.', registers }),
    partialDeletionAttempts: new Counter({ name: 'thanos_compact_aborted_partial_uploads_deletion_attempts_total', help: 'Total number of started deletions of blocks that are assumed aborted and only partially uploaded.', registers }),
    deleteDelay: new Gauge({ name: 'thanos_delete_delay_seconds', help: 'Configured delete delay in seconds.', registers }),
    consistencyDelay: new Gauge({ name: 'thanos_consistency_delay_seconds', help: 'Configured consistency delay in seconds.', registers }),
  };
}

/** The marker/reason pairs upstream creates at 0 on start (cmd/thanos/compact.go), so alerts see them before any mark. */
export function initMarkedMetrics(m: CompactMetrics, vertical: boolean): void {
  m.blocksMarked.inc({ marker: 'no-compact-mark.json', reason: 'block-index-out-of-order-chunk' }, 0);
  m.blocksMarked.inc({ marker: 'no-compact-mark.json', reason: 'index-size-exceeding' }, 0);
  m.blocksMarked.inc({ marker: 'deletion-mark.json', reason: '' }, 0);
  if (vertical) m.blocksMarked.inc({ marker: 'no-compact-mark.json', reason: 'downsample-vertical-compaction' }, 0);
}

/**
 * Creates the per-resolution group counters at 0 for a group (upstream's grouper does so for every group it builds),
 * so rate() and the mixin's failure-ratio alerts see a series before the first compaction.
 */
export function initGroupMetrics(m: CompactMetrics, resolution: number): void {
  const labels = { resolution: String(resolution) };
  for (const c of [m.groupCompactions, m.groupRunsStarted, m.groupRunsCompleted, m.groupFailures, m.groupVertical]) c.inc(labels, 0);
}
