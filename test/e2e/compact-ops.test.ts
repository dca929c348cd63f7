// End to end, `thanos-ts compact -w` as a process: an injected overlap halts (thanos_compact_halted 1, the log line
// naming group, blocks and the resolving command, /-/ready 503 saying why) while the bucket stays untouched and
// metrics keep being served; the Swift guide's command line, retention flags included, marks exactly the blocks past
// retention and deletes them only after --delete-delay; and the guide's line runs against real Swift, an
// S3-compatible server (s3rver) and Azurite.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import type { Bucket } from '../../src/objstore/bucket.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { BIN, REPO_ROOT } from '../support/cli.js';
import { startAzurite, type Azurite } from '../support/peers/azurite.js';
import { freePort, spawnPeer, waitForHttp, type PeerProcess } from '../support/peers/process.js';
import { startS3rver, type S3Server } from '../support/peers/s3.js';
import { startSwift, type SwiftServer } from '../support/peers/swift.js';
import { H, putBlock, visibleBlocks } from '../compact/support/blocks.js';

let work = '';
beforeAll(async () => { work = await mkdtemp(path.join(tmpdir(), 'e2e-compact-ops-')); });
afterAll(async () => { if (work) await rm(work, { recursive: true, force: true }); });

interface Compactor {
  readonly proc: PeerProcess;
  readonly url: string;
  metric(name: string): Promise<number>;
  log(): string;
}

let seq = 0;
async function startCompactor(args: readonly string[]): Promise<Compactor> {
  const port = await freePort();
  const name = `compact-${++seq}`;
  const proc = spawnPeer(name, process.execPath, [BIN, 'compact', ...args, `--http-address=127.0.0.1:${port}`], { logDir: work, cwd: REPO_ROOT });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/-/healthy`, proc, 60_000, (s) => s === 200);
  } catch (err) {
    await proc.stop(1000);
    throw new Error(`compact did not start: ${readFileSync(proc.logFile, 'utf8').slice(-2000)}`, { cause: err });
  }
  return {
    proc, url,
    log: () => readFileSync(proc.logFile, 'utf8'),
    async metric(metric) {
      const text = await (await fetch(`${url}/metrics`)).text();
      return text.split('\n').filter((l) => l.startsWith(metric + ' ') || l.startsWith(metric + '{'))
        .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    },
  };
}

async function listAll(bucket: Bucket): Promise<string[]> {
  const out: string[] = [];
  for await (const n of bucket.iter('', { recursive: true })) out.push(n);
  return out.sort();
}

async function fsBucket(name: string): Promise<{ bucket: Bucket; yml: string }> {
  const yaml = `type: FILESYSTEM\nconfig:\n  directory: ${path.join(work, name)}\n`;
  const yml = path.join(work, `${name}.yml`);
  await writeFile(yml, yaml);
  return { bucket: await createBucket(parseBucketConfig(yaml, yml, nopLogger), { logger: nopLogger }), yml };
}

/** The Swift guide's flags (its --data-dir under the test's directory), with a short wait interval for the test. */
function guideArgs(yml: string, dataDir: string, extra: readonly string[] = []): string[] {
  return ['--log.level=debug', `--data-dir=${dataDir}`, `--objstore.config-file=${yml}`, '--sync-delay=5m',
    '--retention.resolution-raw=10m', '--retention.resolution-5m=1h', '--retention.resolution-1h=2h', '-w', '--wait-interval=1s', ...extra];
}

describe('thanos-ts compact -w', () => {
  it('halts on an injected overlap: metric, log line with the resolving command, /-/ready 503; bucket untouched', async () => {
    const { bucket, yml } = await fsBucket('halt');
    const old = Date.now() - 3 * H;
    const a = await putBlock(bucket, { minTime: 0, maxTime: 2 * H, labels: { cluster: 'eu' }, createdAt: old });
    const b = await putBlock(bucket, { minTime: H, maxTime: 3 * H, labels: { cluster: 'eu' }, createdAt: old });
    await putBlock(bucket, { minTime: 2 * H, maxTime: 4 * H, labels: { cluster: 'eu' }, createdAt: old });
    const before = await listAll(bucket);
    const c = await startCompactor(['--objstore.config-file=' + yml, `--data-dir=${path.join(work, 'halt-data')}`, '-w', '--wait-interval=1s', '--downsampling.disable']);
    try {
      await expect.poll(() => c.metric('thanos_compact_halted'), { timeout: 30_000 }).toBe(1);
      const ready = await fetch(`${c.url}/-/ready`);
      expect(ready.status).toBe(503);
      const why = await ready.text();
      expect(why).toContain('compaction halted for group 0@{cluster="eu"}');
      expect(why).toContain(a.ulid);
      expect(why).toContain(b.ulid);
      const line = c.log().split('\n').find((l) => l.includes('critical error detected'));
      expect(line).toBeDefined();
      expect(line).toContain('group="0@{cluster=\\"eu\\"}"');
      expect(line).toContain(`blocks=${a.ulid},${b.ulid}`);
      expect(line).toContain(`thanos-ts tools bucket mark --objstore.config-file=${yml} --marker=no-compact-mark.json --id=`);
      expect(await c.metric('thanos_compact_group_compactions_failures_total')).toBeGreaterThanOrEqual(1);
      // Still iterating (retention and deletion go on) and still serving metrics.
      const it0 = await c.metric('thanos_compact_block_cleanup_loops_total');
      await expect.poll(() => c.metric('thanos_compact_block_cleanup_loops_total'), { timeout: 10_000 }).toBeGreaterThan(it0);
      expect(await listAll(bucket)).toEqual(before);
      expect((await fetch(`${c.url}/-/healthy`)).status).toBe(200);
      // The block viewer shows every block on the timeline; its API lists them as upstream's does.
      const page = await (await fetch(`${c.url}/blocks`)).text();
      for (const id of [a.ulid, b.ulid]) expect(page).toContain(`data-ulid="${id}"`);
      const api = await (await fetch(`${c.url}/api/v1/blocks?view=global`)).json() as { data: { blocks: { ulid: string }[] } };
      expect(api.data.blocks).toHaveLength(3);
      // The admin action marks a block (the remedy the halt names) through the UI's form.
      const res = await fetch(`${c.url}/api/v1/blocks/mark`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ id: b.ulid, action: 'NO_COMPACTION', detail: 'overlap' }).toString() });
      expect(res.status).toBe(200);
      expect(JSON.parse((await bucket.get(`${b.ulid}/no-compact-mark.json`).then((s) => s.toArray())).map((x: Buffer) => x.toString()).join('')) as { reason: string }).toMatchObject({ reason: 'manual', details: 'overlap' });
      const bad = await fetch(`${c.url}/api/v1/blocks/mark`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'id=nope&action=DELETION' });
      expect(bad.status).toBe(400);
    } finally {
      await c.proc.stop(5000);
      await bucket.close();
    }
  }, 60_000);

  it('with the guide\'s retention flags marks exactly the blocks past retention and deletes them only after --delete-delay', async () => {
    const { bucket, yml } = await fsBucket('retention');
    const now = Date.now();
    const ulidAge = now - H;
    // Raw retention 10m: a block that ended 11m ago is past it; one ending now is not; a block younger than the
    // 5m sync delay is not looked at yet.
    const expired = await putBlock(bucket, { minTime: now - 2 * H - 11 * 60_000, maxTime: now - 11 * 60_000, labels: { s: '1' }, createdAt: ulidAge });
    const live = await putBlock(bucket, { minTime: now - 2 * H, maxTime: now, labels: { s: '2' }, createdAt: ulidAge });
    const fresh = await putBlock(bucket, { minTime: now - 3 * H, maxTime: now - 20 * 60_000, labels: { s: '3' } });
    const c = await startCompactor(guideArgs(yml, path.join(work, 'ret-data'), ['--delete-delay=6s', '--compact.cleanup-interval=1s']));
    try {
      await expect.poll(() => bucket.exists(`${expired.ulid}/deletion-mark.json`), { timeout: 30_000 }).toBe(true);
      const markedAt = Date.now();
      expect(c.log()).toContain('flag --sync-delay is deprecated');
      expect(await bucket.exists(`${expired.ulid}/meta.json`)).toBe(true);
      expect(await bucket.exists(`${live.ulid}/deletion-mark.json`)).toBe(false);
      expect(await bucket.exists(`${fresh.ulid}/deletion-mark.json`)).toBe(false);
      await expect.poll(() => bucket.exists(`${expired.ulid}/meta.json`), { timeout: 30_000, interval: 200 }).toBe(false);
      // Deleted no sooner than the delay after the mark (the mark's time has second precision).
      expect(Date.now() - markedAt).toBeGreaterThanOrEqual(4_000);
      expect((await listAll(bucket)).filter((n) => n.startsWith(expired.ulid))).toEqual([]);
      expect((await visibleBlocks(bucket)).map((m) => m.ulid).sort()).toEqual([live.ulid, fresh.ulid].sort());
      expect(await c.metric('thanos_compact_blocks_cleaned_total')).toBe(1);

      // Every family of upstream's compactor (reference §1.13) is exposed, under its name. No group here has two
      // blocks, so nothing was ever compacted: the group counters still exist, at 0, for the resolution of the
      // groups the compactor knows (as upstream's grouper creates them).
      const text = await (await fetch(`${c.url}/metrics`)).text();
      const lines = new Set(text.split('\n'));
      const families = new Set(text.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]!));
      const upstream = ['thanos_compact_halted', 'thanos_compact_iterations_total', 'thanos_compact_retries_total',
        'thanos_compact_group_compactions_total', 'thanos_compact_group_compaction_runs_started_total',
        'thanos_compact_group_compaction_runs_completed_total', 'thanos_compact_group_compactions_failures_total',
        'thanos_compact_group_vertical_compactions_total', 'thanos_compact_todo_compactions', 'thanos_compact_todo_compaction_blocks',
        'thanos_compact_todo_downsample_blocks', 'thanos_compact_todo_deletion_blocks', 'thanos_compact_downsample_total',
        'thanos_compact_downsample_failures_total', 'thanos_compact_downsample_duration_seconds', 'thanos_compact_garbage_collection_total',
        'thanos_compact_garbage_collection_failures_total', 'thanos_compact_garbage_collection_duration_seconds',
        'thanos_compact_garbage_collected_blocks_total', 'thanos_compact_blocks_marked_total', 'thanos_compact_blocks_cleaned_total',
        'thanos_compact_block_cleanup_failures_total', 'thanos_compact_block_cleanup_loops_total',
        'thanos_compact_aborted_partial_uploads_deletion_attempts_total', 'thanos_delete_delay_seconds', 'thanos_consistency_delay_seconds',
        'thanos_blocks_meta_syncs_total', 'thanos_blocks_meta_sync_failures_total', 'thanos_blocks_meta_sync_duration_seconds',
        'thanos_blocks_meta_synced', 'thanos_blocks_meta_modified', 'thanos_blocks_meta_base_syncs_total',
        'thanos_blocks_meta_base_cache_busts_total', 'thanos_objstore_bucket_last_successful_upload_time'];
      expect(upstream.filter((n) => !families.has(n))).toEqual([]);
      for (const n of ['thanos_compact_group_compactions_total', 'thanos_compact_group_compaction_runs_started_total',
        'thanos_compact_group_compaction_runs_completed_total', 'thanos_compact_group_compactions_failures_total',
        'thanos_compact_group_vertical_compactions_total']) expect(lines.has(`${n}{resolution="0"} 0`), n).toBe(true);
      expect(await c.metric('thanos_compact_garbage_collection_total')).toBeGreaterThanOrEqual(1);
      expect(await c.metric('thanos_compact_garbage_collection_duration_seconds_count')).toBe(await c.metric('thanos_compact_garbage_collection_total'));
      expect(await c.metric('thanos_blocks_meta_sync_duration_seconds_count')).toBeGreaterThanOrEqual(await c.metric('thanos_blocks_meta_syncs_total') - 1);
      expect(await c.metric('thanos_blocks_meta_syncs_total')).toBeGreaterThanOrEqual(1);
      expect(await c.metric('thanos_blocks_meta_base_syncs_total')).toBeGreaterThanOrEqual(1);
      for (const state of ['corrupted-meta-json', 'no-meta-json', 'too-fresh', 'failed', 'label-excluded', 'time-excluded', 'duplicate',
        'marked-for-deletion', 'marked-for-no-compact', 'parquet-migrated', 'loaded']) {
        expect([...lines].some((l) => l.startsWith(`thanos_blocks_meta_synced{state="${state}"} `)), state).toBe(true);
      }
      // The live block; the fresh one is younger than --sync-delay.
      expect(lines.has('thanos_blocks_meta_synced{state="loaded"} 1')).toBe(true);
      expect(lines.has('thanos_blocks_meta_synced{state="too-fresh"} 1')).toBe(true);
      expect(lines.has('thanos_blocks_meta_modified{modified="replica-label-removed"} 0')).toBe(true);
      expect(lines.has('thanos_compact_blocks_marked_total{marker="no-compact-mark.json",reason="index-size-exceeding"} 0')).toBe(true);
      expect(lines.has('thanos_compact_todo_downsample_blocks 0')).toBe(true);
    } finally {
      await c.proc.stop(5000);
      await bucket.close();
    }
  }, 90_000);
});

describe('the Swift guide\'s compact command line on real object stores', () => {
  let swift: SwiftServer | undefined;
  let s3: S3Server | undefined;
  let azurite: Azurite | undefined;
  afterAll(async () => {
    await swift?.stop();
    await s3?.stop();
    await azurite?.stop();
  });

  const cases: { name: string; setup: () => Promise<string> }[] = [
    { name: 'SWIFT', setup: async () => {
      swift = await startSwift(path.join(work, 'swift'));
      await swift.createContainer('thanos');
      return `type: SWIFT\nconfig:\n  auth_url: ${swift.authUrl}\n  username: "${swift.username}"\n  password: ${swift.password}\n  container_name: thanos\n`;
    } },
    { name: 'S3 (s3rver)', setup: async () => {
      s3 = await startS3rver(path.join(work, 's3'));
      await s3.createBucket('thanos');
      return `type: S3\nconfig:\n  bucket: thanos\n  endpoint: ${s3.endpoint}\n  access_key: ${s3.accessKey}\n  secret_key: ${s3.secretKey}\n  insecure: true\n`;
    } },
    { name: 'AZURE (Azurite)', setup: async () => {
      azurite = await startAzurite(path.join(work, 'azurite'));
      return `type: AZURE\nconfig:\n  storage_account: ${azurite.account}\n  storage_account_key: ${azurite.key}\n  container: thanos\n  endpoint: ${azurite.endpoint}\n`;
    } },
  ];

  it.each(cases)('$name: compacts five recent 2h blocks into 8h + 2h and keeps serving', async ({ name, setup }) => {
    const yaml = await setup();
    const yml = path.join(work, `${name.split(' ')[0]!.toLowerCase()}.yml`);
    await writeFile(yml, yaml);
    const bucket = await createBucket(parseBucketConfig(yaml, yml, nopLogger), { logger: nopLogger });
    try {
      // The guide keeps raw data 10m, so the blocks cover the current 8h window and beyond (none ends before now);
      // their ULIDs are an hour old, past the 5m sync delay.
      const t0 = Math.floor(Date.now() / (8 * H)) * 8 * H;
      for (let i = 0; i < 5; i++) await putBlock(bucket, { minTime: t0 + i * 2 * H, maxTime: t0 + (i + 1) * 2 * H, labels: { cluster: 'eu' }, createdAt: Date.now() - H });
      const c = await startCompactor(guideArgs(yml, path.join(work, `${name}-data`), ['--delete-delay=0s']));
      try {
        await expect.poll(() => c.metric('thanos_compact_iterations_total'), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
        expect(await c.metric('thanos_compact_group_compactions_total')).toBe(1);
        expect((await fetch(`${c.url}/-/ready`)).status).toBe(200);
      } finally {
        await c.proc.stop(5000);
      }
      const blocks = await visibleBlocks(bucket);
      expect(blocks.map((m) => [(m.minTime - t0) / H, (m.maxTime - t0) / H, m.compaction.level])).toEqual([[0, 8, 2], [8, 10, 1]]);
    } finally {
      await bucket.close();
    }
  }, 180_000);
});
