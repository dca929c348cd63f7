// The bucket store (upstream pkg/store/bucket.go): the StoreAPI over every block the meta fetcher keeps. sync()
// adds new blocks (building their index-headers) and drops vanished ones; Series merges the blocks' sorted streams
// (the same series in several blocks becomes one series with every block's chunks); label calls read the index-headers.

import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { externalLabels, mapConcurrent, type MetaFetcher, type ThanosMeta } from '../../block/fetcher.js';
import type { BucketReader } from '../../objstore/bucket.js';
import { UnavailableError, errorMessage } from '../../runtime/errors.js';
import { nopLogger, type Logger } from '../../runtime/logger.js';
import { compareLabels, labelsEqual, type Labels } from '../../tsdb/labels/labels.js';
import type { Matcher } from '../../tsdb/labels/matcher.js';
import { noopIndexCache, type IndexCache } from '../cache/index-cache.js';
import { Gate, GateMetrics } from '../gate.js';
import {
  MAX_TIME, MIN_TIME, type LabelNamesRequest, type LabelNamesResponse, type LabelValuesRequest, type LabelValuesResponse,
  type SeriesRequest, type SeriesResponse, type StoreAPI, type StoreInfo,
} from '../store-api.js';
import { BucketBlock, type RequestStats } from './bucket-block.js';
import { blockError, blocksSeries, indexMatchers, outputLabels } from './block-series.js';
import { blocksFor } from './resolution.js';
import { ChunkPool, NO_LIMITS, RequestLimiter, type RequestLimits } from './limits.js';

export interface BucketStoreOptions {
  /** --data-dir: index-headers live under `<dataDir>/<ULID>/`. */
  readonly dataDir: string;
  readonly logger?: Logger;
  readonly registry?: Registry;
  readonly cache?: IndexCache;
  /** --store.enable-index-header-lazy-reader: load index-headers on first use, unload when idle. */
  readonly lazyIndexHeader?: boolean;
  /** Idle time after which a lazily loaded index-header is unloaded (upstream's hidden default 5m). */
  readonly lazyIdleMs?: number;
  /** --chunk-pool-size in bytes (0 = unbounded). */
  readonly chunkPoolSize?: number;
  readonly limits?: RequestLimits;
  /** --store.grpc.series-max-concurrency. */
  readonly maxConcurrency?: number;
  /** --block-sync-concurrency. */
  readonly blockSyncConcurrency?: number;
  /** --min-time/--max-time: requests are clamped to this range. */
  readonly minTime?: number;
  readonly maxTime?: number;
  readonly now?: () => number;
}

interface Metrics {
  readonly blocksLoaded: Gauge;
  readonly blockLoads: Counter;
  readonly blockLoadFailures: Counter;
  readonly blockDrops: Counter;
  readonly blockDropFailures: Counter;
  readonly indexHeaderBuildBytes: Counter;
  readonly dataTouched: Histogram<'data_type'>;
  readonly dataFetched: Histogram<'data_type'>;
  readonly blocksQueried: Histogram;
  readonly resultSeries: Histogram;
  readonly sentChunkSize: Histogram;
  readonly getAllDuration: Histogram;
  readonly mergeDuration: Histogram;
}

/** Upstream's buckets for the two Series phase durations. */
const SERIES_PHASE_BUCKETS = [0.001, 0.01, 0.1, 0.3, 0.6, 1, 3, 6, 9, 20, 30, 60, 90, 120];

const exponential = (start: number, factor: number, count: number): number[] => Array.from({ length: count }, (_, i) => start * factor ** i);

function metrics(registry: Registry): Metrics {
  const registers = [registry];
  return {
    blocksLoaded: new Gauge({ name: 'thanos_bucket_store_blocks_loaded', help: 'Number of currently loaded blocks.', registers }),
    blockLoads: new Counter({ name: 'thanos_bucket_store_block_loads_total', help: 'Total number of remote block loading attempts.', registers }),
    blockLoadFailures: new Counter({ name: 'thanos_bucket_store_block_load_failures_total', help: 'Total number of failed remote block loading attempts.', registers }),
    blockDrops: new Counter({ name: 'thanos_bucket_store_block_drops_total', help: 'Total number of local blocks that were dropped.', registers }),
    blockDropFailures: new Counter({ name: 'thanos_bucket_store_block_drop_failures_total', help: 'Total number of local blocks that failed to be dropped.', registers }),
    indexHeaderBuildBytes: new Counter({ name: 'thanos_bucket_store_indexheader_build_bytes_total', help: 'Bytes of bucket index read to build index-headers.', registers }),
    // Per Series request, with upstream's buckets (pkg/store/bucket.go).
    dataTouched: new Histogram({
      name: 'thanos_bucket_store_series_data_touched', help: 'Number of items of a data type touched to fulfill a single Store API series request.',
      labelNames: ['data_type'] as const, buckets: exponential(200, 2, 15), registers,
    }),
    dataFetched: new Histogram({
      name: 'thanos_bucket_store_series_data_fetched', help: 'Number of items of a data type retrieved to fulfill a single Store API series request.',
      labelNames: ['data_type'] as const, buckets: exponential(200, 2, 15), registers,
    }),
    blocksQueried: new Histogram({
      name: 'thanos_bucket_store_series_blocks_queried', help: 'Number of blocks in a bucket store that were touched to satisfy a query.',
      buckets: exponential(1, 2, 10), registers,
    }),
    resultSeries: new Histogram({
      name: 'thanos_bucket_store_series_result_series', help: 'Number of series observed in the final result of a query.',
      buckets: exponential(100, 2, 15), registers,
    }),
    sentChunkSize: new Histogram({
      name: 'thanos_bucket_store_sent_chunk_size_bytes',
      help: 'Size in bytes of the chunks for the single series, which is adequate to the gRPC message size sent to querier.',
      buckets: [32, 256, 512, 1024, 32 << 10, 256 << 10, 512 << 10, 1 << 20, 32 << 20, 256 << 20, 512 << 20], registers,
    }),
    // Series streams its blocks lazily, so "get all" ends when the merged stream has its first frame ready (every
    // block's first batch prepared) and "merge" is the rest of the stream, as upstream's lazy retrieval splits them.
    getAllDuration: new Histogram({
      name: 'thanos_bucket_store_series_get_all_duration_seconds', help: 'Time it takes until all per-block prepares and loads for a query are finished.',
      buckets: SERIES_PHASE_BUCKETS, registers,
    }),
    mergeDuration: new Histogram({
      name: 'thanos_bucket_store_series_merge_duration_seconds', help: 'Time it takes to merge sub-results from all queried blocks into a single result.',
      buckets: SERIES_PHASE_BUCKETS, registers,
    }),
  };
}

function newStats(): RequestStats {
  return { postingsTouched: 0, postingsFetched: 0, seriesTouched: 0, seriesFetched: 0, chunksTouched: 0, chunksFetched: 0, bytesFetched: 0 };
}

export class BucketStore implements StoreAPI {
  private readonly blocks = new Map<string, BucketBlock>();
  /** Blocks in the bucket that could not be loaded (e.g. a corrupt index TOC), with why; retried every sync. */
  private readonly failed = new Map<string, { readonly meta: ThanosMeta; readonly error: string }>();
  private readonly logger: Logger;
  private readonly gate: Gate;
  private readonly pool: ChunkPool;
  private readonly m: Metrics | undefined;
  private readonly cache: IndexCache;

  constructor(private readonly bucket: BucketReader, private readonly fetcher: MetaFetcher, private readonly options: BucketStoreOptions) {
    this.logger = options.logger ?? nopLogger;
    const limit = options.maxConcurrency ?? 20;
    // The mixin's store dashboard and ThanosStoreSeriesGateLatencyHigh read the wait under its older name.
    this.gate = new Gate(limit, options.registry
      ? new GateMetrics(options.registry, 'thanos_bucket_store_series_', 'queries', limit, ['thanos_bucket_store_series_gate_duration_seconds'])
      : undefined);
    this.pool = new ChunkPool(options.chunkPoolSize ?? 0);
    this.m = options.registry ? metrics(options.registry) : undefined;
    this.cache = options.cache ?? noopIndexCache;
  }

  /** Blocks currently served, by ID. */
  blockIds(): string[] {
    return [...this.blocks.keys()].sort();
  }

  block(id: string): BucketBlock | undefined {
    return this.blocks.get(id);
  }

  /** One sync: fetch metas, load new blocks, drop vanished or filtered ones. A block that fails to load is skipped. */
  async sync(signal?: AbortSignal): Promise<void> {
    const { metas } = await this.fetcher.fetch(signal);
    const fresh = [...metas.values()].filter((m) => !this.blocks.has(m.ulid));
    await mapConcurrent(fresh, this.options.blockSyncConcurrency ?? 20, async (m) => {
      const id = m.ulid;
      this.m?.blockLoads.inc();
      try {
        const b = await BucketBlock.create(this.bucket, m, {
          logger: this.logger, cache: this.cache, dataDir: this.options.dataDir, lazy: this.options.lazyIndexHeader ?? false,
          ...(this.options.now ? { now: this.options.now } : {}),
          onIndexHeaderBuild: (_id, bytes) => this.m?.indexHeaderBuildBytes.inc(bytes),
        });
        this.blocks.set(id, b);
        this.failed.delete(id);
      } catch (err) {
        this.m?.blockLoadFailures.inc();
        this.failed.set(id, { meta: m, error: errorMessage(err) });
        this.logger.warn('loading block failed', { block: id, err: errorMessage(err) });
      }
    });
    for (const id of [...this.failed.keys()]) if (!metas.has(id)) this.failed.delete(id);
    for (const [id, b] of [...this.blocks]) {
      if (metas.has(id)) continue;
      this.blocks.delete(id);
      try {
        await b.close();
        await rm(path.join(this.options.dataDir, id), { recursive: true, force: true });
      } catch (err) {
        this.m?.blockDropFailures.inc();
        this.logger.warn('dropping block failed', { block: id, err: errorMessage(err) });
        continue;
      }
      this.m?.blockDrops.inc();
    }
    this.m?.blocksLoaded.set(this.blocks.size);
  }

  /** Unloads lazily loaded index-headers idle for longer than the idle timeout; returns how many. */
  async unloadIdle(): Promise<number> {
    let n = 0;
    for (const b of this.blocks.values()) if (await b.indexHeader.unloadIfIdle(this.options.lazyIdleMs ?? 5 * 60_000)) n++;
    return n;
  }

  async close(): Promise<void> {
    for (const b of this.blocks.values()) await b.close();
    this.blocks.clear();
  }

  private clampMin(t: number): number { return Math.max(t, this.options.minTime ?? MIN_TIME); }
  private clampMax(t: number): number { return Math.min(t, this.options.maxTime ?? MAX_TIME); }

  info(): Promise<StoreInfo> {
    const labelSets: Labels[] = [];
    let minTime = MAX_TIME;
    let maxTime = MIN_TIME;
    const tsdbInfos = [];
    for (const b of this.blocks.values()) {
      if (!labelSets.some((l) => labelsEqual(l, b.labels))) labelSets.push(b.labels);
      minTime = Math.min(minTime, b.minTime);
      maxTime = Math.max(maxTime, b.maxTime);
      tsdbInfos.push({ labels: b.labels, minTime: b.minTime, maxTime: b.maxTime });
    }
    labelSets.sort(compareLabels);
    if (this.blocks.size > 0) { minTime = this.clampMin(minTime); maxTime = this.clampMax(maxTime); }
    return Promise.resolve({
      componentType: 'store', labelSets, minTime, maxTime, supportsSharding: false, supportsWithoutReplicaLabels: true, tsdbInfos,
    });
  }

  /** Blocks overlapping [minTime, maxTime] (inclusive; block maxTime is exclusive), every resolution. */
  private blocksIn(minTime: number, maxTime: number): BucketBlock[] {
    return [...this.blocks.values()]
      .filter((b) => b.minTime <= maxTime && b.maxTime > minTime)
      .sort((a, b) => a.minTime - b.minTime || (a.id < b.id ? -1 : 1));
  }

  /**
   * The blocks a Series request reads: the coarsest resolution not above `maxResolution` where it has blocks, gaps
   * filled from finer resolutions (upstream bucketBlockSet.getFor).
   */
  private blocksForSeries(minTime: number, maxTime: number, maxResolution: number): BucketBlock[] {
    const byRes = new Map<number, BucketBlock[]>();
    for (const b of this.blocksIn(minTime, maxTime)) {
      const r = b.meta.thanos.downsample.resolution;
      const l = byRes.get(r);
      if (l) l.push(b); else byRes.set(r, [b]);
    }
    return blocksFor(byRes, minTime, maxTime, maxResolution);
  }

  async *series(req: SeriesRequest, signal?: AbortSignal): AsyncGenerator<SeriesResponse> {
    const release = await this.gate.acquire(signal);
    try {
      const minTime = this.clampMin(req.minTime);
      const maxTime = this.clampMax(req.maxTime);
      if (minTime > maxTime) return;
      const ctx = {
        minTime, maxTime, skipChunks: req.skipChunks, withoutReplicaLabels: new Set(req.withoutReplicaLabels),
        limiter: new RequestLimiter(this.options.limits ?? NO_LIMITS), stats: newStats(), pool: this.pool, signal,
        aggregates: req.aggregates,
        confineDataLoss: !(req.partialResponseDisabled || req.partialResponseStrategy === 'ABORT'), logger: this.logger,
      };
      const blocks: { block: BucketBlock; matchers: Matcher[] }[] = [];
      // Downsampled blocks are read where the request's max_resolution_window allows their resolution.
      for (const b of this.blocksForSeries(minTime, maxTime, Math.max(0, req.maxResolutionWindow))) {
        const ms = indexMatchers(b, req.matchers);
        if (ms) blocks.push({ block: b, matchers: ms });
      }
      // A block that failed to load cannot answer: say so, naming it, rather than silently answering without it.
      for (const [id, f] of this.failed) {
        if (f.meta.minTime > maxTime || f.meta.maxTime <= minTime) continue;
        const ext = externalLabels(f.meta);
        if (req.matchers.some((m) => ext.some((l) => l.name === m.name && !m.matches(l.value)))) continue;
        const msg = `block ${id} could not be loaded: ${f.error}`;
        if (req.partialResponseDisabled || req.partialResponseStrategy === 'ABORT') throw new UnavailableError(msg);
        yield { type: 'warning', warning: msg };
      }
      let n = 0;
      const started = performance.now();
      let firstFrameAt: number | undefined;
      try {
        for await (const f of blocksSeries(blocks, ctx)) {
          firstFrameAt ??= performance.now();
          if (f.type === 'series') {
            if (req.limit > 0 && n + 1 > req.limit) return;
            n++;
            if (this.m && !req.skipChunks) {
              let bytes = 0;
              for (const c of f.series.chunks) {
                for (const part of [c.raw, c.count, c.sum, c.min, c.max, c.counter]) bytes += part?.data.length ?? 0;
              }
              this.m.sentChunkSize.observe(bytes);
            }
          }
          yield f;
        }
      } finally {
        const ended = performance.now();
        this.m?.getAllDuration.observe(((firstFrameAt ?? ended) - started) / 1000);
        this.m?.mergeDuration.observe((ended - (firstFrameAt ?? ended)) / 1000);
        this.observeRequest(blocks.length, n, ctx.stats);
      }
    } finally {
      release();
    }
  }

  private observeRequest(blocks: number, series: number, stats: RequestStats): void {
    const m = this.m;
    if (!m) return;
    m.blocksQueried.observe(blocks);
    m.resultSeries.observe(series);
    for (const [type, touched, fetched] of [
      ['postings', stats.postingsTouched, stats.postingsFetched],
      ['series', stats.seriesTouched, stats.seriesFetched],
      ['chunks', stats.chunksTouched, stats.chunksFetched],
    ] as const) {
      m.dataTouched.observe({ data_type: type }, touched);
      m.dataFetched.observe({ data_type: type }, fetched);
    }
  }

  /** Runs `fn` on each block in range that the external-label matchers allow, with the remaining matchers. */
  private async eachBlock(start: number, end: number, matchers: readonly Matcher[], fn: (b: BucketBlock, ms: Matcher[]) => Promise<void>): Promise<void> {
    for (const b of this.blocksIn(this.clampMin(start), this.clampMax(end))) {
      const ms = indexMatchers(b, matchers);
      if (!ms) continue;
      try {
        await fn(b, ms);
      } catch (err) {
        throw blockError(b, err);
      }
    }
  }

  async labelNames(req: LabelNamesRequest, signal?: AbortSignal): Promise<LabelNamesResponse> {
    const names = new Set<string>();
    const drop = new Set(req.withoutReplicaLabels);
    await this.eachBlock(req.start, req.end, req.matchers, async (b, ms) => {
      await b.withIndex(async (r) => {
        if (ms.length === 0) {
          for (const n of r.labelNames()) names.add(n);
        } else {
          const entries = await b.series(r, await b.postings(r, ms, newStats()), newStats());
          for (const e of entries) for (const l of e.labels) names.add(l.name);
          if (entries.length === 0) return;
        }
        for (const l of b.labels) names.add(l.name);
      }, signal);
    });
    let out = [...names].filter((n) => !drop.has(n)).sort();
    if (req.limit > 0) out = out.slice(0, req.limit);
    return { names: out, warnings: [] };
  }

  async labelValues(req: LabelValuesRequest, signal?: AbortSignal): Promise<LabelValuesResponse> {
    const values = new Set<string>();
    if (req.withoutReplicaLabels.includes(req.label)) return { values: [], warnings: [] };
    await this.eachBlock(req.start, req.end, req.matchers, async (b, ms) => {
      const ext = b.labels.find((l) => l.name === req.label);
      await b.withIndex(async (r) => {
        if (ms.length === 0) {
          if (ext) { if (r.labelNames().length > 0) values.add(ext.value); return; }
          for (const v of r.labelValues(req.label)) values.add(v);
          return;
        }
        const entries = await b.series(r, await b.postings(r, ms, newStats()), newStats());
        for (const e of entries) {
          const v = outputLabels(e.labels, b.labels, new Set()).find((l) => l.name === req.label)?.value;
          if (v !== undefined && v !== '') values.add(v);
        }
      }, signal);
    });
    let out = [...values].sort();
    if (req.limit > 0) out = out.slice(0, req.limit);
    return { values: out, warnings: [] };
  }
}
