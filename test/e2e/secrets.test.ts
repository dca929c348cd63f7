// Secrets stay secret: `thanos-ts standalone` runs with known secret values — an S3 secret key (for a bucket that
// does not exist, so bucket calls fail and their errors are logged; s3rver checks no signatures) and a password in
// --prometheus.url — beside a real Prometheus 2.42 and s3rver. None of those values appears in any log line, error, status endpoint, metric or page.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { freePort } from '../support/peers/process.js';
import { startS3rver, type S3Server } from '../support/peers/s3.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';

const S3_SECRET = 'S3-secret-Zq81xV';
const URL_PASSWORD = 'url-pass-Q7mw2';
const SECRETS = [S3_SECRET, URL_PASSWORD];

let work = '';
let prometheus: RunningPrometheus | undefined;
let s3: S3Server | undefined;
let child: ChildProcess | undefined;
let log = '';
let base = '';

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'secrets-e2e-'));
  prometheus = await startPrometheus({ dataDir: path.join(work, 'prom'), config: 'global:\n  external_labels: {cluster: secrets}\n',
    // The in-process sidecar ships to the bucket, which needs Prometheus's local compaction off.
    flags: ['--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h'] });
  s3 = await startS3rver(work);
  const [http, grpc] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${http}`;
  const objstore = `type: S3\nconfig:\n  bucket: absent-bucket\n  endpoint: ${s3.endpoint}\n  insecure: true\n  access_key: ${s3.accessKey}\n  secret_key: ${S3_SECRET}\n`;
  child = spawn(process.execPath, [BIN, 'standalone', `--data-dir=${path.join(work, 'data')}`,
    `--http-address=127.0.0.1:${http}`, `--grpc-address=127.0.0.1:${grpc}`, '--log.level=debug',
    `--objstore.config=${objstore}`, `--prometheus.url=${prometheus.url.replace('http://', `http://admin:${URL_PASSWORD}@`)}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const deadline = Date.now() + 60_000;
  while ((await fetch(`${base}/-/healthy`).then((r) => r.status, () => 0)) !== 200) {
    if (child.exitCode !== null) throw new Error(`standalone exited ${child.exitCode}:\n${log}`);
    if (Date.now() > deadline) throw new Error(`standalone not healthy in 60s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  await prometheus?.stop();
  await s3?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('secrets (e2e)', () => {
  it('appear in no log line, error, status endpoint, metric or page', { timeout: 150_000 }, async () => {
    // The store's bucket sync fails: its error path must have run before we look.
    await expect.poll(() => /absent-bucket: The specified bucket does not exist/.test(log), { timeout: 60_000, interval: 500 }).toBe(true);
    // The sidecar reached Prometheus with the URL's credentials (Prometheus ignores them) and read its labels.
    await expect.poll(() => log, { timeout: 60_000, interval: 500 }).toMatch(/msg="prometheus external labels" labels="\{cluster=\\"secrets\\"\}"/);

    const bodies: Record<string, string> = {};
    for (const p of [
      '/api/v1/status/flags', '/api/v1/status/runtimeinfo', '/api/v1/status/buildinfo', '/api/v1/status/config',
      '/api/v1/stores', '/metrics', '/', '/flags', '/stores', '/-/ready',
      '/api/v1/query?query=up', '/api/v1/query?query=rate(', '/api/v1/labels',
    ]) {
      bodies[p] = await (await fetch(base + p)).text();
    }
    for (const [p, body] of Object.entries(bodies)) {
      for (const secret of SECRETS) expect(body, `${p} shows a secret`).not.toContain(secret);
    }
    for (const secret of SECRETS) expect(log, 'a log line shows a secret').not.toContain(secret);
    // The flags page did carry those flags, with the secrets replaced.
    expect(bodies['/api/v1/status/flags']).toContain('secret_key: <secret>');
    expect(bodies['/api/v1/status/flags']).toContain(`admin:<secret>@127.0.0.1:${prometheus!.port}`);
  });
});
