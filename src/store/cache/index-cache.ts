// The index cache boundary (upstream pkg/store/cache): postings, series and expanded postings of a block, keyed by
// block and item, held in memory or in memcached. A cache is best effort: failures are misses, never errors.

import { createHash } from 'node:crypto';

export const CACHE_ITEM_TYPES = ['Postings', 'Series', 'ExpandedPostings'] as const;
export type CacheItemType = (typeof CACHE_ITEM_TYPES)[number];

export interface IndexCache {
  /** Values cached under `keys` (all of one item type); misses are simply absent. Never rejects. */
  fetch(type: CacheItemType, keys: readonly string[], signal?: AbortSignal): Promise<Map<string, Uint8Array>>;
  /**
   * Like fetch, but returns values decoded by `decode` (entries that do not decode are misses). In-memory caches
   * keep the decoded form next to the bytes, so a hot item is decoded once rather than on every request.
   */
  fetchDecoded<T extends object>(type: CacheItemType, keys: readonly string[], decode: (b: Uint8Array) => T | undefined, signal?: AbortSignal): Promise<Map<string, T>>;
  /** Stores a value in the background. Never throws; the caller may not mutate `value` afterwards. */
  store(type: CacheItemType, key: string, value: Uint8Array): void;
  /** Releases connections; pending stores may be dropped. */
  close(): Promise<void>;
}

/** Prefixes per item type, as upstream's cache keys (P: postings, S: series, EP: expanded postings). */
const PREFIX: Record<CacheItemType, string> = { Postings: 'P', Series: 'S', ExpandedPostings: 'EP' };

/**
 * A cache key: item prefix, block ID and the item, with long or arbitrary items hashed so keys stay valid
 * memcached keys (at most 250 bytes, no spaces or control characters).
 */
export function cacheKey(type: CacheItemType, block: string, item: string): string {
  const safe = item.length <= 64 && /^[\x21-\x7e]*$/.test(item) ? item : createHash('sha256').update(item).digest('base64url');
  return `${PREFIX[type]}:${block}:${safe}`;
}

/** fetchDecoded for caches that keep only bytes: fetch, then decode every hit. */
export async function decodeHits<T extends object>(cache: IndexCache, type: CacheItemType, keys: readonly string[], decode: (b: Uint8Array) => T | undefined, signal?: AbortSignal): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for (const [k, v] of await cache.fetch(type, keys, signal)) {
    const d = decode(v);
    if (d !== undefined) out.set(k, d);
  }
  return out;
}

/** A cache that stores nothing (index cache disabled). */
export const noopIndexCache: IndexCache = {
  fetch: () => Promise.resolve(new Map()),
  fetchDecoded: () => Promise.resolve(new Map()),
  store: () => undefined,
  close: () => Promise.resolve(),
};

/** Wraps a cache so only `enabled` item types reach it (the config's enabled_items; empty = all). */
export function filterItems(inner: IndexCache, enabled: readonly CacheItemType[]): IndexCache {
  if (enabled.length === 0) return inner;
  const on = new Set(enabled);
  return {
    fetch: (type, keys, signal) => (on.has(type) ? inner.fetch(type, keys, signal) : Promise.resolve(new Map())),
    fetchDecoded: (type, keys, decode, signal) => (on.has(type) ? inner.fetchDecoded(type, keys, decode, signal) : Promise.resolve(new Map())),
    store: (type, key, value) => { if (on.has(type)) inner.store(type, key, value); },
    close: () => inner.close(),
  };
}
