// The block meta fetcher (upstream pkg/block/fetcher.go): lists the bucket's block directories, reads each meta.json
// (cached in memory and under a local directory, since meta.json never changes), and runs the filters. A block
// directory without meta.json is a partial upload and is reported, not loaded.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Gauge, Counter, Histogram, type Registry } from 'prom-client';
import type { BucketReader } from '../objstore/bucket.js';
import { readAll } from '../objstore/streams.js';
import { CorruptionError, errorMessage } from '../runtime/errors.js';
import { nopLogger, type Logger } from '../runtime/logger.js';
import { labelsFromRecord, type Labels } from '../tsdb/labels/labels.js';
import { parseThanosMeta, type ThanosMeta } from './meta.js';
import { isBlockId } from '../tsdb/block/ulid.js';

export type { ThanosMeta };

/** A block's external labels (meta.json thanos.labels) as a sorted label set. */
export function externalLabels(meta: ThanosMeta): Labels {
  return labelsFromRecord(meta.thanos.labels);
}

/** Synced state names, as upstream's thanos_blocks_meta_synced{state}. */
export type SyncState = 'corrupted-meta-json' | 'no-meta-json' | 'loaded' | 'too-fresh' | 'failed' | 'label-excluded' | 'time-excluded'
  | 'duplicate' | 'marked-for-deletion' | 'marked-for-no-compact' | 'marked-for-no-downsample' | 'parquet-migrated';

/** The states upstream's fetcher reports (as 0 when none) from its first sync on (DefaultSyncedStateLabelValues). */
const DEFAULT_SYNC_STATES: readonly SyncState[] = ['corrupted-meta-json', 'no-meta-json', 'loaded', 'too-fresh', 'failed', 'label-excluded',
  'time-excluded', 'duplicate', 'marked-for-deletion', 'marked-for-no-compact', 'parquet-migrated'];

/** thanos_blocks_meta_modified{modified} values (upstream DefaultModifiedLabelValues). */
export type ModifiedState = 'replica-label-removed';

/** What one fetch produced; filters delete from `metas` and count what they dropped in `synced`. */
export interface FetchResult {
  readonly metas: Map<string, ThanosMeta>;
  /** Directories without a usable meta.json: block ID → why. */
  readonly partial: Map<string, Error>;
  readonly synced: Map<SyncState, number>;
  /** Blocks whose meta a filter changed, by how (thanos_blocks_meta_modified). */
  readonly modified: Map<ModifiedState, number>;
}

/** One filter step run after fetching (upstream MetadataFilter). */
export interface MetaFilter {
  filter(result: FetchResult, signal?: AbortSignal): Promise<void>;
}

export interface MetaFetcherOptions {
  readonly logger?: Logger;
  /** Where meta.json copies are kept between restarts (`<data-dir>/meta-syncer`); none when absent. */
  readonly cacheDir?: string;
  /** meta.json reads in flight at once (--block-meta-fetch-concurrency). */
  readonly concurrency?: number;
  readonly filters?: readonly MetaFilter[];
  readonly registry?: Registry;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapConcurrent<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

export class MetaFetcher {
  private readonly logger: Logger;
  private readonly cache = new Map<string, ThanosMeta>();
  private readonly syncs?: Counter;
  private readonly baseSyncs?: Counter;
  private readonly syncFailures?: Counter;
  private readonly syncDuration?: Histogram;
  private readonly synced?: Gauge<'state'>;
  private readonly modified?: Gauge<'modified'>;

  constructor(private readonly bucket: BucketReader, private readonly options: MetaFetcherOptions = {}) {
    this.logger = options.logger ?? nopLogger;
    const registers = options.registry ? [options.registry] : [];
    if (options.registry) {
      this.syncs = new Counter({ name: 'thanos_blocks_meta_syncs_total', help: 'Total blocks metadata synchronization attempts', registers });
      this.baseSyncs = new Counter({ name: 'thanos_blocks_meta_base_syncs_total', help: 'Total blocks metadata synchronization attempts by base Fetcher', registers });
      // meta.json never changes once written, so a cached copy is never invalidated: this stays 0 (upstream busts
      // its cache when an object's modification time moves, which a re-uploaded meta.json would do).
      new Counter({ name: 'thanos_blocks_meta_base_cache_busts_total', help: 'Total blocks metadata cache busts by base Fetcher', registers });
      this.syncFailures = new Counter({ name: 'thanos_blocks_meta_sync_failures_total', help: 'Total blocks metadata synchronization failures', registers });
      this.syncDuration = new Histogram({ name: 'thanos_blocks_meta_sync_duration_seconds', help: 'Duration of the blocks metadata synchronization in seconds',
        buckets: [0.01, 1, 10, 100, 300, 600, 1000], registers });
      this.synced = new Gauge({ name: 'thanos_blocks_meta_synced', help: 'Number of block metadata synced', labelNames: ['state'], registers });
      this.modified = new Gauge({ name: 'thanos_blocks_meta_modified', help: 'Number of blocks whose metadata changed', labelNames: ['modified'], registers });
      for (const state of DEFAULT_SYNC_STATES) this.synced.set({ state }, 0);
      this.modified.set({ modified: 'replica-label-removed' }, 0);
    }
  }

  /** Lists and reads every block's meta.json, then applies the filters in order. */
  async fetch(signal?: AbortSignal): Promise<FetchResult> {
    this.syncs?.inc();
    const started = performance.now();
    try {
      this.baseSyncs?.inc();
      const ids: string[] = [];
      for await (const name of this.bucket.iter('', signal ? { signal } : {})) {
        const id = name.replace(/\/$/, '');
        if (name.endsWith('/') && isBlockId(id)) ids.push(id);
      }
      const result: FetchResult = { metas: new Map(), partial: new Map(), synced: new Map(), modified: new Map() };
      let noMeta = 0, corrupted = 0;
      await mapConcurrent(ids, this.options.concurrency ?? 32, async (id) => {
        try {
          result.metas.set(id, await this.loadMeta(id, signal));
        } catch (err) {
          if (this.bucket.isNotFoundError(err)) {
            result.partial.set(id, new Error(`block ${id}: no meta.json (partial upload)`));
            noMeta++;
            return;
          }
          if (err instanceof CorruptionError) {
            this.logger.warn('ignoring block with corrupted meta.json', { block: id, err: errorMessage(err) });
            result.partial.set(id, err);
            corrupted++;
            return;
          }
          throw err;
        }
      });
      const loadedBefore = result.metas.size;
      for (const f of this.options.filters ?? []) await f.filter(result, signal);
      result.synced.set('no-meta-json', noMeta);
      result.synced.set('corrupted-meta-json', corrupted);
      result.synced.set('loaded', result.metas.size);
      if (this.synced && this.modified) {
        // As upstream's transactional gauges: every state of this sync at once, the ones not seen at 0.
        this.synced.reset();
        for (const state of DEFAULT_SYNC_STATES) this.synced.set({ state }, 0);
        for (const [state, n] of result.synced) this.synced.set({ state }, n);
        this.modified.reset();
        this.modified.set({ modified: 'replica-label-removed' }, 0);
        for (const [modified, n] of result.modified) this.modified.set({ modified }, n);
      }
      this.logger.debug('fetched block metadata', { blocks: loadedBefore, loaded: result.metas.size, partial: result.partial.size });
      for (const id of [...this.cache.keys()]) if (!ids.includes(id)) this.cache.delete(id);
      return result;
    } catch (err) {
      this.syncFailures?.inc();
      throw err;
    } finally {
      this.syncDuration?.observe((performance.now() - started) / 1000);
    }
  }

  private async loadMeta(id: string, signal: AbortSignal | undefined): Promise<ThanosMeta> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const dir = this.options.cacheDir;
    const cached = dir ? path.join(dir, id, 'meta.json') : undefined;
    if (cached) {
      try {
        const m = parseThanosMeta(await readFile(cached, 'utf8'), cached);
        if (m.ulid === id) { this.cache.set(id, m); return m; }
      } catch { /* missing or damaged local copy: read the bucket's */ }
    }
    const name = `${id}/meta.json`;
    const text = (await readAll(await this.bucket.get(name, signal ? { signal } : {}), signal)).toString('utf8');
    const m = parseThanosMeta(text, name);
    if (m.ulid !== id) throw new CorruptionError(name, 'meta', 0, `ulid ${m.ulid} does not match the directory ${id}`);
    this.cache.set(id, m);
    if (cached) {
      await mkdir(path.dirname(cached), { recursive: true });
      await writeFile(`${cached}.tmp`, text);
      await rename(`${cached}.tmp`, cached);
    }
    return m;
  }
}
