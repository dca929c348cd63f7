// The compactor's iteration over a real (in-memory) bucket holding real blocks: leveled compaction as upstream's
// planner, samples preserved, inputs marked and deleted after --delete-delay, overlaps halting only their group,
// vertical compaction with replica labels (exact and penalty), retention per resolution, partial-upload cleanup.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRelabelConfigs } from '../../src/block/relabel.js';
import { BucketCompactor, type BucketCompactorOptions } from '../../src/compact/bucket-compactor.js';
import { InMemoryBucket } from '../../src/objstore/inmem.js';
import { createLogger, nopLogger } from '../../src/runtime/logger.js';
import { H, countSamples, putBlock, readSamples, visibleBlocks } from './support/blocks.js';

let dataDir = '';
beforeEach(async () => { dataDir = await mkdtemp(path.join(tmpdir(), 'compact-unit-')); });
afterEach(async () => { await rm(dataDir, { recursive: true, force: true }); });

function compactor(bucket: InMemoryBucket, o: Partial<BucketCompactorOptions> = {}): BucketCompactor {
  return new BucketCompactor({
    bucket, dataDir, logger: nopLogger, registry: new Registry(), consistencyDelayMs: 0, deleteDelayMs: 0,
    replicaLabels: [], dedupFunc: '', retention: { raw: 0, fiveMinutes: 0, oneHour: 0 }, ...o,
  });
}

const ranges = (metas: readonly { minTime: number; maxTime: number }[]): string[] => metas.map((m) => `${m.minTime / H}-${m.maxTime / H}`);

describe('BucketCompactor', () => {
  it('compacts a day of 2h blocks into the 8h blocks upstream plans, keeps every sample, deletes the inputs', async () => {
    const bucket = new InMemoryBucket();
    for (let i = 0; i < 12; i++) await putBlock(bucket, { minTime: i * 2 * H, maxTime: (i + 1) * 2 * H, labels: { cluster: 'eu' } });
    const before = await readSamples(bucket, await visibleBlocks(bucket));
    const c = compactor(bucket);
    const r = await c.iterate();
    expect(r.errors).toEqual([]);
    expect(r.compactions).toBe(2);
    const after = await visibleBlocks(bucket);
    // 0-8h and 8-16h are complete 8h windows; 16-24h is not (its newest block is kept out), so its blocks stay.
    expect(ranges(after)).toEqual(['0-8', '8-16', '16-18', '18-20', '20-22', '22-24']);
    expect(after.slice(0, 2).map((m) => [m.compaction.level, m.compaction.sources?.length, m.thanos.source])).toEqual([[2, 4, 'compactor'], [2, 4, 'compactor']]);
    expect(after[0]!.thanos.labels).toEqual({ cluster: 'eu' });
    const got = await readSamples(bucket, after);
    expect(got.dupes).toBe(0);
    expect(got.samples).toEqual(before.samples);
    expect(countSamples(got.samples)).toBe(12 * 2 * 60 * 5);
    // A second iteration finds nothing more to do.
    expect((await c.iterate()).compactions).toBe(0);
    expect(await c.metrics.todoCompactions.get()).toMatchObject({ values: [{ value: 0 }] });
  }, 60_000);

  it('with --compact.concurrency=2 runs two disjoint plans of one group at once, in one pass; same result as one at a time', async () => {
    const layoutAfter = async (concurrency: number): Promise<{ passes: number; compactions: number; lines: string[]; layout: string[]; samples: unknown }> => {
      const bucket = new InMemoryBucket();
      for (let i = 0; i < 12; i++) await putBlock(bucket, { minTime: i * 2 * H, maxTime: (i + 1) * 2 * H, labels: { cluster: 'eu' } });
      const lines: string[] = [];
      const c = compactor(bucket, { concurrency, logger: createLogger({ write: (l) => lines.push(l), caller: false }) });
      const r = await c.iterate();
      expect(r.errors).toEqual([]);
      const after = await visibleBlocks(bucket);
      return { passes: r.passes, compactions: r.compactions, lines, layout: ranges(after), samples: (await readSamples(bucket, after)).samples };
    };
    const serial = await layoutAfter(1);
    const parallel = await layoutAfter(2);
    // Upstream's order: 0-8h in the first pass, 8-16h in the second, a third finds nothing.
    expect([serial.passes, serial.compactions]).toEqual([3, 2]);
    // Both plans in the first pass, the second pass finds nothing.
    expect([parallel.passes, parallel.compactions]).toEqual([2, 2]);
    expect(parallel.lines.some((l) => l.includes('msg="compacting disjoint plans of one group at once"') && l.includes('plans=2'))).toBe(true);
    // Both plans started before either finished: the second is planned before the first block is uploaded.
    const planned = parallel.lines.map((l, i) => (l.includes('msg="compaction available and planned"') ? i : -1)).filter((i) => i >= 0);
    const uploaded = parallel.lines.findIndex((l) => l.includes('msg="uploaded block"'));
    expect(planned).toHaveLength(2);
    expect(planned[1]).toBeLessThan(uploaded);
    expect(parallel.layout).toEqual(['0-8', '8-16', '16-18', '18-20', '20-22', '22-24']);
    expect(parallel.layout).toEqual(serial.layout);
    expect(parallel.samples).toEqual(serial.samples);
  }, 60_000);

  it('with --delete-delay the inputs stay, marked, until the delay passed; then they are deleted', async () => {
    const bucket = new InMemoryBucket();
    for (let i = 0; i < 5; i++) await putBlock(bucket, { minTime: i * 2 * H, maxTime: (i + 1) * 2 * H, labels: { a: 'b' } });
    let now = Date.now();
    const c = compactor(bucket, { deleteDelayMs: 48 * H, now: () => now });
    await c.iterate();
    expect((await visibleBlocks(bucket)).length).toBe(6);
    expect((await visibleBlocks(bucket, 24 * H)).length).toBe(6);
    now += 25 * H;
    await c.iterate();
    expect((await visibleBlocks(bucket)).length).toBe(6);
    now += 24 * H;
    await c.iterate();
    expect(ranges(await visibleBlocks(bucket))).toEqual(['0-8', '8-10']);
    expect([...(await listIds(bucket))].length).toBe(2);
  }, 60_000);

  it('halts a group with overlapping blocks (no replica label), leaves the bucket untouched, compacts the other groups', async () => {
    const bucket = new InMemoryBucket();
    await putBlock(bucket, { minTime: 0, maxTime: 2 * H, labels: { g: 'bad' } });
    await putBlock(bucket, { minTime: H, maxTime: 3 * H, labels: { g: 'bad' } });
    for (let i = 0; i < 5; i++) await putBlock(bucket, { minTime: i * 2 * H, maxTime: (i + 1) * 2 * H, labels: { g: 'good' } });
    const objects = await listAll(bucket);
    const halts: string[] = [];
    const c = compactor(bucket, { onHalt: (e) => halts.push(e.group) });
    const r = await c.iterate();
    expect(r.halts.map((h) => h.group)).toEqual(['0@{g="bad"}']);
    expect(r.halts[0]!.message).toContain('pre compaction overlap check');
    expect(r.halts[0]!.remedy).toContain('tools bucket mark');
    expect(halts).toEqual(['0@{g="bad"}']);
    expect(await c.metrics.halted.get()).toMatchObject({ values: [{ value: 1 }] });
    const left = await listAll(bucket);
    for (const o of objects.filter((n) => n.includes('bad'))) expect(left).toContain(o);
    const good = (await visibleBlocks(bucket)).filter((m) => m.thanos.labels['g'] === 'good');
    expect(ranges(good)).toEqual(['0-8', '8-10']);
    const bad = (await visibleBlocks(bucket)).filter((m) => m.thanos.labels['g'] === 'bad');
    expect(bad).toHaveLength(2);
  }, 60_000);

  it('merges two replicas into one stream with --deduplication.replica-label (exact duplicates collapse)', async () => {
    const bucket = new InMemoryBucket();
    for (const replica of ['a', 'b']) {
      for (let i = 0; i < 5; i++) await putBlock(bucket, { minTime: i * 2 * H, maxTime: (i + 1) * 2 * H, labels: { cluster: 'eu', replica } });
    }
    const one = await readSamples(bucket, (await visibleBlocks(bucket)).filter((m) => m.thanos.labels['replica'] === 'a'), ['replica']);
    const c = compactor(bucket, { replicaLabels: ['replica'] });
    const r = await c.iterate();
    expect(r.errors).toEqual([]);
    expect(r.halts).toEqual([]);
    const after = await visibleBlocks(bucket);
    expect(after.every((m) => m.thanos.labels['replica'] === undefined && m.thanos.labels['cluster'] === 'eu')).toBe(true);
    // Overlapping pairs merge first, then the 8h window; the newest pair merges as an overlap.
    expect(ranges(after)).toEqual(['0-8', '8-10']);
    const got = await readSamples(bucket, after);
    expect(got.dupes).toBe(0);
    expect(got.samples).toEqual(one.samples);
  }, 60_000);

  it('penalty deduplication keeps one replica\'s samples rather than interleaving both', async () => {
    const bucket = new InMemoryBucket();
    await putBlock(bucket, { minTime: 0, maxTime: 2 * H, labels: { replica: 'a' }, value: () => 1 });
    await putBlock(bucket, { minTime: 0, maxTime: 2 * H, labels: { replica: 'b' }, offsetMs: 7_000, value: () => 2 });
    const c = compactor(bucket, { replicaLabels: ['replica'], dedupFunc: 'penalty' });
    expect((await c.iterate()).errors).toEqual([]);
    const after = await visibleBlocks(bucket);
    expect(after).toHaveLength(1);
    const got = await readSamples(bucket, after);
    // Replica a is followed throughout; b contributes at most a sample where the algorithm starts (its 5 s initial
    // penalty is shorter than the 7 s offset), never every other sample as the exact merge below does.
    for (const s of got.samples.values()) {
      const fromB = [...s].filter(([, v]) => v === 2);
      expect(s.size - fromB.length).toBe(120);
      expect(fromB.length).toBeLessThanOrEqual(1);
    }
  }, 60_000);

  it('exact deduplication of replicas scraped at different instants interleaves both (why penalty exists)', async () => {
    const bucket = new InMemoryBucket();
    await putBlock(bucket, { minTime: 0, maxTime: 2 * H, labels: { replica: 'a' } });
    await putBlock(bucket, { minTime: 0, maxTime: 2 * H, labels: { replica: 'b' }, offsetMs: 7_000 });
    await compactor(bucket, { replicaLabels: ['replica'] }).iterate();
    const got = await readSamples(bucket, await visibleBlocks(bucket));
    for (const s of got.samples.values()) expect(s.size).toBe(240);
  }, 60_000);

  it('applies retention per resolution: marks blocks whose maxTime + retention passed, deletes them after the delay', async () => {
    const bucket = new InMemoryBucket();
    const old = await putBlock(bucket, { minTime: 0, maxTime: 2 * H, labels: { a: '1' } });
    const recent = await putBlock(bucket, { minTime: 10 * H, maxTime: 12 * H, labels: { a: '2' } });
    let now = 12 * H + 30 * 60_000;
    const c = compactor(bucket, { now: () => now, deleteDelayMs: H, retention: { raw: 10 * H, fiveMinutes: 0, oneHour: 0 } });
    await c.iterate();
    expect(await bucket.exists(`${old.ulid}/deletion-mark.json`)).toBe(true);
    expect(await bucket.exists(`${recent.ulid}/deletion-mark.json`)).toBe(false);
    expect((await visibleBlocks(bucket)).map((m) => m.ulid)).toEqual([old.ulid, recent.ulid]);
    now += 2 * H;
    await c.iterate();
    expect((await visibleBlocks(bucket)).map((m) => m.ulid)).toEqual([recent.ulid]);
    expect(await listIds(bucket)).toEqual(new Set([recent.ulid]));
  }, 60_000);

  it('shards with --selector.relabel-config on labels without the replica labels, so replicas stay together', async () => {
    const bucket = new InMemoryBucket();
    for (const replica of ['a', 'b']) await putBlock(bucket, { minTime: 0, maxTime: 2 * H, labels: { cluster: 'eu', replica } });
    await putBlock(bucket, { minTime: 0, maxTime: 2 * H, labels: { cluster: 'us', replica: 'a' } });
    // A rule that would split the replicas if it saw the replica label.
    const relabel = parseRelabelConfigs('- action: drop\n  source_labels: [replica]\n  regex: b\n- action: keep\n  source_labels: [cluster]\n  regex: eu\n', 'test');
    const c = compactor(bucket, { replicaLabels: ['replica'], relabel });
    expect((await c.iterate()).errors).toEqual([]);
    const after = await visibleBlocks(bucket);
    // Both eu replicas were in this shard and merged; us belongs to another shard and is untouched.
    expect(after.map((m) => [m.thanos.labels['cluster'], m.compaction.level])).toEqual(expect.arrayContaining([['eu', 2], ['us', 1]]));
    expect(after).toHaveLength(2);
  }, 60_000);

  it('removes partial uploads older than 48h, and only those', async () => {
    const bucket = new InMemoryBucket();
    const kept = await putBlock(bucket, { minTime: 0, maxTime: 2 * H, labels: { a: '1' } });
    await bucket.upload('01BX5ZZKBKACTAV9WEVGEMMVRZ/index', Buffer.from('x'));
    let now = Date.now();
    const c = compactor(bucket, { now: () => now });
    await c.iterate();
    expect(await listIds(bucket)).toEqual(new Set([kept.ulid, '01BX5ZZKBKACTAV9WEVGEMMVRZ']));
    now += 49 * H;
    await c.iterate();
    expect(await listIds(bucket)).toEqual(new Set([kept.ulid]));
  }, 60_000);
});

async function listAll(bucket: InMemoryBucket): Promise<string[]> {
  const out: string[] = [];
  for await (const n of bucket.iter('', { recursive: true })) out.push(n);
  return out.sort();
}

async function listIds(bucket: InMemoryBucket): Promise<Set<string>> {
  return new Set((await listAll(bucket)).map((n) => n.split('/')[0]!));
}
