// The compactor's downsampling pass over a real filesystem bucket: a raw block spanning ≥ 40h becomes a 5m block
// (resolution, source and files in meta.json; level and sources kept), a shorter one and a no-downsample-marked one
// are left alone, a second pass does nothing (sources already covered), upstream's metric names count the work, and
// the retention flags that would stop downsampling produce warnings naming them instead of a refusal.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetaFetcher } from '../../src/block/fetcher.js';
import { NO_DOWNSAMPLE_MARK_FILENAME, formatMarker } from '../../src/block/markers.js';
import { withThanosSection, type ThanosMeta } from '../../src/block/meta.js';
import { FilesystemBucket } from '../../src/objstore/providers/filesystem.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { uploadBlock } from '../../src/shipper/upload.js';
import { BlockWriter } from '../../src/tsdb/block/writer.js';
import {
  downsampleBucketOnce, downsampleCandidates, downsampleMetrics, downsamplePass, retentionDownsamplingWarnings,
} from '../../src/compact/downsample-pass.js';
import { labelsFromRecord } from '../../src/tsdb/labels/labels.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

let dir: string;
let bucket: FilesystemBucket;
const ids: Record<string, string> = {};

async function rawBlock(name: string, hours: number, startH: number): Promise<void> {
  const w = await BlockWriter.create(join(dir, 'src'));
  const ts: number[] = [];
  const vs: number[] = [];
  for (let t = T0 + startH * HOUR; t < T0 + (startH + hours) * HOUR; t += 60_000) { ts.push(t); vs.push(ts.length); }
  await w.addSeries(labelsFromRecord({ __name__: 'up', job: name }), ts, vs);
  const meta = await w.finish();
  const tm = withThanosSection(meta, { labels: { cluster: 'a' }, source: 'sidecar' });
  await uploadBlock(bucket, w.dir, tm);
  ids[name] = meta.ulid;
}

async function metas(): Promise<ThanosMeta[]> {
  return [...(await new MetaFetcher(bucket).fetch()).metas.values()];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ds-pass-'));
  bucket = new FilesystemBucket(join(dir, 'bucket'));
  await rawBlock('long', 41, 0);
  await rawBlock('short', 30, 48);
  await rawBlock('marked', 42, 100);
  await bucket.upload(`${ids['marked']}/${NO_DOWNSAMPLE_MARK_FILENAME}`, Buffer.from(formatMarker({ id: ids['marked']!, version: 1, no_downsample_time: 1, reason: 'manual' })));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('downsamplePass', () => {
  it('downsamples the raw block spanning 40h to 5m, skips the short and the marked one, and only once', async () => {
    const registry = new Registry();
    const before = await metas();
    expect(downsampleCandidates(before).map((c) => c.meta.ulid).sort()).toEqual([ids['long'], ids['marked']].sort());
    const r = await downsamplePass(bucket, before, join(dir, 'work'), { concurrency: 2, logger: nopLogger, metrics: downsampleMetrics(registry) });
    expect(r.failed).toEqual([]);
    expect(r.noDownsampleMarked).toEqual([ids['marked']]);
    expect(r.created).toHaveLength(1);
    const m = r.created[0]!;
    const src = before.find((x) => x.ulid === ids['long'])!;
    expect(m.thanos.downsample.resolution).toBe(300_000);
    expect(m.thanos.source).toBe('compactor');
    expect(m.thanos.labels).toEqual({ cluster: 'a' });
    expect(m.compaction).toEqual(src.compaction);
    expect([m.minTime, m.maxTime]).toEqual([src.minTime, src.maxTime]);
    expect(m.thanos.files?.map((f) => f.rel_path)).toEqual(['chunks/000001', 'index', 'meta.json']);
    // In the bucket, readable by the fetcher.
    const after = await metas();
    expect(after.find((x) => x.ulid === m.ulid)?.thanos.downsample.resolution).toBe(300_000);
    const text = await registry.metrics();
    expect(text).toMatch(/thanos_compact_downsample_total\{resolution="0"\} 1/);
    expect(text).toMatch(/thanos_compact_downsample_duration_seconds_count\{resolution="0"\} 1/);
    // Its sources are now covered: nothing left to do.
    expect(downsampleCandidates(after).map((c) => c.meta.ulid)).toEqual([ids['marked']]);
    const again = await downsampleBucketOnce(bucket, join(dir, 'work'), { concurrency: 1, logger: nopLogger });
    expect(again.created).toEqual([]);
  });
});

describe('retention vs downsampling', () => {
  it('warns, naming the flags, where upstream refuses to start; nothing when downsampling is off or retention is long', () => {
    const w = retentionDownsamplingWarnings({ rawMs: 10 * 60_000, fiveMinMs: HOUR, oneHourMs: 2 * HOUR, downsamplingDisabled: false });
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(/--retention\.resolution-raw=600s is below 40h.*never be downsampled/);
    expect(w[1]).toMatch(/--retention\.resolution-5m=3600s is below 10d/);
    expect(retentionDownsamplingWarnings({ rawMs: 10 * 60_000, fiveMinMs: HOUR, oneHourMs: 0, downsamplingDisabled: true })).toEqual([]);
    expect(retentionDownsamplingWarnings({ rawMs: 0, fiveMinMs: 30 * 24 * HOUR, oneHourMs: 0, downsamplingDisabled: false })).toEqual([]);
  });
});
