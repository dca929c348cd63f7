// The store gateway suite over an S3-compatible bucket (s3rver from npm, installed by scripts/install-test-deps.sh, started here).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBucket, parseBucketConfig } from '../../../src/objstore/config.js';
import { nopLogger } from '../../../src/runtime/logger.js';
import { startS3rver } from '../../support/peers/s3.js';
import { describeBucketStore } from './bucket-store-suite.js';

describeBucketStore('S3 (s3rver)', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'moto-store-'));
  const server = await startS3rver(dir);
  await server.createBucket('thanos');
  const yaml = `type: S3
config:
  bucket: thanos
  endpoint: ${server.endpoint}
  access_key: ${server.accessKey}
  secret_key: ${server.secretKey}
  insecure: true
`;
  const bucket = await createBucket(parseBucketConfig(yaml, 'moto.yml', nopLogger), { logger: nopLogger });
  return {
    bucket,
    cleanup: async () => { await bucket.close(); await server.stop(); await rm(dir, { recursive: true, force: true }); },
  };
});
