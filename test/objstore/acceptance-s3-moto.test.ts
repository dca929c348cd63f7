// Bucket acceptance for the S3 provider against moto (a real S3 API server from the image's Python), started here.
// Where moto is not installed (it cannot be installed from here), s3rver from npm stands in; S3_BACKEND forces one.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createLogger, nopLogger } from '../../src/runtime/logger.js';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { collect, describeBucket } from '../support/bucket-acceptance.js';
import type { S3Server } from '../support/peers/s3.js';
import { motoPython, startMoto, startS3rver } from '../support/peers/s3.js';

const backend = process.env['S3_BACKEND'] ?? (motoPython() ? 'moto' : 's3rver');
let dir = '';
let server: S3Server | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'moto-'));
  server = backend === 'moto' ? await startMoto(dir) : await startS3rver(dir);
  await server.createBucket('thanos');
});

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describeBucket(`S3 (${backend})`, async () => {
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

describe(`S3 provider options on ${backend}`, () => {
  // s3rver ignores server-side encryption, so this one exists only where moto runs (config.test.ts checks the mapping).
  if (backend === 'moto') it('encrypts with SSE-S3 when an old config says encryptsse: true', async () => {
    const s = server!;
    const lines: string[] = [];
    const logger = createLogger({ write: (l) => lines.push(l), caller: false });
    const cfg = parseBucketConfig(`type: S3\nconfig:\n  bucket: thanos\n  endpoint: ${s.endpoint}\n  access_key: ${s.accessKey}\n  secret_key: ${s.secretKey}\n  insecure: true\n  encryptsse: true\n`, 'old.yml', logger);
    expect(lines.join('\n')).toContain('sse_config');
    const bucket = await createBucket(cfg, { logger });
    await bucket.upload('sse/a', Buffer.from('secret data'));
    const client = new S3Client({
      endpoint: `http://${s.endpoint}`, region: 'us-east-1', forcePathStyle: true,
      credentials: { accessKeyId: s.accessKey, secretAccessKey: s.secretKey },
    });
    const head = await client.send(new HeadObjectCommand({ Bucket: 'thanos', Key: 'sse/a' }));
    expect(head.ServerSideEncryption).toBe('AES256');
    client.destroy();
    await bucket.close();
  });

  it('lists with list_objects_version v1 and honours a config prefix', async () => {
    const s = server!;
    const cfg = parseBucketConfig(`type: S3\nprefix: tenant-1\nconfig:\n  bucket: thanos\n  endpoint: ${s.endpoint}\n  access_key: ${s.accessKey}\n  secret_key: ${s.secretKey}\n  insecure: true\n  list_objects_version: v1\n`, 'v1.yml', nopLogger);
    const bucket = await createBucket(cfg, { logger: nopLogger });
    await bucket.upload('d/x', Buffer.from('1'));
    await bucket.upload('d/y/z', Buffer.from('2'));
    expect(await collect(bucket.iter('d'))).toEqual(['d/x', 'd/y/']);
    expect(await collect(bucket.iter('', { recursive: true }))).toEqual(['d/x', 'd/y/z']);
    await bucket.close();
  });
});
