// The MEMCACHED index cache against a real memcached (Debian's package), started here on a free port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemcachedIndexCache } from '../../../src/store/cache/memcached-cache.js';
import { MemcachedClient } from '../../../src/store/cache/memcached-client.js';
import { freePort } from '../../support/peers/process.js';
import { startMemcached, type Memcached } from '../../support/peers/memcached.js';

let dir = '';
let mc: Memcached;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'memcached-'));
  mc = await startMemcached(dir);
});

afterAll(async () => {
  await mc?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('MemcachedClient', () => {
  it('sets and gets binary values, several keys per get', async () => {
    const c = new MemcachedClient({ addresses: [mc.address] });
    try {
      const v = new Uint8Array(70_000).map((_, i) => i % 256);
      await c.set('k:bin', v, 60);
      await c.set('k:crlf', Buffer.from('a\r\nEND\r\nb'), 60);
      const got = await c.getMulti(['k:bin', 'k:none', 'k:crlf']);
      expect([...got.keys()].sort()).toEqual(['k:bin', 'k:crlf']);
      expect(Buffer.compare(got.get('k:bin')!, Buffer.from(v))).toBe(0);
      expect(got.get('k:crlf')!.toString()).toBe('a\r\nEND\r\nb');
    } finally {
      c.close();
    }
  });

  it('batches gets by max_get_multi_batch_size', async () => {
    const c = new MemcachedClient({ addresses: [mc.address], maxGetMultiBatchSize: 2 });
    try {
      for (let i = 0; i < 5; i++) await c.set(`b:${i}`, Buffer.from(String(i)), 60);
      const got = await c.getMulti(['b:0', 'b:1', 'b:2', 'b:3', 'b:4']);
      expect([...got.values()].map((b) => b.toString()).sort()).toEqual(['0', '1', '2', '3', '4']);
    } finally {
      c.close();
    }
  });
});

describe('MemcachedIndexCache', () => {
  it('stores in the background and serves hits', async () => {
    const cache = new MemcachedIndexCache({ addresses: [mc.address], ttlMs: 60_000 });
    try {
      cache.store('Postings', 'P:blk:a', new Uint8Array([1, 2, 3, 4]));
      cache.store('Series', 'S:blk:1', new Uint8Array([9]));
      await cache.flush();
      const p = await cache.fetch('Postings', ['P:blk:a', 'P:blk:missing']);
      expect([...p.keys()]).toEqual(['P:blk:a']);
      expect([...p.get('P:blk:a')!]).toEqual([1, 2, 3, 4]);
    } finally {
      await cache.close();
    }
  });

  it('turns an unreachable server into misses, not errors', async () => {
    const cache = new MemcachedIndexCache({ addresses: [`127.0.0.1:${await freePort()}`], timeoutMs: 300 });
    try {
      cache.store('Series', 'S:x:1', new Uint8Array([1]));
      expect((await cache.fetch('Series', ['S:x:1'])).size).toBe(0);
    } finally {
      await cache.close();
    }
  });
});
