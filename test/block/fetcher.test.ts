import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { MetaFetcher } from '../../src/block/fetcher.js';
import { InMemoryBucket } from '../../src/objstore/inmem.js';
import { InstrumentedBucket } from '../../src/objstore/instrumented.js';
import { putMeta } from './fetcher-support.js';

const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

describe('MetaFetcher', () => {
  it('loads blocks with meta.json and reports directories without one as partial uploads', async () => {
    const bucket = new InMemoryBucket();
    const a = await putMeta(bucket, { minTime: 0, maxTime: 1000, labels: { cluster: 'a' } });
    await bucket.upload('01HZZZZZZZZZZZZZZZZZZZZZZZ/index', Buffer.from('partial'));
    await bucket.upload('not-a-block/meta.json', Buffer.from('{}'));
    const r = await new MetaFetcher(bucket).fetch();
    expect([...r.metas.keys()]).toEqual([a]);
    expect(r.metas.get(a)!.thanos.labels).toEqual({ cluster: 'a' });
    expect([...r.partial.keys()]).toEqual(['01HZZZZZZZZZZZZZZZZZZZZZZZ']);
  });

  it('treats a corrupted meta.json as partial instead of failing the sync', async () => {
    const bucket = new InMemoryBucket();
    await bucket.upload('01HZZZZZZZZZZZZZZZZZZZZZZZ/meta.json', Buffer.from('{not json'));
    const r = await new MetaFetcher(bucket).fetch();
    expect(r.metas.size).toBe(0);
    expect(r.partial.get('01HZZZZZZZZZZZZZZZZZZZZZZZ')?.message).toMatch(/invalid JSON/);
  });

  it('caches meta.json on disk so a restarted fetcher reads no meta.json from the bucket', async () => {
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'meta-cache-'));
    dirs.push(cacheDir);
    const inner = new InMemoryBucket();
    const id = await putMeta(inner, { minTime: 0, maxTime: 1000, labels: {} });
    await new MetaFetcher(inner, { cacheDir }).fetch();
    expect(await readFile(path.join(cacheDir, id, 'meta.json'), 'utf8')).toContain(id);
    const registry = new Registry();
    const counted = new InstrumentedBucket(inner, registry);
    const r = await new MetaFetcher(counted, { cacheDir, registry }).fetch();
    expect(r.metas.has(id)).toBe(true);
    const ops = await registry.getSingleMetric('thanos_objstore_bucket_operations_total')!.get();
    expect(ops.values.find((v) => v.labels['operation'] === 'get')?.value).toBe(0);
  });
});
