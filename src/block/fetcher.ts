// The block meta fetcher (upstream pkg/block/fetcher.go): lists the bucket's block directories, reads each meta.json
// (cached in memory and under a local directory, since meta.json never changes), and runs the filters. A block
// directory without meta.json is a partial upload and is reported, not loaded.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Gauge, Counter, type Registry } from 'prom-client';
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
export type SyncState = 'loaded' | 'failed' | 'partial' | 'marked-for-deletion' | 'time-excluded' | 'label-excluded' | 'too-fresh'
  | 'duplicate' | 'marked-for-no-compact';

/** What one fetch produced; filters delete from `metas` and count what they dropped in `synced`. */
export interface FetchResult {
  readonly metas: Map<string, ThanosMeta>;
  /** Directories without a usable meta.json: block ID → why. */
  readonly partial: Map<string, Error>;
  readonly synced: Map<SyncState, number>;
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
  private readonly syncFailures?: Counter;
  private readonly synced?: Gauge<'state'>;

  constructor(private readonly bucket: BucketReader, private readonly options: MetaFetcherOptions = {}) {
    this.logger = options.logger ?? nopLogger;
    const registers = options.registry ? [options.registry] : [];
    if (options.registry) {
      this.syncs = new Counter({ name: 'thanos_blocks_meta_syncs_total', help: 'Total blocks metadata synchronization attempts', registers });
      this.syncFailures = new Counter({ name: 'thanos_blocks_meta_sync_failures_total', help: 'Total blocks metadata synchronization failures', registers });
      this.synced = new Gauge({ name: 'thanos_blocks_meta_synced', help: 'Number of block metadata synced', labelNames: ['state'], registers });
    }
  }

  /** Lists and reads every block's meta.json, then applies the filters in order. */
  async fetch(signal?: AbortSignal): Promise<FetchResult> {
    this.syncs?.inc();
    try {
      const ids: string[] = [];
      for await (const name of this.bucket.iter('', signal ? { signal } : {})) {
        const id = name.replace(/\/$/, '');
        if (name.endsWith('/') && isBlockId(id)) ids.push(id);
      }
      const result: FetchResult = { metas: new Map(), partial: new Map(), synced: new Map() };
      await mapConcurrent(ids, this.options.concurrency ?? 32, async (id) => {
        try {
          result.metas.set(id, await this.loadMeta(id, signal));
        } catch (err) {
          if (this.bucket.isNotFoundError(err)) {
            result.partial.set(id, new Error(`block ${id}: no meta.json (partial upload)`));
            return;
          }
          if (err instanceof CorruptionError) {
            this.logger.warn('ignoring block with corrupted meta.json', { block: id, err: errorMessage(err) });
            result.partial.set(id, err);
            return;
          }
          throw err;
        }
      });
      const loadedBefore = result.metas.size;
      for (const f of this.options.filters ?? []) await f.filter(result, signal);
      if (this.synced) {
        this.synced.reset();
        for (const [state, n] of result.synced) this.synced.set({ state }, n);
        this.synced.set({ state: 'partial' }, result.partial.size);
        this.synced.set({ state: 'loaded' }, result.metas.size);
      }
      this.logger.debug('fetched block metadata', { blocks: loadedBefore, loaded: result.metas.size, partial: result.partial.size });
      for (const id of [...this.cache.keys()]) if (!ids.includes(id)) this.cache.delete(id);
      return result;
    } catch (err) {
      this.syncFailures?.inc();
      throw err;
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
