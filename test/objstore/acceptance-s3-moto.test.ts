// Bucket acceptance for the S3 provider against moto (a real S3 API server from the image's Python), started here.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { nopLogger } from '../../src/runtime/logger.js';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { describeBucket } from '../support/bucket-acceptance.js';
import type { S3Server } from '../support/peers/s3.js';
import { startMoto } from '../support/peers/s3.js';

let dir = '';
let server: S3Server | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'moto-'));
  server = await startMoto(dir);
  await server.createBucket('thanos');
});

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describeBucket('S3 (moto)', async () => {
  const s = server!;
  const yaml = `type: S3
config:
  bucket: thanos
  endpoint: ${s.endpoint}
  access_key: ${s.accessKey}
  secret_key: ${s.secretKey}
  insecure: true
  part_size: 5242880
`;
  return { bucket: await createBucket(parseBucketConfig(yaml, 'moto.yml', nopLogger), { logger: nopLogger }) };
});
