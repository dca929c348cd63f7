// Meta fetcher filters (upstream pkg/block/fetcher.go + pkg/block/metadata): time partitioning, relabel-based
// sharding over external labels and __block_id, hiding blocks whose deletion mark is older than a delay, the
// consistency delay, and dropping blocks another block of their group already covers (the compactor and the store
// gateway both run it). Each removes blocks from a FetchResult and counts them under its sync state.

import type { BucketReader } from '../objstore/bucket.js';
import { readAll } from '../objstore/streams.js';
import { errorMessage } from '../runtime/errors.js';
import { nopLogger, type Logger } from '../runtime/logger.js';
import { externalLabels, mapConcurrent, type FetchResult, type MetaFilter, type SyncState, type ThanosMeta } from './fetcher.js';
import { groupKey } from './group-key.js';
import { DELETION_MARK_FILENAME, parseDeletionMark, type DeletionMark } from './markers.js';
import { relabel, type RelabelConfig } from './relabel.js';

/** The label carrying the block ID during selector relabelling. */
export const BLOCK_ID_LABEL = '__block_id';

function drop(r: FetchResult, id: string, state: SyncState): void {
  r.metas.delete(id);
  r.synced.set(state, (r.synced.get(state) ?? 0) + 1);
}

/** Keeps blocks overlapping [minTime, maxTime] (ms, inclusive), as --min-time/--max-time. */
export class TimePartitionFilter implements MetaFilter {
  constructor(private readonly minTime: number, private readonly maxTime: number) {}

  async filter(r: FetchResult): Promise<void> {
    for (const [id, m] of [...r.metas]) {
      if (m.maxTime >= this.minTime && m.minTime <= this.maxTime) continue;
      drop(r, id, 'time-excluded');
    }
  }
}

/** Relabels each block's external labels plus __block_id; a block whose result is empty is dropped. */
export class LabelShardedFilter implements MetaFilter {
  constructor(private readonly configs: readonly RelabelConfig[]) {}

  /** Whether the selector keeps this block. */
  keeps(id: string, m: ThanosMeta): boolean {
    return relabel([...externalLabels(m), { name: BLOCK_ID_LABEL, value: id }], this.configs) !== undefined;
  }

  async filter(r: FetchResult): Promise<void> {
    if (this.configs.length === 0) return;
    for (const [id, m] of [...r.metas]) if (!this.keeps(id, m)) drop(r, id, 'label-excluded');
  }
}

export interface DeletionMarkFilterOptions {
  readonly logger?: Logger;
  readonly concurrency?: number;
  /** Unix ms; injected for tests. */
  readonly now?: () => number;
}

/**
 * Reads the marker file `filename` of each block that has one, in parallel. An unreadable mark is logged and
 * skipped, as upstream does, rather than hiding or halting on a damaged marker.
 */
export async function readMarks<T>(
  bucket: BucketReader, ids: readonly string[], filename: string, parse: (text: string, name: string) => T,
  options: { concurrency: number; logger: Logger; signal?: AbortSignal | undefined },
): Promise<Map<string, T>> {
  const { signal } = options;
  const marks = new Map<string, T>();
  await mapConcurrent(ids, options.concurrency, async (id) => {
    const name = `${id}/${filename}`;
    let text: string;
    try {
      text = (await readAll(await bucket.get(name, signal ? { signal } : {}), signal)).toString('utf8');
    } catch (err) {
      if (bucket.isNotFoundError(err)) return;
      throw err;
    }
    try {
      marks.set(id, parse(text, name));
    } catch (err) {
      options.logger.warn(`ignoring unreadable ${filename}`, { block: id, err: errorMessage(err) });
    }
  });
  return marks;
}

/**
 * Reads every block's deletion-mark.json and hides blocks marked longer ago than `delayMs`
 * (--ignore-deletion-marks-delay). Marks found are kept in `marks` for callers that care.
 */
export class IgnoreDeletionMarkFilter implements MetaFilter {
  private readonly logger: Logger;
  private readonly now: () => number;
  marks = new Map<string, DeletionMark>();

  constructor(private readonly bucket: BucketReader, private readonly delayMs: number, private readonly options: DeletionMarkFilterOptions = {}) {
    this.logger = options.logger ?? nopLogger;
    this.now = options.now ?? Date.now;
  }

  async filter(r: FetchResult, signal?: AbortSignal): Promise<void> {
    const marks = await readMarks(this.bucket, [...r.metas.keys()], DELETION_MARK_FILENAME, parseDeletionMark, {
      concurrency: this.options.concurrency ?? 32, logger: this.logger, signal,
    });
    this.marks = marks;
    const nowS = this.now() / 1000;
    for (const [id, mark] of marks) {
      if (nowS - mark.deletion_time > this.delayMs / 1000) drop(r, id, 'marked-for-deletion');
    }
  }
}

/** Sources whose blocks are complete when written, hence exempt from the consistency delay (as upstream). */
const EXEMPT_SOURCES = new Set(['compactor', 'compactor.repair', 'bucket.repair']);

/** ULID timestamp (ms): the first 10 Crockford base32 characters. */
export function ulidTime(id: string): number {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let t = 0;
  for (const c of id.slice(0, 10).toUpperCase()) t = t * 32 + Math.max(0, alphabet.indexOf(c));
  return t;
}

/** Hides blocks younger than `delayMs` (--consistency-delay), by upload time when recorded, else ULID time. */
export class ConsistencyDelayFilter implements MetaFilter {
  constructor(private readonly delayMs: number, private readonly now: () => number = Date.now) {}

  async filter(r: FetchResult): Promise<void> {
    if (this.delayMs <= 0) return;
    for (const [id, m] of [...r.metas]) {
      if (EXEMPT_SOURCES.has(m.thanos.source)) continue;
      const up = m.thanos.upload_time !== undefined ? Date.parse(m.thanos.upload_time) : NaN;
      const born = Number.isFinite(up) && up > 0 ? up : ulidTime(id);
      if (this.now() - born < this.delayMs) drop(r, id, 'too-fresh');
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
