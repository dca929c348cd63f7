// Bucket acceptance for the in-process providers: MEMORY, FILESYSTEM (from YAML config), and the prefix, retry and
// metrics wrappers, which must keep the whole contract.
import { mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { nopLogger } from '../../src/runtime/logger.js';
import { InMemoryBucket } from '../../src/objstore/inmem.js';
import { PrefixedBucket } from '../../src/objstore/prefixed.js';
import { RetryingBucket } from '../../src/objstore/retrying.js';
import { InstrumentedBucket } from '../../src/objstore/instrumented.js';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { describeBucket, streamOf, testBytes } from '../support/bucket-acceptance.js';

const dirs: string[] = [];
afterAll(async () => { await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))); });

describeBucket('MEMORY', async () => ({ bucket: new InMemoryBucket() }));

describeBucket('FILESYSTEM', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'objstore-fs-'));
  dirs.push(dir);
  const cfg = parseBucketConfig(`type: filesystem\nconfig:\n  directory: ${dir}\n`, 'test', nopLogger);
  return { bucket: await createBucket(cfg, { logger: nopLogger }) };
});

describeBucket('prefixed(retrying(instrumented(MEMORY)))', async () => ({
  bucket: new PrefixedBucket(new RetryingBucket(new InstrumentedBucket(new InMemoryBucket(), new Registry())), 'tenant-a/'),
}));

describe('FilesystemBucket', () => {
  it('leaves no temp file when an upload is interrupted', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'objstore-fs-'));
    dirs.push(dir);
    const bucket = await createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${dir}\n`, 'test', nopLogger), { logger: nopLogger });
    await expect(bucket.upload('a/b', streamOf(testBytes(300_000, 1), 10_000, 100_000))).rejects.toThrow('interrupted');
    expect(await readdir(path.join(dir, 'a'))).toEqual([]);
  });
});
