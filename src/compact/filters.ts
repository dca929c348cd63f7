// The compactor's part of the meta filter chain (upstream pkg/block/fetcher.go and pkg/compact): replica labels
// removed from external labels (so replicas share a group) and no-compact marks gathered for the planner. The
// duplicate filter, which the store gateway runs too, is in block/filters.ts.

import { NO_COMPACT_MARK_FILENAME, parseNoCompactMark, type NoCompactMark } from '../block/markers.js';
import { type FetchResult, type MetaFilter } from '../block/fetcher.js';
import { readMarks } from '../block/filters.js';
import type { BucketReader } from '../objstore/bucket.js';
import { nopLogger, type Logger } from '../runtime/logger.js';

/**
 * Removes the replica labels (--deduplication.replica-label) from every block's external labels. A block left
 * without labels gets `<first replica label>="deduped"`, as upstream does, so it keeps an identity.
 */
export class ReplicaLabelRemover implements MetaFilter {
  /** Blocks changed by the last run (upstream's thanos_blocks_meta_modified{modified="replica-label-removed"}). */
  modified = 0;

  constructor(private readonly replicaLabels: readonly string[], private readonly logger: Logger = nopLogger) {}

  async filter(r: FetchResult): Promise<void> {
    this.modified = 0;
    if (this.replicaLabels.length === 0) return;
    for (const [id, m] of [...r.metas]) {
      const labels: Record<string, string> = { ...m.thanos.labels };
      for (const name of this.replicaLabels) {
        if (name in labels) { delete labels[name]; this.modified++; }
      }
      if (Object.keys(labels).length === 0) {
        this.logger.warn('block has no labels left, creating one', { block: id, [this.replicaLabels[0]!]: 'deduped' });
        labels[this.replicaLabels[0]!] = 'deduped';
      }
      r.metas.set(id, { ...m, thanos: { ...m.thanos, labels } });
    }
    if (this.modified > 0) r.modified.set('replica-label-removed', this.modified);
  }
}

export interface NoCompactMarkFilterOptions {
  readonly logger?: Logger;
  readonly concurrency?: number;
}

/**
 * Reads every block's no-compact-mark.json; the marks found are in `marks` for the planner, and counted under
 * `marked-for-no-compact`. The blocks stay in the result (upstream's default): they still bound the planner's windows.
 */
export class NoCompactMarkFilter implements MetaFilter {
  marks = new Map<string, NoCompactMark>();

  constructor(private readonly bucket: BucketReader, private readonly options: NoCompactMarkFilterOptions = {}) {}

  async filter(r: FetchResult, signal?: AbortSignal): Promise<void> {
    const marks = await readMarks(this.bucket, [...r.metas.keys()], NO_COMPACT_MARK_FILENAME, parseNoCompactMark, {
      concurrency: this.options.concurrency ?? 32, logger: this.options.logger ?? nopLogger, signal,
    });
    this.marks = marks;
    if (marks.size > 0) r.synced.set('marked-for-no-compact', (r.synced.get('marked-for-no-compact') ?? 0) + marks.size);
  }
}

