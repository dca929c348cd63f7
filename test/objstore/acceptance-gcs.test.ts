// Bucket acceptance for the GCS provider against the firebase-tools Storage emulator's GCS JSON API, started here.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { nopLogger } from '../../src/runtime/logger.js';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import type { GcsEmulator } from '../support/peers/gcs.js';
import { startGcsEmulator } from '../support/peers/gcs.js';
import { describeBucket } from '../support/bucket-acceptance.js';

let dir = '';
let gcs: GcsEmulator | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gcs-'));
  gcs = await startGcsEmulator(dir);
});

afterAll(async () => {
  await gcs?.stop();
  await rm(dir, { recursive: true, force: true });
});

describeBucket('GCS (firebase Storage emulator)', async () => {
  const yaml = `type: GCS
config:
  bucket: thanos
  endpoint: ${gcs!.endpoint}
`;
  return { bucket: await createBucket(parseBucketConfig(yaml, 'gcs.yml', nopLogger), { logger: nopLogger }) };
});
