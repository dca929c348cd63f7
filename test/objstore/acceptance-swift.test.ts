// Bucket acceptance against one real OpenStack Swift (Debian SAIO, started here): the S3 provider over Swift's s3api
// (needs WHEN_REQUIRED checksums and Content-MD5) and the SWIFT provider with v1 tempauth and segmented uploads.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { nopLogger } from '../../src/runtime/logger.js';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { createS3Bucket } from '../support/peers/s3.js';
import type { SwiftServer } from '../support/peers/swift.js';
import { startSwift } from '../support/peers/swift.js';
import { describeBucket } from '../support/bucket-acceptance.js';

let dir = '';
let swift: SwiftServer | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'swift-'));
  swift = await startSwift(dir);
  await swift.createContainer('thanos');
  await createS3Bucket(swift.s3Endpoint, swift.username, swift.password, 'thanos-s3');
});

afterAll(async () => {
  await swift?.stop();
  await rm(dir, { recursive: true, force: true });
});

describeBucket('S3 (OpenStack Swift s3api)', async () => {
  const s = swift!;
  const yaml = `type: s3
config:
  bucket: thanos-s3
  endpoint: ${s.s3Endpoint}
  region: us-east-1
  access_key: "${s.username}"
  secret_key: ${s.password}
  insecure: true
  bucket_lookup_type: path
  part_size: 5242880
`;
  return { bucket: await createBucket(parseBucketConfig(yaml, 'swift-s3.yml', nopLogger), { logger: nopLogger }) };
});

describeBucket('SWIFT (tempauth v1)', async () => {
  const s = swift!;
  const yaml = `type: SWIFT
config:
  auth_url: ${s.authUrl}
  username: "${s.username}"
  password: ${s.password}
  container_name: thanos
  large_object_chunk_size: 8388608
`;
  return { bucket: await createBucket(parseBucketConfig(yaml, 'swift.yml', nopLogger), { logger: nopLogger }) };
});
