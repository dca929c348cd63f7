// The store gateway suite over a FILESYSTEM bucket.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBucket, parseBucketConfig } from '../../../src/objstore/config.js';
import { nopLogger } from '../../../src/runtime/logger.js';
import { describeBucketStore } from './bucket-store-suite.js';

describeBucketStore('FILESYSTEM', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'fs-bucket-'));
  const bucket = await createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${dir}\n`, 'test', nopLogger), { logger: nopLogger });
  return { bucket, cleanup: async () => { await bucket.close(); await rm(dir, { recursive: true, force: true }); } };
});
