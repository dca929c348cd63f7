// Wiring of the store gateway from its options: bucket, meta fetcher with filters, index cache, bucket store and
// its sync loop. Loaded only when the mode runs, so `--help` does not pay for it.
import path from 'node:path';
import { MetaFetcher } from '../block/fetcher.js';
import { ConsistencyDelayFilter, DeduplicateFilter, IgnoreDeletionMarkFilter, LabelShardedFilter, TimePartitionFilter } from '../block/filters.js';
import { createBucket, parseBucketConfig } from '../objstore/config.js';
import type { Actor } from '../runtime/run-group.js';
import type { Runtime } from '../runtime/runtime.js';
import { BucketStore } from '../store/bucket/bucket-store.js';
import { runSyncLoop } from '../store/bucket/sync-loop.js';
import { createIndexCache, parseIndexCacheConfig } from '../store/cache/config.js';
import { InMemoryIndexCache } from '../store/cache/inmemory-cache.js';
import { storeGrpcServices } from '../store/grpc-server.js';
import type { ModeParts } from './serve.js';
import type { StoreOptions } from './store.js';

/** Builds the store gateway: bucket, meta fetcher with filters, index cache, bucket store, and its sync loop. */
export async function buildStore(rt: Runtime, o: StoreOptions): Promise<ModeParts> {
  const bucket = await createBucket(parseBucketConfig(o.objstore.content, o.objstore.source, rt.logger), { logger: rt.logger, metrics: rt.registry, tracing: rt.tracing });
  const deletionMarks = new IgnoreDeletionMarkFilter(bucket, o.ignoreDeletionMarksDelayMs, { logger: rt.logger, concurrency: o.metaFetchConcurrency, now: rt.now });
  const fetcher = new MetaFetcher(bucket, {
    logger: rt.logger,
    cacheDir: path.join(o.dataDir, 'meta-syncer'),
    concurrency: o.metaFetchConcurrency,
    registry: rt.registry,
    filters: [
      new TimePartitionFilter(o.minTime, o.maxTime),
      new LabelShardedFilter(o.relabel),
      new ConsistencyDelayFilter(o.consistencyDelayMs, rt.now),
      deletionMarks,
      // Compacted-away inputs not deleted yet hold the same samples as the block made of them: serve that one only.
      new DeduplicateFilter(),
    ],
  });
  const cache = o.indexCache
    ? createIndexCache(parseIndexCacheConfig(o.indexCache.content, o.indexCache.source), { logger: rt.logger, registry: rt.registry })
    : new InMemoryIndexCache({ maxSize: o.indexCacheSize, registry: rt.registry });
  const store = new BucketStore(bucket, fetcher, {
    dataDir: o.dataDir, logger: rt.logger, registry: rt.registry, cache, lazyIndexHeader: o.lazyIndexHeader,
    chunkPoolSize: o.chunkPoolSize, limits: o.limits, maxConcurrency: o.maxConcurrency,
    blockSyncConcurrency: o.blockSyncConcurrency, minTime: o.minTime, maxTime: o.maxTime, now: rt.now,
  });
  const actors: Actor[] = [{
    name: 'bucket-sync',
    run: (signal) => runSyncLoop(store, {
      intervalMs: o.syncIntervalMs, logger: rt.logger, onFirstSync: () => rt.prober.ready(),
      idleCheckMs: o.lazyIndexHeader ? 60_000 : 0,
    }, signal),
    stop: async () => {
      rt.prober.notReady('shutting down');
      await store.close();
      await cache.close();
      await bucket.close();
    },
  }];
  return { grpcServices: storeGrpcServices(store, { logger: rt.logger }), actors, store };
}
