// `thanos-ts compact` downsamples in its own loop: a one-shot run of the real binary over a bucket holding a raw
// block that spans 41h (and one of 10h) uploads a 5m block made from the long one only; with --downsampling.disable
// nothing is downsampled. (The aggregates themselves are checked in test/tsdb/downsample and test/e2e/downsample.)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetaFetcher } from '../../src/block/fetcher.js';
import { withThanosSection } from '../../src/block/meta.js';
import { FilesystemBucket } from '../../src/objstore/providers/filesystem.js';
import { uploadBlock } from '../../src/shipper/upload.js';
import { BlockWriter } from '../../src/tsdb/block/writer.js';
import { labelsFromRecord } from '../../src/tsdb/labels/labels.js';
import { runCli } from '../support/cli.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
let dir = '';

async function bucketWithRawBlocks(name: string): Promise<{ config: string; bucket: FilesystemBucket; long: string }> {
  const root = join(dir, name);
  const bucket = new FilesystemBucket(join(root, 'bucket'));
  let long = '';
  for (const [job, hours, startH] of [['long', 41, 0], ['short', 10, 60]] as const) {
    const w = await BlockWriter.create(join(root, 'src'));
    const ts: number[] = [];
    const vs: number[] = [];
    for (let t = T0 + startH * HOUR; t < T0 + (startH + hours) * HOUR; t += 60_000) { ts.push(t); vs.push(ts.length); }
    await w.addSeries(labelsFromRecord({ __name__: 'up', job }), ts, vs);
    const meta = await w.finish();
    await uploadBlock(bucket, w.dir, withThanosSection(meta, { labels: { cluster: 'a' }, source: 'sidecar' }));
    if (job === 'long') long = meta.ulid;
  }
  const config = join(root, 'bucket.yml');
  await writeFile(config, `type: FILESYSTEM\nconfig:\n  directory: ${join(root, 'bucket')}\n`);
  return { config, bucket, long };
}

async function resolutions(bucket: FilesystemBucket): Promise<{ res: number; sources: readonly string[] | undefined }[]> {
  const { metas } = await new MetaFetcher(bucket).fetch();
  return [...metas.values()].map((m) => ({ res: m.thanos.downsample.resolution, sources: m.compaction.sources })).sort((a, b) => a.res - b.res);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'compact-downsample-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('compact downsamples', () => {
  it('uploads a 5m block for the raw block spanning 40h or more, and only for it', async () => {
    const { config, bucket, long } = await bucketWithRawBlocks('on');
    const r = runCli(['compact', `--objstore.config-file=${config}`, `--data-dir=${join(dir, 'on', 'work')}`, '--consistency-delay=0s',
      '--http-address=127.0.0.1:0'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const got = await resolutions(bucket);
    expect(got.filter((b) => b.res === 300_000)).toEqual([{ res: 300_000, sources: [long] }]);
    expect(got.filter((b) => b.res === 0)).toHaveLength(2);
    expect(r.stderr).toMatch(/msg="downsampled blocks" created=1/);
  });

  it('--downsampling.disable leaves every block raw', async () => {
    const { config, bucket } = await bucketWithRawBlocks('off');
    const r = runCli(['compact', `--objstore.config-file=${config}`, `--data-dir=${join(dir, 'off', 'work')}`, '--consistency-delay=0s',
      '--http-address=127.0.0.1:0', '--downsampling.disable'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect((await resolutions(bucket)).map((b) => b.res)).toEqual([0, 0]);
  });
});
