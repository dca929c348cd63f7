// Launches an S3-compatible server on a free 127.0.0.1 port: s3rver from npm, which scripts/install-test-deps.sh
// installs (no AbortMultipartUpload; needs --openssl-legacy-provider). moto is not used: Debian does not package it
// and pip is not reachable, so nothing could install it on a fresh machine.
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { PeerProcess } from './process.js';
import { PEERS_NPM_DIR, freePort, requirePath, spawnPeer, waitForHttp } from './process.js';

export interface S3Server {
  readonly kind: 's3rver';
  /** host:port, as the S3 config's `endpoint` wants it (with `insecure: true`). */
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly process: PeerProcess;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startS3rver(dataDir: string): Promise<S3Server> {
  const bin = requirePath(path.join(PEERS_NPM_DIR, 'node_modules/s3rver/bin/s3rver.js'), 's3rver (npm, in PEERS_NPM_DIR)');
  const port = await freePort();
  const dir = path.join(dataDir, 's3rver');
  mkdirSync(dir, { recursive: true });
  // --openssl-legacy-provider: s3rver encrypts continuation tokens with DES, which OpenSSL 3 disables.
  const proc = spawnPeer('s3rver', process.execPath, ['--openssl-legacy-provider', bin, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--silent'], { logDir: dataDir });
  return ready('s3rver', proc, port, 'S3RVER', 'S3RVER');
}

async function ready(kind: S3Server['kind'], proc: PeerProcess, port: number, accessKey: string, secretKey: string): Promise<S3Server> {
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  const endpoint = `127.0.0.1:${port}`;
  return {
    kind, endpoint, accessKey, secretKey, process: proc,
    createBucket: (name) => createS3Bucket(endpoint, accessKey, secretKey, name),
    stop: () => proc.stop(),
  };
}

/** Creates a bucket with the SDK (path style, plain HTTP). */
export async function createS3Bucket(endpoint: string, accessKey: string, secretKey: string, name: string): Promise<void> {
  const client = new S3Client({
    endpoint: `http://${endpoint}`, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } finally {
    client.destroy();
  }
}
