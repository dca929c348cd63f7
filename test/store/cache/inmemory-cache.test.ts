import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { cacheKey, filterItems } from '../../../src/store/cache/index-cache.js';
import { InMemoryIndexCache } from '../../../src/store/cache/inmemory-cache.js';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('InMemoryIndexCache', () => {
  it('returns stored items and misses absent ones', async () => {
    const c = new InMemoryIndexCache({ maxSize: 10_000 });
    c.store('Postings', 'P:b:a', bytes(10));
    const got = await c.fetch('Postings', ['P:b:a', 'P:b:missing']);
    expect([...got.keys()]).toEqual(['P:b:a']);
    expect(got.get('P:b:a')).toEqual(bytes(10));
  });

  it('evicts least recently used items to stay within its byte budget', async () => {
    const c = new InMemoryIndexCache({ maxSize: 3 * (2 * 2 + 2 * 100 + 64), maxItemSize: 300 });
    c.store('Series', 'k1', bytes(100));
    c.store('Series', 'k2', bytes(100));
    c.store('Series', 'k3', bytes(100));
    await c.fetch('Series', ['k1']); // k1 is now the most recently used
    c.store('Series', 'k4', bytes(100));
    const got = await c.fetch('Series', ['k1', 'k2', 'k3', 'k4']);
    expect([...got.keys()].sort()).toEqual(['k1', 'k3', 'k4']);
    expect(c.size).toBeLessThanOrEqual(c.maxSize);
  });

  it('refuses items above the item size and counts them as overflowed', async () => {
    const registry = new Registry();
    const c = new InMemoryIndexCache({ maxSize: 10_000, maxItemSize: 300, registry });
    c.store('Postings', 'big', bytes(500));
    expect((await c.fetch('Postings', ['big'])).size).toBe(0);
    const m = await registry.getSingleMetric('thanos_store_index_cache_items_overflowed_total')!.get();
    expect(m.values.find((v) => v.labels['item_type'] === 'Postings')?.value).toBe(1);
  });

  it('replacing a key keeps the size accounting exact', () => {
    const c = new InMemoryIndexCache({ maxSize: 10_000 });
    c.store('Series', 'k', bytes(100));
    const before = c.size;
    c.store('Series', 'k', bytes(100, 2));
    expect(c.size).toBe(before);
    expect(c.items).toBe(1);
  });

  it('with enabled_items only caches those item types', async () => {
    const c = filterItems(new InMemoryIndexCache({ maxSize: 10_000 }), ['Series']);
    c.store('Postings', 'p', bytes(4));
    c.store('Series', 's', bytes(4));
    expect((await c.fetch('Postings', ['p'])).size).toBe(0);
    expect((await c.fetch('Series', ['s'])).size).toBe(1);
  });
});

describe('cacheKey', () => {
  it('is a valid memcached key for any item', () => {
    const k = cacheKey('Postings', '01HABC', 'name=~"a b\\n'.repeat(40));
    expect(k.length).toBeLessThanOrEqual(250);
    expect(k).toMatch(/^P:01HABC:[\x21-\x7e]+$/);
    expect(cacheKey('Series', 'B', '42')).toBe('S:B:42');
  });
});
