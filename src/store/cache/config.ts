// The index cache YAML of --index-cache.config(-file), as upstream: `type` IN-MEMORY or MEMCACHED, `config`,
// `enabled_items` and `ttl`; strict keys, errors naming the field. Without a config, --index-cache-size sizes an
// in-memory cache.

import type { Registry } from 'prom-client';
import { parseYaml } from '../../runtime/yaml-fields.js';
import { ConfigError } from '../../runtime/errors.js';
import { parseBytes } from '../../runtime/flag-values.js';
import { parseDuration } from '../../runtime/duration.js';
import type { Logger } from '../../runtime/logger.js';
import { CACHE_ITEM_TYPES, filterItems, type CacheItemType, type IndexCache } from './index-cache.js';
import { InMemoryIndexCache } from './inmemory-cache.js';
import { MemcachedIndexCache } from './memcached-cache.js';

export type IndexCacheConfig =
  | { readonly type: 'IN-MEMORY'; readonly maxSize: number; readonly maxItemSize: number; readonly enabledItems: CacheItemType[] }
  | {
    readonly type: 'MEMCACHED'; readonly addresses: string[]; readonly timeoutMs: number; readonly maxIdleConnections: number;
    readonly maxAsyncConcurrency: number; readonly maxItemSize: number; readonly maxGetMultiBatchSize: number;
    readonly enabledItems: CacheItemType[]; readonly ttlMs: number;
  };

type Obj = Record<string, unknown>;

function obj(v: unknown, where: string): Obj {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError('must be a mapping', { where });
  return v as Obj;
}

function strict(o: Obj, keys: readonly string[], where: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new ConfigError(`field ${k} not found`, { where });
}

function bytesField(o: Obj, k: string, dflt: number, where: string): number {
  const v = o[k];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string') {
    try { return parseBytes(v); } catch (err) { throw new ConfigError(`${k}: ${err instanceof Error ? err.message : String(err)}`, { where }); }
  }
  throw new ConfigError(`${k} must be a byte size`, { where });
}

function intField(o: Obj, k: string, dflt: number, where: string): number {
  const v = o[k];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ConfigError(`${k} must be a non-negative integer`, { where });
  return v;
}

function durationField(o: Obj, k: string, dflt: number, where: string): number {
  const v = o[k];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') throw new ConfigError(`${k} must be a duration string`, { where });
  try { return parseDuration(v); } catch (err) { throw new ConfigError(`${k}: ${err instanceof Error ? err.message : String(err)}`, { where }); }
}

/** Parses the index cache YAML; `where` names the flag or file. */
export function parseIndexCacheConfig(text: string, where: string): IndexCacheConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`invalid YAML: ${err instanceof Error ? err.message : String(err)}`, { where });
  }
  const top = obj(doc, where);
  strict(top, ['type', 'config', 'enabled_items', 'ttl'], where);
  const type = typeof top['type'] === 'string' ? top['type'].toUpperCase() : '';
  const items = top['enabled_items'] ?? [];
  if (!Array.isArray(items)) throw new ConfigError('enabled_items must be a list', { where });
  const enabledItems = items.map((i) => {
    const t = CACHE_ITEM_TYPES.find((x) => x === i);
    if (!t) throw new ConfigError(`unsupported item type ${JSON.stringify(i)} in enabled_items (one of ${CACHE_ITEM_TYPES.join(', ')})`, { where });
    return t;
  });
  const c = obj(top['config'], `${where}: config`);
  const cw = `${where}: config`;
  switch (type) {
    case 'IN-MEMORY': {
      strict(c, ['max_size', 'max_item_size'], cw);
      const maxSize = bytesField(c, 'max_size', 250 * 1024 * 1024, cw);
      const maxItemSize = bytesField(c, 'max_item_size', 125 * 1024 * 1024, cw);
      if (maxItemSize > maxSize) throw new ConfigError(`max item size (${maxItemSize}) cannot be bigger than overall cache size (${maxSize})`, { where: cw });
      return { type, maxSize, maxItemSize, enabledItems };
    }
    case 'MEMCACHED': {
      strict(c, ['addresses', 'timeout', 'max_idle_connections', 'max_async_concurrency', 'max_async_buffer_size', 'max_get_multi_concurrency',
        'max_item_size', 'max_get_multi_batch_size', 'dns_provider_update_interval', 'auto_discovery', 'set_async_circuit_breaker_config'], cw);
      const addresses = c['addresses'];
      if (!Array.isArray(addresses) || addresses.length === 0 || !addresses.every((a) => typeof a === 'string' && /:\d+$/.test(a))) {
        throw new ConfigError('addresses must be a non-empty list of host:port', { where: cw });
      }
      return {
        type, addresses: addresses as string[],
        timeoutMs: durationField(c, 'timeout', 500, cw),
        maxIdleConnections: intField(c, 'max_idle_connections', 100, cw),
        maxAsyncConcurrency: intField(c, 'max_async_concurrency', 20, cw),
        maxItemSize: bytesField(c, 'max_item_size', 1024 * 1024, cw),
        maxGetMultiBatchSize: intField(c, 'max_get_multi_batch_size', 0, cw),
        enabledItems,
        ttlMs: durationField(top, 'ttl', 24 * 3600 * 1000, where),
      };
    }
    default:
      throw new ConfigError(`unsupported index cache type ${JSON.stringify(top['type'])} (supported: IN-MEMORY, MEMCACHED)`, { where });
  }
}

/** Builds the configured cache. */
export function createIndexCache(cfg: IndexCacheConfig, deps: { logger: Logger; registry?: Registry }): IndexCache {
  const reg = deps.registry ? { registry: deps.registry } : {};
  switch (cfg.type) {
    case 'IN-MEMORY':
      return filterItems(new InMemoryIndexCache({ maxSize: cfg.maxSize, maxItemSize: cfg.maxItemSize, ...reg }), cfg.enabledItems);
    case 'MEMCACHED':
      return filterItems(new MemcachedIndexCache({
        addresses: cfg.addresses, timeoutMs: cfg.timeoutMs, maxIdleConnections: cfg.maxIdleConnections,
        maxAsyncConcurrency: cfg.maxAsyncConcurrency, maxItemSize: cfg.maxItemSize, maxGetMultiBatchSize: cfg.maxGetMultiBatchSize,
        ttlMs: cfg.ttlMs, logger: deps.logger, ...reg,
      }), cfg.enabledItems);
    default: {
      const never: never = cfg;
      throw new Error(`unhandled cache ${JSON.stringify(never)}`);
    }
  }
}
