// The IN-MEMORY index cache (upstream pkg/store/cache/inmemory.go): one LRU bounded by the total bytes of keys and
// values, with a per-item size cap. JS Map iteration order is insertion order, so re-inserting on a hit makes the
// first key the least recently used. A hit moves its entry only when it has drifted into the older half, which keeps
// hot-path hits to one Map lookup while eviction order stays close to true LRU.

import { Counter, Gauge, type Registry } from 'prom-client';
import { CACHE_ITEM_TYPES, type CacheItemType, type IndexCache } from './index-cache.js';

export interface InMemoryCacheOptions {
  /** Total bytes held (keys + values); default 250 MiB. */
  readonly maxSize?: number;
  /** Largest single item; default half of maxSize, as upstream. */
  readonly maxItemSize?: number;
  readonly registry?: Registry;
}

interface Entry {
  readonly type: CacheItemType;
  readonly value: Uint8Array;
  /** Insertion counter when the entry was last moved to the recent end. */
  gen: number;
  /** The value as last decoded by fetchDecoded, with the decoder that made it. */
  decoded?: { readonly fn: unknown; readonly value: object };
}

/** Fixed per-entry overhead counted in the size (Map slot, entry object), so tiny items cannot grow without bound. */
const ENTRY_OVERHEAD = 64;

interface Metrics {
  readonly requests: Counter<'item_type'>;
  readonly hits: Counter<'item_type'>;
  readonly added: Counter<'item_type'>;
  readonly evicted: Counter<'item_type'>;
  readonly overflow: Counter<'item_type'>;
  readonly items: Gauge<'item_type'>;
  readonly size: Gauge<'item_type'>;
}

function metrics(registry: Registry): Metrics {
  const labelNames = ['item_type'] as const;
  const registers = [registry];
  const m: Metrics = {
    requests: new Counter({ name: 'thanos_store_index_cache_requests_total', help: 'Total number of items requests to the cache.', labelNames, registers }),
    hits: new Counter({ name: 'thanos_store_index_cache_hits_total', help: 'Total number of items requests to the cache that were a hit.', labelNames, registers }),
    added: new Counter({ name: 'thanos_store_index_cache_items_added_total', help: 'Total number of items that were added to the index cache.', labelNames, registers }),
    evicted: new Counter({ name: 'thanos_store_index_cache_items_evicted_total', help: 'Total number of items that were evicted from the index cache.', labelNames, registers }),
    overflow: new Counter({ name: 'thanos_store_index_cache_items_overflowed_total', help: 'Total number of items that could not be added to the cache due to being too big.', labelNames, registers }),
    items: new Gauge({ name: 'thanos_store_index_cache_items', help: 'Current number of items in the index cache.', labelNames, registers }),
    size: new Gauge({ name: 'thanos_store_index_cache_items_size_bytes', help: 'Current byte size of items in the index cache.', labelNames, registers }),
  };
  for (const t of CACHE_ITEM_TYPES) {
    for (const c of [m.requests, m.hits, m.added, m.evicted, m.overflow]) c.inc({ item_type: t }, 0);
  }
  return m;
}

export class InMemoryIndexCache implements IndexCache {
  private readonly lru = new Map<string, Entry>();
  private curSize = 0;
  private gen = 0;
  readonly maxSize: number;
  readonly maxItemSize: number;
  private readonly m: Metrics | undefined;

  constructor(options: InMemoryCacheOptions = {}) {
    this.maxSize = options.maxSize ?? 250 * 1024 * 1024;
    this.maxItemSize = options.maxItemSize ?? Math.floor(this.maxSize / 2);
    if (this.maxItemSize > this.maxSize) throw new Error(`max item size (${this.maxItemSize}) cannot be bigger than overall cache size (${this.maxSize})`);
    this.m = options.registry ? metrics(options.registry) : undefined;
  }

  /** Bytes currently held, overhead included. */
  get size(): number {
    return this.curSize;
  }

  get items(): number {
    return this.lru.size;
  }

  fetch(type: CacheItemType, keys: readonly string[]): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    this.m?.requests.inc({ item_type: type }, keys.length);
    for (const k of keys) {
      const e = this.touch(k);
      if (e) out.set(k, e.value);
    }
    this.m?.hits.inc({ item_type: type }, out.size);
    return Promise.resolve(out);
  }

  fetchDecoded<T extends object>(type: CacheItemType, keys: readonly string[], decode: (b: Uint8Array) => T | undefined): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    this.m?.requests.inc({ item_type: type }, keys.length);
    for (const k of keys) {
      const e = this.touch(k);
      if (!e) continue;
      if (e.decoded?.fn === decode) { out.set(k, e.decoded.value as T); continue; }
      const d = decode(e.value);
      if (d === undefined) continue;
      e.decoded = { fn: decode, value: d };
      out.set(k, d);
    }
    this.m?.hits.inc({ item_type: type }, out.size);
    return Promise.resolve(out);
  }

  private touch(k: string): Entry | undefined {
    const e = this.lru.get(k);
    if (e && this.gen - e.gen > this.lru.size / 2) {
      this.lru.delete(k);
      e.gen = ++this.gen;
      this.lru.set(k, e);
    }
    return e;
  }

  store(type: CacheItemType, key: string, value: Uint8Array): void {
    const cost = entryCost(key, value);
    if (cost > this.maxItemSize) {
      this.m?.overflow.inc({ item_type: type });
      return;
    }
    const old = this.lru.get(key);
    if (old) this.remove(key, old, false);
    while (this.curSize + cost > this.maxSize) {
      const first = this.lru.entries().next();
      if (first.done === true) break;
      this.remove(first.value[0], first.value[1], true);
    }
    this.lru.set(key, { type, value, gen: ++this.gen });
    this.curSize += cost;
    this.m?.added.inc({ item_type: type });
    this.m?.items.inc({ item_type: type });
    this.m?.size.inc({ item_type: type }, cost);
  }

  private remove(key: string, e: Entry, evicted: boolean): void {
    this.lru.delete(key);
    const cost = entryCost(key, e.value);
    this.curSize -= cost;
    if (evicted) this.m?.evicted.inc({ item_type: e.type });
    this.m?.items.dec({ item_type: e.type });
    this.m?.size.dec({ item_type: e.type }, cost);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Keys are UTF-16 in memory; values are counted twice since a decoded copy may sit beside the bytes. */
function entryCost(key: string, value: Uint8Array): number {
  return key.length * 2 + value.byteLength * 2 + ENTRY_OVERHEAD;
}
