// Shipper over promtool-made blocks: uploads level-1 blocks with the thanos meta section (meta.json last), records
// them in thanos.shipper.json, never uploads twice, retries failures on the next pass; FILESYSTEM and S3 (s3rver).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bucket, OpOptions, UploadBody } from '../../src/objstore/bucket.js';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { FilesystemBucket } from '../../src/objstore/providers/filesystem.js';
import { parseThanosMeta } from '../../src/block/meta.js';
import { Shipper, createShipperMetrics, readLocalBlocks } from '../../src/shipper/shipper.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { labelsFromRecord } from '../../src/tsdb/labels/labels.js';
import { backfill, regularSeries } from '../store/prometheus/prometheus-peer.js';
import type { S3Server } from '../support/peers/s3.js';
import { startS3rver } from '../support/peers/s3.js';

const HOUR = 3600_000;
const EXT = labelsFromRecord({ cluster: 'c1', replica: 'r0' });
let fixtureDir: string;

/** A TSDB dir with three 2h blocks made by promtool, copied fresh for each test. */
beforeAll(async () => {
  fixtureDir = await mkdtemp(path.join(tmpdir(), 'shipper-fixture-'));
  const from = Math.floor((Date.now() - 8 * HOUR) / (2 * HOUR)) * 2 * HOUR;
  await backfill(fixtureDir, path.join(fixtureDir, 'tsdb'), [
    regularSeries({ __name__: 'm', job: 'a' }, from, from + 6 * HOUR, 60_000, (i) => i),
    regularSeries({ __name__: 'm', job: 'b' }, from, from + 6 * HOUR, 60_000, (i) => i * 2),
  ]);
});

afterAll(async () => {
  await rm(fixtureDir, { recursive: true, force: true });
});

/** Records every upload, optionally failing some (by object name suffix), to check order and retries. */
class RecordingBucket implements Bucket {
  readonly uploads: string[] = [];
  failOn: ((name: string) => boolean) | undefined;
  constructor(private readonly inner: Bucket) {}
  get name(): string { return this.inner.name; }
  get provider(): string { return this.inner.provider; }
  iter(dir: string, o?: { recursive?: boolean }): AsyncIterable<string> { return this.inner.iter(dir, o); }
  get(name: string, o?: OpOptions): Promise<Readable> { return this.inner.get(name, o); }
  getRange(name: string, off: number, len: number, o?: OpOptions): Promise<Readable> { return this.inner.getRange(name, off, len, o); }
  exists(name: string, o?: OpOptions): Promise<boolean> { return this.inner.exists(name, o); }
  attributes(name: string, o?: OpOptions): ReturnType<Bucket['attributes']> { return this.inner.attributes(name, o); }
  isNotFoundError(err: unknown): boolean { return this.inner.isNotFoundError(err); }
  async upload(name: string, body: UploadBody, o?: OpOptions): Promise<void> {
    if (this.failOn?.(name)) {
      if (body instanceof Readable) body.destroy();
      throw new Error(`injected failure uploading ${name}`);
    }
    this.uploads.push(name);
    await this.inner.upload(name, body, o);
  }
  delete(name: string, o?: OpOptions): Promise<void> { return this.inner.delete(name, o); }
  close(): Promise<void> { return this.inner.close(); }
}

async function objects(bucket: Bucket): Promise<string[]> {
  const out: string[] = [];
  for await (const n of bucket.iter('', { recursive: true })) out.push(n);
  return out.sort();
}

describe('Shipper', () => {
  let work: string;
  let tsdb: string;
  let bucketDir: string;
  let bucket: RecordingBucket;

  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'shipper-'));
    tsdb = path.join(work, 'tsdb');
    const { cp } = await import('node:fs/promises');
    await cp(path.join(fixtureDir, 'tsdb'), tsdb, { recursive: true });
    bucketDir = path.join(work, 'bucket');
    bucket = new RecordingBucket(new FilesystemBucket(bucketDir));
    return async () => rm(work, { recursive: true, force: true });
  });

  function shipper(opts: { uploadCompacted?: boolean; registry?: Registry } = {}): Shipper {
    return new Shipper(bucket, tsdb, {
      logger: nopLogger, labels: () => EXT, source: 'sidecar',
      ...(opts.uploadCompacted !== undefined ? { uploadCompacted: opts.uploadCompacted } : {}),
      ...(opts.registry ? { metrics: createShipperMetrics(opts.registry) } : {}),
    });
  }

  it('uploads each block with chunks and index first, meta.json last, and a valid thanos section', async () => {
    const blocks = await readLocalBlocks(tsdb);
    expect(blocks.length).toBe(3);
    const registry = new Registry();
    expect(await shipper({ registry }).sync()).toEqual({ uploaded: 3, failed: 0 });
    for (const b of blocks) {
      const id = b.meta.ulid;
      const mine = bucket.uploads.filter((n) => n.startsWith(id));
      expect(mine).toEqual([`${id}/chunks/000001`, `${id}/index`, `${id}/meta.json`]);
      const meta = parseThanosMeta(await readFile(path.join(bucketDir, id, 'meta.json'), 'utf8'));
      expect(meta.thanos.labels).toEqual({ cluster: 'c1', replica: 'r0' });
      expect(meta.thanos.source).toBe('sidecar');
      expect(meta.thanos.downsample.resolution).toBe(0);
      expect(meta.thanos.files).toEqual([
        { rel_path: 'chunks/000001', size_bytes: (await stat(path.join(b.dir, 'chunks/000001'))).size },
        { rel_path: 'index', size_bytes: (await stat(path.join(b.dir, 'index'))).size },
        { rel_path: 'meta.json' },
      ]);
      expect(meta.minTime).toBe(b.meta.minTime);
      expect(meta.stats).toEqual(b.meta.stats);
      expect(existsSync(path.join(bucketDir, id, 'tombstones'))).toBe(false);
    }
    const recorded = JSON.parse(await readFile(path.join(tsdb, 'thanos.shipper.json'), 'utf8')) as unknown;
    expect(recorded).toEqual({ version: 1, uploaded: blocks.map((b) => b.meta.ulid) });
    expect(await readFile(path.join(tsdb, 'thanos.shipper.json'), 'utf8')).toMatch(/^\{\n\t"version": 1,\n\t"uploaded": \[\n\t\t"/);
    expect(await readdir(path.join(tsdb, 'thanos', 'upload'))).toEqual([]);
    expect(await registry.metrics()).toMatch(/thanos_shipper_uploads_total 3/);
  });

  it('never uploads a block twice: not on the next pass, not after a restart, not after losing its bookkeeping', async () => {
    await shipper().sync();
    const n = bucket.uploads.length;
    expect(await shipper().sync()).toEqual({ uploaded: 0, failed: 0 });
    await rm(path.join(tsdb, 'thanos.shipper.json'));
    expect(await shipper().sync()).toEqual({ uploaded: 0, failed: 0 });
    expect(bucket.uploads.length).toBe(n);
    expect((JSON.parse(await readFile(path.join(tsdb, 'thanos.shipper.json'), 'utf8')) as { uploaded: string[] }).uploaded.length).toBe(3);
  });

  it('leaves no meta.json after a failed upload and completes the block on the next pass', async () => {
    const [first] = await readLocalBlocks(tsdb);
    const id = first!.meta.ulid;
    bucket.failOn = (name) => name === `${id}/index`;
    const registry = new Registry();
    const s = shipper({ registry });
    expect(await s.sync()).toEqual({ uploaded: 2, failed: 1 });
    expect((await objects(bucket)).filter((o) => o.startsWith(id))).toEqual([]);
    const recorded = JSON.parse(await readFile(path.join(tsdb, 'thanos.shipper.json'), 'utf8')) as { uploaded: string[] };
    expect(recorded.uploaded).not.toContain(id);
    expect(await registry.metrics()).toMatch(/thanos_shipper_upload_failures_total 1/);
    bucket.failOn = undefined;
    expect(await s.sync()).toEqual({ uploaded: 1, failed: 0 });
    expect(await objects(bucket)).toContain(`${id}/meta.json`);
  });

  it('re-uploads a partial block (objects without meta.json) left by a crash', async () => {
    const [first] = await readLocalBlocks(tsdb);
    const id = first!.meta.ulid;
    await bucket.upload(`${id}/chunks/000001`, Buffer.from('garbage from an interrupted upload'));
    await shipper().sync();
    expect((await readFile(path.join(bucketDir, id, 'chunks/000001'))).equals(await readFile(path.join(first!.dir, 'chunks/000001')))).toBe(true);
    expect(await objects(bucket)).toContain(`${id}/meta.json`);
  });

  it('uploads compacted (level > 1) blocks only with uploadCompacted, and skips empty blocks', async () => {
    const [a, b] = await readLocalBlocks(tsdb);
    const metaA = JSON.parse(await readFile(path.join(a!.dir, 'meta.json'), 'utf8')) as { compaction: { level: number } };
    metaA.compaction.level = 2;
    await writeFile(path.join(a!.dir, 'meta.json'), JSON.stringify(metaA, null, '\t'));
    const metaB = JSON.parse(await readFile(path.join(b!.dir, 'meta.json'), 'utf8')) as { stats: { numSamples: number } };
    metaB.stats.numSamples = 0;
    await writeFile(path.join(b!.dir, 'meta.json'), JSON.stringify(metaB, null, '\t'));
    expect(await shipper().sync()).toEqual({ uploaded: 1, failed: 0 });
    expect(await objects(bucket)).not.toContain(`${a!.meta.ulid}/meta.json`);
    expect(await shipper({ uploadCompacted: true }).sync()).toEqual({ uploaded: 1, failed: 0 });
    expect(await objects(bucket)).toContain(`${a!.meta.ulid}/meta.json`);
    expect(await objects(bucket)).not.toContain(`${b!.meta.ulid}/meta.json`);
  });
});

describe('Shipper on S3 (s3rver)', () => {
  let work: string;
  let server: S3Server;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'shipper-s3-'));
    server = await startS3rver(work);
    await server.createBucket('thanos');
  });

  afterAll(async () => {
    await server?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('uploads the blocks with their thanos meta section', async () => {
    const { cp } = await import('node:fs/promises');
    const tsdb = path.join(work, 'tsdb');
    await cp(path.join(fixtureDir, 'tsdb'), tsdb, { recursive: true });
    const yaml = `type: S3\nconfig:\n  bucket: thanos\n  endpoint: ${server.endpoint}\n  access_key: ${server.accessKey}\n  secret_key: ${server.secretKey}\n  insecure: true\n`;
    const bucket = await createBucket(parseBucketConfig(yaml, 's3.yml', nopLogger), { logger: nopLogger });
    try {
      const s = new Shipper(bucket, tsdb, { logger: nopLogger, labels: () => EXT, source: 'sidecar' });
      expect(await s.sync()).toEqual({ uploaded: 3, failed: 0 });
      expect(await s.sync()).toEqual({ uploaded: 0, failed: 0 });
      const blocks = await readLocalBlocks(tsdb);
      for (const b of blocks) {
        const stream = await bucket.get(`${b.meta.ulid}/meta.json`);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        const meta = parseThanosMeta(Buffer.concat(chunks).toString('utf8'));
        expect(meta.thanos.labels).toEqual({ cluster: 'c1', replica: 'r0' });
        expect(meta.thanos.source).toBe('sidecar');
        expect(await bucket.exists(`${b.meta.ulid}/index`)).toBe(true);
      }
    } finally {
      await bucket.close();
    }
  });
});
