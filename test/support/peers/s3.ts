// Launches an S3-compatible server on a free 127.0.0.1 port: moto (preinstalled in the image's pyenv Python, passes
// every S3 check, in-memory) or s3rver from npm (no AbortMultipartUpload; needs --openssl-legacy-provider).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { PeerProcess } from './process.js';
import { PEERS_NPM_DIR, freePort, requirePath, spawnPeer, waitForHttp } from './process.js';

export interface S3Server {
  readonly kind: 'moto' | 's3rver';
  /** host:port, as the S3 config's `endpoint` wants it (with `insecure: true`). */
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly process: PeerProcess;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** A Python that can import moto.server and flask, or undefined. */
export function motoPython(): string | undefined {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pyenv', ['which', 'python3'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch { /* no pyenv */ }
  candidates.push('python3');
  for (const py of candidates) {
    try {
      execFileSync(py, ['-c', 'import moto.server, flask'], { stdio: 'ignore' });
      return py;
    } catch { /* try the next one */ }
  }
  return undefined;
}

export async function startMoto(dataDir: string): Promise<S3Server> {
  const py = motoPython();
  if (!py) throw new Error('moto is not installed: no python3 (pyenv or PATH) can import moto.server');
  const port = await freePort();
  const proc = spawnPeer('moto', py, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { logDir: dataDir });
  return ready('moto', proc, port, 'test', 'test');
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
