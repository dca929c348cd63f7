// `thanos-ts tools bucket verify|mark|cleanup|retention|web` as a user runs them, over a FILESYSTEM bucket of real
// blocks: verify finds an injected overlap (exit 1) and no index issue in sound blocks; mark writes upstream's
// marker and insists on --details; cleanup deletes the marked block; retention marks exactly the expired block;
// web serves the block view.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import type { Bucket } from '../../src/objstore/bucket.js';
import type { ThanosMeta } from '../../src/block/meta.js';
import { readAll } from '../../src/objstore/streams.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { BIN, REPO_ROOT, runCli } from '../support/cli.js';
import { freePort, spawnPeer, waitForHttp } from '../support/peers/process.js';
import { H, putBlock } from '../compact/support/blocks.js';

let work = '';
let yml = '';
let bucket: Bucket;
let a: ThanosMeta, b: ThanosMeta, recent: ThanosMeta;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'e2e-compact-tools-'));
  const yaml = `type: FILESYSTEM\nconfig:\n  directory: ${path.join(work, 'bucket')}\n`;
  yml = path.join(work, 'bucket.yml');
  await writeFile(yml, yaml);
  bucket = await createBucket(parseBucketConfig(yaml, yml, nopLogger), { logger: nopLogger });
  const old = Date.now() - 3 * H;
  a = await putBlock(bucket, { minTime: 0, maxTime: 2 * H, labels: { cluster: 'eu' }, createdAt: old });
  b = await putBlock(bucket, { minTime: H, maxTime: 3 * H, labels: { cluster: 'eu' }, createdAt: old });
  recent = await putBlock(bucket, { minTime: Date.now() - 2 * H, maxTime: Date.now(), labels: { cluster: 'us' }, createdAt: old });
}, 60_000);

afterAll(async () => {
  await bucket?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const cfg = (): string => `--objstore.config-file=${yml}`;

describe('thanos-ts tools bucket', () => {
  it('verify reports the overlap and exits 1; the index check of sound blocks finds nothing', () => {
    const r = runCli(['tools', 'bucket', 'verify', cfg()], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(`overlapped_blocks: group 0@{cluster="eu"}: blocks ${a.ulid} [0, ${2 * H}) and ${b.ulid} [${H}, ${3 * H}) overlap`);
    const idx = runCli(['tools', 'bucket', 'verify', cfg(), '-i', 'index_known_issues'], { timeoutMs: 60_000 });
    expect(idx.code, idx.stderr).toBe(0);
    expect(idx.stdout).toContain('verified 3 blocks for index_known_issues: 0 issue(s)');
  });

  it('mark writes the marker, and refuses without --details', async () => {
    expect(runCli(['tools', 'bucket', 'mark', cfg(), `--id=${b.ulid}`, '--marker=deletion-mark.json']).code).toBe(2);
    const r = runCli(['tools', 'bucket', 'mark', cfg(), `--id=${b.ulid}`, '--marker=deletion-mark.json', '--details=overlaps a']);
    expect(r.code, r.stderr).toBe(0);
    const mark = JSON.parse((await readAll(await bucket.get(`${b.ulid}/deletion-mark.json`))).toString()) as Record<string, unknown>;
    expect(mark).toMatchObject({ id: b.ulid, version: 1, details: 'overlaps a' });
    expect(typeof mark['deletion_time']).toBe('number');
  });

  it('cleanup deletes the marked block once the delay passed', async () => {
    expect(runCli(['tools', 'bucket', 'cleanup', cfg(), '--delete-delay=1h']).code).toBe(0);
    expect(await bucket.exists(`${b.ulid}/meta.json`)).toBe(true);
    const r = runCli(['tools', 'bucket', 'cleanup', cfg(), '--delete-delay=0s']);
    expect(r.code, r.stderr).toBe(0);
    const left: string[] = [];
    for await (const n of bucket.iter('', { recursive: true })) left.push(n);
    expect(left.filter((n) => n.startsWith(b.ulid))).toEqual([]);
  });

  it('retention marks exactly the blocks past retention', async () => {
    const r = runCli(['tools', 'bucket', 'retention', cfg(), '--retention.resolution-raw=1h', '--consistency-delay=0s']);
    expect(r.code, r.stderr).toBe(0);
    expect(await bucket.exists(`${a.ulid}/deletion-mark.json`)).toBe(true);
    expect(await bucket.exists(`${recent.ulid}/deletion-mark.json`)).toBe(false);
  });

  it('web serves the block view and its API', async () => {
    const port = await freePort();
    const proc = spawnPeer('bucket-web', process.execPath, [BIN, 'tools', 'bucket', 'web', cfg(), `--http-address=127.0.0.1:${port}`, '--label=cluster'], { logDir: work, cwd: REPO_ROOT });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/-/ready`, proc, 30_000, (s) => s === 200).catch((err: unknown) => {
        throw new Error(`bucket web did not start: ${readFileSync(proc.logFile, 'utf8').slice(-2000)}`, { cause: err });
      });
      const page = await (await fetch(`http://127.0.0.1:${port}/blocks`)).text();
      expect(page).toContain(`data-ulid="${recent.ulid}"`);
      expect(page).toContain('cluster=us');
      const api = await (await fetch(`http://127.0.0.1:${port}/api/v1/blocks`)).json() as { data: { blocks: { ulid: string }[]; label: string } };
      expect(api.data.blocks.map((m) => m.ulid).sort()).toEqual([a.ulid, recent.ulid].sort());
      expect(api.data.label).toBe('cluster');
    } finally {
      await proc.stop(5000);
    }
  }, 60_000);
});
