// Synthetic block metas in a bucket, for fetcher and filter tests (no block data is needed to filter).
import { ulid } from 'ulid';
import { formatThanosMeta, withThanosSection } from '../../src/block/meta.js';
import type { Bucket } from '../../src/objstore/bucket.js';

export async function putMeta(bucket: Bucket, o: { minTime: number; maxTime: number; labels: Record<string, string>; id?: string }): Promise<string> {
  const id = o.id ?? ulid(o.minTime);
  const meta = withThanosSection({ ulid: id, minTime: o.minTime, maxTime: o.maxTime, stats: {}, compaction: { level: 1, sources: [id] }, version: 1 }, { labels: o.labels, source: 'test' });
  await bucket.upload(`${id}/index`, Buffer.from('x'));
  await bucket.upload(`${id}/meta.json`, Buffer.from(formatThanosMeta(meta)));
  return id;
}
