// A block's local copy in the compactor's work directory: what a crash can leave there (a truncated meta.json, a
// short data file, a meta.json that is not the bucket's) is fetched again; a complete copy is reused untouched.
import { mkdtemp, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatThanosMeta, type ThanosMeta } from '../../src/block/meta.js';
import { downloadBlock } from '../../src/compact/download.js';
import { FilesystemBucket } from '../../src/objstore/providers/filesystem.js';
import { blockFiles } from '../../src/shipper/upload.js';
import { BlockReader } from '../../src/tsdb/block/reader.js';
import { H, putBlock } from './support/blocks.js';

let root: string;
let bucket: FilesystemBucket;
let meta: ThanosMeta;
let work: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'compact-download-'));
  bucket = new FilesystemBucket(path.join(root, 'bucket'));
  const bare = await putBlock(bucket, { minTime: 0, maxTime: 2 * H, labels: { replica: 'a' } });
  work = path.join(root, 'work');
  // What the shipper and compactor upload: a meta listing every file with its size.
  const files = await blockFiles(await downloadBlock(bucket, bare, path.join(root, 'first')));
  meta = { ...bare, thanos: { ...bare.thanos, files } };
  await bucket.upload(`${meta.ulid}/meta.json`, Buffer.from(formatThanosMeta(meta)));
});
afterEach(async () => { await rm(root, { recursive: true, force: true }); });

const OLD = new Date(2000, 0, 1);

describe('downloadBlock', () => {
  const damage: { name: string; harm: (dir: string) => Promise<void> }[] = [
    { name: 'meta.json cut to zero bytes', harm: (d) => truncate(path.join(d, 'meta.json'), 0) },
    { name: 'meta.json cut in the middle', harm: async (d) => truncate(path.join(d, 'meta.json'), (await stat(path.join(d, 'meta.json'))).size >> 1) },
    { name: 'meta.json missing, data files there', harm: (d) => rm(path.join(d, 'meta.json')) },
    { name: 'index short', harm: async (d) => truncate(path.join(d, 'index'), (await stat(path.join(d, 'index'))).size - 10) },
    { name: 'chunk segment missing', harm: (d) => rm(path.join(d, 'chunks', '000001')) },
    { name: 'meta.json of another block', harm: (d) => writeFile(path.join(d, 'meta.json'), formatThanosMeta({ ...meta, maxTime: meta.maxTime + 1 })) },
  ];
  for (const { name, harm } of damage) {
    it(`fetches again when ${name}`, async () => {
      const dir = await downloadBlock(bucket, meta, work);
      await harm(dir);
      expect(await downloadBlock(bucket, meta, work)).toBe(dir);
      expect(await readFile(path.join(dir, 'meta.json'), 'utf8')).toBe(formatThanosMeta(meta));
      const r = await BlockReader.open(dir);
      try {
        let series = 0;
        for await (const s of r.select([])) { expect(s.labels.length).toBeGreaterThan(0); series++; }
        expect(series).toBe(meta.stats.numSeries);
      } finally {
        await r.close();
      }
    });
  }

  it('reuses a complete copy without fetching', async () => {
    const dir = await downloadBlock(bucket, meta, work);
    await utimes(path.join(dir, 'index'), OLD, OLD);
    await downloadBlock(bucket, meta, work);
    expect((await stat(path.join(dir, 'index'))).mtime.getTime()).toBe(OLD.getTime());
    await expect(stat(path.join(dir, 'meta.json.tmp'))).rejects.toThrow();
  });

  it('fetches again a copy whose meta lists no files (nothing to check it against)', async () => {
    const { files: _f, ...section } = meta.thanos;
    const unlisted = { ...meta, thanos: section };
    const dir = await downloadBlock(bucket, unlisted, work);
    await utimes(path.join(dir, 'index'), OLD, OLD);
    await downloadBlock(bucket, unlisted, work);
    expect((await stat(path.join(dir, 'index'))).mtime.getTime()).not.toBe(OLD.getTime());
  });
});
