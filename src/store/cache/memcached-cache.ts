// The MEMCACHED index cache (upstream pkg/store/cache/memcached.go): items go to memcached with the configured TTL,
// writes in the background with a bound on how many are in flight; any failure counts as a miss.

import { Counter, type Registry } from 'prom-client';
import { errorMessage } from '../../runtime/errors.js';
import { nopLogger, type Logger } from '../../runtime/logger.js';
import { decodeHits, type CacheItemType, type IndexCache } from './index-cache.js';
import { MemcachedClient, type MemcachedClientOptions } from './memcached-client.js';

export interface MemcachedCacheOptions extends MemcachedClientOptions {
  /** Largest value stored (default 1 MiB, memcached's default item size). */
  readonly maxItemSize?: number;
  /** Stores in flight at once; more are dropped (default 20). */
  readonly maxAsyncConcurrency?: number;
  /** TTL in ms (0 = none; upstream default 24h). */
  readonly ttlMs?: number;
  readonly logger?: Logger;
  readonly registry?: Registry;
}

export class MemcachedIndexCache implements IndexCache {
  private readonly client: MemcachedClient;
  private readonly logger: Logger;
  private inFlight = 0;
  private readonly pending = new Set<Promise<void>>();
  private readonly requests?: Counter<'item_type'>;
  private readonly hits?: Counter<'item_type'>;

  constructor(private readonly options: MemcachedCacheOptions) {
    this.client = new MemcachedClient(options);
    this.logger = options.logger ?? nopLogger;
    if (options.registry) {
      const registers = [options.registry];
      this.requests = new Counter({ name: 'thanos_store_index_cache_requests_total', help: 'Total number of items requests to the cache.', labelNames: ['item_type'], registers });
      this.hits = new Counter({ name: 'thanos_store_index_cache_hits_total', help: 'Total number of items requests to the cache that were a hit.', labelNames: ['item_type'], registers });
    }
  }

  async fetch(type: CacheItemType, keys: readonly string[]): Promise<Map<string, Uint8Array>> {
    if (keys.length === 0) return new Map();
    this.requests?.inc({ item_type: type }, keys.length);
    try {
      const got = await this.client.getMulti(keys);
      this.hits?.inc({ item_type: type }, got.size);
      return got;
    } catch (err) {
      this.logger.warn('failed to fetch items from memcached', { item_type: type, err: errorMessage(err) });
      return new Map();
    }
  }

  fetchDecoded<T extends object>(type: CacheItemType, keys: readonly string[], decode: (b: Uint8Array) => T | undefined): Promise<Map<string, T>> {
    return decodeHits(this, type, keys, decode);
  }

  store(type: CacheItemType, key: string, value: Uint8Array): void {
    if (value.byteLength > (this.options.maxItemSize ?? 1024 * 1024)) return;
    if (this.inFlight >= (this.options.maxAsyncConcurrency ?? 20)) return;
    this.inFlight++;
    const p = this.client.set(key, value, Math.ceil((this.options.ttlMs ?? 24 * 3600 * 1000) / 1000))
      .catch((err: unknown) => { this.logger.debug('failed to store item in memcached', { item_type: type, err: errorMessage(err) }); })
      .finally(() => { this.inFlight--; this.pending.delete(p); });
    this.pending.add(p);
  }

  /** Waits for stores in flight (tests and shutdown use it). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.client.close();
  }
}
