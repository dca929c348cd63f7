// The compactor's meta filters over a real bucket implementation: replica labels removed (with upstream's
// "deduped" label when nothing is left), duplicates by covered sources within a group, no-compact marks gathered.
import { describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import { MetaFetcher } from '../../src/block/fetcher.js';
import { formatMarker } from '../../src/block/markers.js';
import { formatThanosMeta, withThanosSection } from '../../src/block/meta.js';
import { DeduplicateFilter } from '../../src/block/filters.js';
import { NoCompactMarkFilter, ReplicaLabelRemover } from '../../src/compact/filters.js';
import { InMemoryBucket } from '../../src/objstore/inmem.js';

const H = 3_600_000;

async function put(bucket: InMemoryBucket, o: { t: number; labels: Record<string, string>; sources?: string[]; resolution?: number; id?: string }): Promise<string> {
  const id = o.id ?? ulid(o.t);
  const meta = withThanosSection(
    { ulid: id, minTime: o.t, maxTime: o.t + 2 * H, stats: {}, compaction: { level: o.sources ? 2 : 1, sources: o.sources ?? [id] }, version: 1 },
    { labels: o.labels, source: 'test', downsample: { resolution: o.resolution ?? 0 } },
  );
  await bucket.upload(`${id}/meta.json`, Buffer.from(formatThanosMeta(meta)));
  return id;
}

describe('ReplicaLabelRemover', () => {
  it('removes replica labels so both replicas share one group; a block left without labels gets "deduped"', async () => {
    const bucket = new InMemoryBucket();
    const a = await put(bucket, { t: 0, labels: { cluster: 'eu', replica: 'a' } });
    const b = await put(bucket, { t: H, labels: { cluster: 'eu', replica: 'b' } });
    const c = await put(bucket, { t: 2 * H, labels: { rule_replica: 'x' } });
    const d = await put(bucket, { t: 3 * H, labels: {} });
    const f = new ReplicaLabelRemover(['replica', 'rule_replica']);
    const r = await new MetaFetcher(bucket, { filters: [f] }).fetch();
    expect(r.metas.get(a)!.thanos.labels).toEqual({ cluster: 'eu' });
    expect(r.metas.get(b)!.thanos.labels).toEqual({ cluster: 'eu' });
    expect(r.metas.get(c)!.thanos.labels).toEqual({ replica: 'deduped' });
    expect(r.metas.get(d)!.thanos.labels).toEqual({ replica: 'deduped' });
    expect(f.modified).toBe(3);
  });

  it('changes nothing without replica labels', async () => {
    const bucket = new InMemoryBucket();
    const a = await put(bucket, { t: 0, labels: {} });
    const r = await new MetaFetcher(bucket, { filters: [new ReplicaLabelRemover([])] }).fetch();
    expect(r.metas.get(a)!.thanos.labels).toEqual({});
  });
});

describe('DeduplicateFilter', () => {
  it('drops blocks whose sources a block of the same group covers, and only within the group', async () => {
    const bucket = new InMemoryBucket();
    const s1 = await put(bucket, { t: 0, labels: { c: '1' } });
    const s2 = await put(bucket, { t: 2 * H, labels: { c: '1' } });
    const s3 = await put(bucket, { t: 4 * H, labels: { c: '1' } });
    const merged = await put(bucket, { t: 0, labels: { c: '1' }, sources: [s1, s2] });
    // The same sources in another group (other labels, or another resolution) are not duplicates.
    const other = await put(bucket, { t: 0, labels: { c: '2' }, sources: [s1, s2] });
    const downsampled = await put(bucket, { t: 0, labels: { c: '1' }, sources: [s1, s2], resolution: 300_000 });
    const f = new DeduplicateFilter();
    const r = await new MetaFetcher(bucket, { filters: [f] }).fetch();
    expect(f.duplicateIds.sort()).toEqual([s1, s2].sort());
    expect([...r.metas.keys()].sort()).toEqual([s3, merged, other, downsampled].sort());
    expect(r.synced.get('duplicate')).toBe(2);
  });

  it('of two blocks with the same sources keeps the lower ULID', async () => {
    const bucket = new InMemoryBucket();
    const s1 = await put(bucket, { t: 0, labels: {} });
    const x = await put(bucket, { t: 0, labels: {}, sources: [s1], id: '01AAAAAAAAAAAAAAAAAAAAAAAA' });
    const y = await put(bucket, { t: 0, labels: {}, sources: [s1], id: '01BBBBBBBBBBBBBBBBBBBBBBBB' });
    const r = await new MetaFetcher(bucket, { filters: [new DeduplicateFilter()] }).fetch();
    expect([...r.metas.keys()]).toEqual([x]);
    expect(r.metas.has(y)).toBe(false);
  });

  it('with the replica remover first, a merged block covers both replicas\' sources', async () => {
    const bucket = new InMemoryBucket();
    const a = await put(bucket, { t: 0, labels: { replica: 'a', c: '1' } });
    const b = await put(bucket, { t: 0, labels: { replica: 'b', c: '1' } });
    const m = await put(bucket, { t: 0, labels: { c: '1' }, sources: [a, b] });
    const r = await new MetaFetcher(bucket, { filters: [new ReplicaLabelRemover(['replica']), new DeduplicateFilter()] }).fetch();
    expect([...r.metas.keys()]).toEqual([m]);
  });
});

describe('NoCompactMarkFilter', () => {
  it('gathers no-compact marks, keeps the blocks, and skips unreadable marks', async () => {
    const bucket = new InMemoryBucket();
    const a = await put(bucket, { t: 0, labels: {} });
    const b = await put(bucket, { t: 2 * H, labels: {} });
    const c = await put(bucket, { t: 4 * H, labels: {} });
    await bucket.upload(`${a}/no-compact-mark.json`, Buffer.from(formatMarker({ id: a, version: 1, no_compact_time: 1_700_000_000, reason: 'manual', details: 'keep' })));
    await bucket.upload(`${c}/no-compact-mark.json`, Buffer.from('{not json'));
    const f = new NoCompactMarkFilter(bucket);
    const r = await new MetaFetcher(bucket, { filters: [f] }).fetch();
    expect([...f.marks.keys()]).toEqual([a]);
    expect(f.marks.get(a)!.reason).toBe('manual');
    expect([...r.metas.keys()].sort()).toEqual([a, b, c].sort());
    expect(r.synced.get('marked-for-no-compact')).toBe(1);
  });
});
