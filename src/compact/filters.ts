// The compactor's part of the meta filter chain (upstream pkg/block/fetcher.go and pkg/compact): replica labels
// removed from external labels (so replicas share a group), blocks whose sources another block of the group already
// covers dropped as duplicates, and no-compact marks gathered for the planner.

import { NO_COMPACT_MARK_FILENAME, parseNoCompactMark, type NoCompactMark } from '../block/markers.js';
import { type FetchResult, type MetaFilter, type SyncState, type ThanosMeta } from '../block/fetcher.js';
import { readMarks } from '../block/filters.js';
import type { BucketReader } from '../objstore/bucket.js';
import { nopLogger, type Logger } from '../runtime/logger.js';
import { groupKey } from './group-key.js';

function drop(r: FetchResult, id: string, state: SyncState): void {
  r.metas.delete(id);
  r.synced.set(state, (r.synced.get(state) ?? 0) + 1);
}

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
  }
}

function containsAll(parent: readonly string[], child: readonly string[]): boolean {
  const set = new Set(parent);
  return child.every((s) => set.has(s));
}

/**
 * Drops blocks whose compaction sources are all covered by another block of the same group: the inputs of a
 * compaction that were not deleted yet, or the same block uploaded twice. Blocks are considered by descending
 * number of sources, then ULID; the first of equals stays.
 */
export class DeduplicateFilter implements MetaFilter {
  /** Blocks dropped by the last run. */
  duplicateIds: string[] = [];

  async filter(r: FetchResult): Promise<void> {
    const groups = new Map<string, ThanosMeta[]>();
    for (const m of r.metas.values()) {
      const key = groupKey(m.thanos.downsample.resolution, m.thanos.labels);
      let g = groups.get(key);
      if (!g) { g = []; groups.set(key, g); }
      g.push(m);
    }
    const dups: string[] = [];
    for (const g of groups.values()) {
      g.sort((a, b) => {
        const d = (b.compaction.sources?.length ?? 0) - (a.compaction.sources?.length ?? 0);
        return d !== 0 ? d : a.ulid < b.ulid ? -1 : a.ulid > b.ulid ? 1 : 0;
      });
      const covering: ThanosMeta[] = [];
      for (const m of g) {
        const sources = m.compaction.sources ?? [];
        if (covering.some((c) => containsAll(c.compaction.sources ?? [], sources))) dups.push(m.ulid);
        else covering.push(m);
      }
    }
    for (const id of dups) drop(r, id, 'duplicate');
    this.duplicateIds = dups;
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

