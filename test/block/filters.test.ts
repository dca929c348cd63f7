import { describe, expect, it } from 'vitest';
import { MetaFetcher } from '../../src/block/fetcher.js';
import { ConsistencyDelayFilter, IgnoreDeletionMarkFilter, LabelShardedFilter, TimePartitionFilter } from '../../src/block/filters.js';
import { formatMarker } from '../../src/block/markers.js';
import { parseRelabelConfigs } from '../../src/block/relabel.js';
import { InMemoryBucket } from '../../src/objstore/inmem.js';
import { putMeta } from './fetcher-support.js';

const H = 3600_000;

describe('TimePartitionFilter', () => {
  it('keeps blocks overlapping [min, max] and counts the rest as time-excluded', async () => {
    const bucket = new InMemoryBucket();
    const early = await putMeta(bucket, { minTime: 0, maxTime: 2 * H, labels: {} });
    const mid = await putMeta(bucket, { minTime: 2 * H, maxTime: 4 * H, labels: {} });
    const late = await putMeta(bucket, { minTime: 4 * H, maxTime: 6 * H, labels: {} });
    const r = await new MetaFetcher(bucket, { filters: [new TimePartitionFilter(3 * H, 4 * H - 1)] }).fetch();
    expect([...r.metas.keys()]).toEqual([mid]);
    expect(r.synced.get('time-excluded')).toBe(2);
    expect([early, late].some((id) => r.metas.has(id))).toBe(false);
  });
});

describe('IgnoreDeletionMarkFilter', () => {
  it('hides a marked block only once the mark is older than the delay', async () => {
    const bucket = new InMemoryBucket();
    const kept = await putMeta(bucket, { minTime: 0, maxTime: H, labels: {} });
    const marked = await putMeta(bucket, { minTime: H, maxTime: 2 * H, labels: {} });
    const markedAt = 1_700_000_000;
    await bucket.upload(`${marked}/deletion-mark.json`, Buffer.from(formatMarker({ id: marked, version: 1, details: 'test', deletion_time: markedAt })));
    let now = markedAt * 1000 + 30 * 60_000;
    const filter = new IgnoreDeletionMarkFilter(bucket, H, { now: () => now });
    const fetcher = new MetaFetcher(bucket, { filters: [filter] });
    expect([...(await fetcher.fetch()).metas.keys()].sort()).toEqual([kept, marked].sort());
    expect(filter.marks.has(marked)).toBe(true);
    now = markedAt * 1000 + H + 1000;
    const r = await fetcher.fetch();
    expect([...r.metas.keys()]).toEqual([kept]);
    expect(r.synced.get('marked-for-deletion')).toBe(1);
  });
});

describe('LabelShardedFilter', () => {
  it('two hashmod shards over __block_id split the blocks, each exactly once', async () => {
    const bucket = new InMemoryBucket();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await putMeta(bucket, { minTime: i * H, maxTime: (i + 1) * H, labels: { cluster: i % 2 ? 'a' : 'b' } }));
    const shard = (n: number) => new LabelShardedFilter(parseRelabelConfigs(`
- action: hashmod
  source_labels: [__block_id]
  target_label: shard
  modulus: 2
- action: keep
  source_labels: [shard]
  regex: "${n}"
`, `shard-${n}`));
    const r0 = await new MetaFetcher(bucket, { filters: [shard(0)] }).fetch();
    const r1 = await new MetaFetcher(bucket, { filters: [shard(1)] }).fetch();
    expect(r0.metas.size).toBeGreaterThan(0);
    expect(r1.metas.size).toBeGreaterThan(0);
    expect([...r0.metas.keys(), ...r1.metas.keys()].sort()).toEqual([...ids].sort());
  });

  it('drops blocks by external label', async () => {
    const bucket = new InMemoryBucket();
    const a = await putMeta(bucket, { minTime: 0, maxTime: H, labels: { cluster: 'a' } });
    await putMeta(bucket, { minTime: H, maxTime: 2 * H, labels: { cluster: 'b' } });
    const f = new LabelShardedFilter(parseRelabelConfigs('- action: drop\n  source_labels: [cluster]\n  regex: b\n', 'x'));
    const r = await new MetaFetcher(bucket, { filters: [f] }).fetch();
    expect([...r.metas.keys()]).toEqual([a]);
    expect(r.synced.get('label-excluded')).toBe(1);
  });
});

describe('ConsistencyDelayFilter', () => {
  it('hides blocks younger than the delay by ULID time', async () => {
    const bucket = new InMemoryBucket();
    const t = 1_700_000_000_000;
    const old = await putMeta(bucket, { minTime: t - 10 * H, maxTime: t - 9 * H, labels: {} });
    await putMeta(bucket, { minTime: t - 60_000, maxTime: t, labels: {} });
    const r = await new MetaFetcher(bucket, { filters: [new ConsistencyDelayFilter(30 * 60_000, () => t)] }).fetch();
    expect([...r.metas.keys()]).toEqual([old]);
  });
});
