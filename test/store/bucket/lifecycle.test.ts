// Store gateway lifecycle over FILESYSTEM buckets of promtool blocks: restarts reuse index-headers, deletion marks
// hide blocks after the delay, hashmod-sharded gateways split the blocks, and corrupt objects fail only their block.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IgnoreDeletionMarkFilter, LabelShardedFilter } from '../../../src/block/filters.js';
import { formatMarker } from '../../../src/block/markers.js';
import { hashMod, parseRelabelConfigs } from '../../../src/block/relabel.js';
import type { Bucket } from '../../../src/objstore/bucket.js';
import { createBucket, parseBucketConfig } from '../../../src/objstore/config.js';
import { nopLogger } from '../../../src/runtime/logger.js';
import { formatLabels } from '../../../src/tsdb/labels/labels.js';
import { Matcher } from '../../../src/tsdb/labels/matcher.js';
import { ProxyStore } from '../../../src/store/proxy.js';
import { seriesRequest } from '../../../src/store/store-api.js';
import { collectSeries, startGateway } from './harness.js';
import { T0, openMetrics, promtoolBlocks, uploadBlock } from './support.js';

let work = '';
let blocksA: string[] = [];
let blocksB: string[] = [];
const toClose: Bucket[] = [];
let n = 0;

/** A fresh FILESYSTEM bucket holding every fixture block; returns it and the IDs per source. */
async function freshBucket(): Promise<{ bucket: Bucket; a: string[]; b: string[]; dir: string }> {
  const dir = path.join(work, `bucket-${n++}`);
  const bucket = await createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${dir}\n`, 'test', nopLogger), { logger: nopLogger });
  toClose.push(bucket);
  const a: string[] = [];
  const b: string[] = [];
  for (const d of blocksA) a.push(await uploadBlock(bucket, d, { cluster: 'a' }));
  for (const d of blocksB) b.push(await uploadBlock(bucket, d, { cluster: 'b' }));
  return { bucket, a, b, dir };
}

const up = [new Matcher('=', '__name__', 'up')];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'store-lifecycle-'));
  blocksA = await promtoolBlocks(work, 'a', openMetrics(5, 1));
  blocksB = await promtoolBlocks(work, 'b', openMetrics(4, 2));
}, 60_000);

afterAll(async () => {
  for (const b of toClose) await b.close();
  await rm(work, { recursive: true, force: true });
});

describe('BucketStore restart', () => {
  it('reuses index-headers from --data-dir: nothing rebuilt, only small range reads', async () => {
    const { bucket, a, b } = await freshBucket();
    const dataDir = path.join(work, 'restart-data');
    const first = await startGateway(bucket, { dataDir });
    const built = await first.registry.getSingleMetric('thanos_bucket_store_indexheader_build_bytes_total')!.get();
    expect(built.values[0]!.value).toBeGreaterThan(0);
    const firstRanges = await first.ops('get_range');
    const want = await collectSeries(first.client, seriesRequest({ matchers: up }));
    await first.stop();

    const second = await startGateway(bucket, { dataDir });
    try {
      const rebuilt = await second.registry.getSingleMetric('thanos_bucket_store_indexheader_build_bytes_total')!.get();
      expect(rebuilt.values[0]?.value ?? 0).toBe(0);
      const blocks = a.length + b.length;
      // Building read header, TOC, symbols and postings table of each block; reopening reads only the label offset table.
      expect(firstRanges).toBeGreaterThanOrEqual(4 * blocks);
      expect(await second.ops('get_range')).toBeLessThanOrEqual(2 * blocks);
      expect(await second.ops('get')).toBe(blocks);
      const got = await collectSeries(second.client, seriesRequest({ matchers: up }));
      expect(got.series.map((s) => formatLabels(s.labels))).toEqual(want.series.map((s) => formatLabels(s.labels)));
    } finally {
      await second.stop();
    }
  });
});

describe('BucketStore deletion marks', () => {
  it('stops serving a deletion-marked block once the mark is older than the delay', async () => {
    const { bucket, a } = await freshBucket();
    const markedAt = 1_800_000_000;
    let now = markedAt * 1000 + 60_000;
    const gw = await startGateway(bucket, { dataDir: path.join(work, 'del-data'), filters: [new IgnoreDeletionMarkFilter(bucket, 3600_000, { now: () => now })] });
    try {
      const victim = a[0]!;
      await bucket.upload(`${victim}/deletion-mark.json`, Buffer.from(formatMarker({ id: victim, version: 1, details: 'test', deletion_time: markedAt })));
      await gw.store.sync();
      expect(gw.store.blockIds()).toContain(victim);
      const before = await collectSeries(gw.client, seriesRequest({ matchers: [...up, new Matcher('=', 'cluster', 'a')], minTime: T0, maxTime: T0 + 3600_000 }));
      expect(before.series.length).toBeGreaterThan(0);
      now = (markedAt + 3601) * 1000;
      await gw.store.sync();
      expect(gw.store.blockIds()).not.toContain(victim);
      const after = await collectSeries(gw.client, seriesRequest({ matchers: [...up, new Matcher('=', 'cluster', 'a')], minTime: T0, maxTime: T0 + 3600_000 }));
      expect(after.series).toHaveLength(0);
    } finally {
      await gw.stop();
    }
  });
});

describe('BucketStore hashmod sharding', () => {
  it('two gateways with hashmod relabel configs together serve every block exactly once', async () => {
    const { bucket, a, b } = await freshBucket();
    const shard = (k: number) => new LabelShardedFilter(parseRelabelConfigs(
      `- action: hashmod\n  source_labels: [__block_id]\n  target_label: shard\n  modulus: 2\n- action: keep\n  source_labels: [shard]\n  regex: "${k}"\n`, `shard-${k}`));
    const g0 = await startGateway(bucket, { dataDir: path.join(work, 'shard0'), filters: [shard(0)] });
    const g1 = await startGateway(bucket, { dataDir: path.join(work, 'shard1'), filters: [shard(1)] });
    const all = await startGateway(bucket, { dataDir: path.join(work, 'shard-all') });
    try {
      const ids0 = g0.store.blockIds();
      const ids1 = g1.store.blockIds();
      // Block IDs are random ULIDs, so a shard may happen to be empty; each must hold exactly its hashmod share.
      const every = [...a, ...b].sort();
      expect([...ids0].sort()).toEqual(every.filter((id) => hashMod(id, 2) === 0));
      expect([...ids1].sort()).toEqual(every.filter((id) => hashMod(id, 2) === 1));
      expect([...ids0, ...ids1].sort()).toEqual(every);
      const targets = [
        { name: 'g0', store: g0.client, info: await g0.client.info() },
        { name: 'g1', store: g1.client, info: await g1.client.info() },
      ];
      const proxy = new ProxyStore(() => targets);
      const req = seriesRequest({ matchers: [new Matcher('=~', '__name__', 'up|cpu_seconds')] });
      const merged = await collectSeries(proxy, req);
      const single = await collectSeries(all.client, req);
      expect(merged.series.map((s) => formatLabels(s.labels))).toEqual(single.series.map((s) => formatLabels(s.labels)));
      expect(merged.series.map((s) => s.chunks.length)).toEqual(single.series.map((s) => s.chunks.length));
    } finally {
      await g0.stop();
      await g1.stop();
      await all.stop();
    }
  });
});

describe('BucketStore corruption', () => {
  it('confines a corrupt chunk or index object to the series it touches, naming the block (an error under ABORT)', async () => {
    const { bucket, a, b, dir } = await freshBucket();
    // Chunk corruption: flip bytes inside the first chunk of cluster a's first block.
    const chunkFile = path.join(dir, a[0]!, 'chunks', '000001');
    const chunks = await readFile(chunkFile);
    for (let i = 20; i < 40; i++) chunks[i]! ^= 0xff;
    await writeFile(chunkFile, chunks);
    // Index corruption: flip bytes in the series section of cluster b's last block.
    const indexFile = path.join(dir, b[b.length - 1]!, 'index');
    const index = await readFile(indexFile);
    const seriesAt = Number(index.readBigUInt64BE(index.length - 52 + 8));
    for (let i = seriesAt + 4; i < seriesAt + 12; i++) index[i]! ^= 0xff;
    await writeFile(indexFile, index);

    const gw = await startGateway(bucket, { dataDir: path.join(work, 'corrupt-data') });
    try {
      expect(gw.store.blockIds()).toHaveLength(a.length + b.length);
      const inA0 = seriesRequest({ matchers: [new Matcher('=~', '__name__', '.+'), new Matcher('=', 'cluster', 'a')], minTime: T0, maxTime: T0 + 3600_000 });
      await expect(collectSeries(gw.client, { ...inA0, partialResponseStrategy: 'ABORT' })).rejects.toThrow(new RegExp(`block ${a[0]!}.*checksum mismatch`));
      const partA = await collectSeries(gw.client, inA0);
      expect(partA.warnings).toHaveLength(1);
      expect(partA.warnings[0]).toMatch(new RegExp(`block ${a[0]!}: corrupt chunk in ${a[0]!}/chunks/000001 at byte 8: checksum mismatch`));
      expect(partA.series).toHaveLength(23); // the first chunk's series alone is lost
      const bLast = seriesRequest({ matchers: [new Matcher('=~', '__name__', '.+'), new Matcher('=', 'cluster', 'b')] });
      await expect(collectSeries(gw.client, { ...bLast, partialResponseStrategy: 'ABORT' })).rejects.toThrow(new RegExp(`block ${b[b.length - 1]!}: corrupt series`));
      const partB = await collectSeries(gw.client, bLast);
      expect(partB.warnings).toHaveLength(1);
      expect(partB.warnings[0]).toMatch(new RegExp(`block ${b[b.length - 1]!}: corrupt series`));
      expect(partB.series).toHaveLength(24); // every series, from the blocks before the last one
      // Everything else keeps serving: cluster a after its first block, cluster b before its last one.
      const laterA = await collectSeries(gw.client, seriesRequest({ matchers: [...up, new Matcher('=', 'cluster', 'a')], minTime: T0 + 2 * 3600_000 }));
      expect(laterA.series).toHaveLength(8);
      const earlyB = await collectSeries(gw.client, seriesRequest({ matchers: [new Matcher('=~', '__name__', '.+'), new Matcher('=', 'cluster', 'b')], maxTime: T0 + 3600_000 }));
      expect(earlyB.series).toHaveLength(24);
    } finally {
      await gw.stop();
    }
  });

  it('reports a block whose index cannot even be opened, by name, instead of answering without it', async () => {
    const { bucket, a, dir } = await freshBucket();
    const indexFile = path.join(dir, a[0]!, 'index');
    const index = await readFile(indexFile);
    index[index.length - 1]! ^= 0xff; // the TOC checksum
    await writeFile(indexFile, index);
    const gw = await startGateway(bucket, { dataDir: path.join(work, 'toc-data') });
    try {
      expect(gw.store.blockIds()).not.toContain(a[0]);
      const req = { matchers: [...up, new Matcher('=', 'cluster', 'a')], minTime: T0, maxTime: T0 + 3600_000 };
      const warned = await collectSeries(gw.client, seriesRequest(req));
      expect(warned.series).toHaveLength(0);
      expect(warned.warnings.join('\n')).toMatch(new RegExp(`block ${a[0]!} could not be loaded: .*checksum mismatch`));
      await expect(collectSeries(gw.client, seriesRequest({ ...req, partialResponseStrategy: 'ABORT' }))).rejects.toThrow(new RegExp(`block ${a[0]!} could not be loaded`));
      // Cluster b's blocks over the same hours are unaffected.
      const other = await collectSeries(gw.client, seriesRequest({ ...req, matchers: [...up, new Matcher('=', 'cluster', 'b')] }));
      expect(other.series).toHaveLength(8);
      expect(other.warnings).toEqual([]);
    } finally {
      await gw.stop();
    }
  });
});
