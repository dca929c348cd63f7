import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/runtime/errors.js';
import { parseIndexCacheConfig } from '../../../src/store/cache/config.js';

describe('parseIndexCacheConfig', () => {
  it('reads IN-MEMORY with byte sizes and enabled items', () => {
    expect(parseIndexCacheConfig('type: IN-MEMORY\nconfig:\n  max_size: 1GB\n  max_item_size: 1MB\nenabled_items: [Postings]\n', 'f')).toEqual({
      type: 'IN-MEMORY', maxSize: 1024 ** 3, maxItemSize: 1024 ** 2, enabledItems: ['Postings'],
    });
  });

  it('reads MEMCACHED with upstream defaults', () => {
    const c = parseIndexCacheConfig('type: memcached\nconfig:\n  addresses: ["127.0.0.1:11211"]\n  timeout: 1s\nttl: 1h\n', 'f');
    expect(c).toMatchObject({ type: 'MEMCACHED', addresses: ['127.0.0.1:11211'], timeoutMs: 1000, maxItemSize: 1024 * 1024, ttlMs: 3600_000, maxAsyncConcurrency: 20 });
  });

  it.each([
    { name: 'unknown type', yaml: 'type: REDISX\n', msg: /unsupported index cache type "REDISX"/ },
    { name: 'unknown top-level field', yaml: 'type: IN-MEMORY\nconfg: {}\n', msg: /field confg not found/ },
    { name: 'unknown config field', yaml: 'type: IN-MEMORY\nconfig:\n  maxsize: 1\n', msg: /config: field maxsize not found/ },
    { name: 'item bigger than cache', yaml: 'type: IN-MEMORY\nconfig:\n  max_size: 1MB\n  max_item_size: 2MB\n', msg: /cannot be bigger/ },
    { name: 'memcached without addresses', yaml: 'type: MEMCACHED\nconfig: {}\n', msg: /addresses must be/ },
    { name: 'bad item type', yaml: 'type: IN-MEMORY\nenabled_items: [Chunks]\n', msg: /unsupported item type "Chunks"/ },
  ])('rejects $name', ({ yaml, msg }) => {
    expect(() => parseIndexCacheConfig(yaml, 'cache.yml')).toThrow(ConfigError);
    expect(() => parseIndexCacheConfig(yaml, 'cache.yml')).toThrow(msg);
  });
});
