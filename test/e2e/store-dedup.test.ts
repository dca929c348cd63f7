// End to end: `thanos-ts store` as a real process over a FILESYSTEM bucket holding a compacted block next to its
// source blocks that the compactor has not deleted yet (upstream's DeduplicateFilter case). Over real gRPC, every
// sample is served exactly once, only the compacted block is loaded (the sources are not opened, downloaded or
// searched: without the filter the samples still come out once, since identical chunks are merged, but every query
// reads all four blocks), and the sources count as "duplicate".
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { seriesRequest } from '../../src/store/store-api.js';
import { XorIterator } from '../../src/tsdb/chunkenc/xor.js';
import { ValNone } from '../../src/tsdb/chunkenc/chunk.js';
import { compactBlocks } from '../../src/tsdb/compact/compactor.js';
import { formatLabels } from '../../src/tsdb/labels/labels.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { freePort, spawnPeer, waitForHttp } from '../support/peers/process.js';
import { collectSeries } from '../store/bucket/harness.js';
import { openMetrics, promtoolBlocks, promtoolDump, uploadBlock } from '../store/bucket/support.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(REPO_ROOT, 'src', 'cmd', 'main.ts');

let work = '';
const sources: string[] = [];
/** Samples per series (formatted label set) as promtool dumps the source blocks. */
const want = new Map<string, number>();

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'e2e-store-dedup-'));
  const dirs = await promtoolBlocks(work, 'a', openMetrics(5, 1));
  expect(dirs.length).toBeGreaterThanOrEqual(2);
  const bucketDir = path.join(work, 'bucket');
  const bucket = await createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`, 'e2e', nopLogger), { logger: nopLogger });
  const labels = { cluster: 'a' };
  for (const d of dirs) sources.push(await uploadBlock(bucket, d, labels));
  // The compactor's result, uploaded while its sources are still there (their deletion marks not written yet).
  await mkdir(path.join(work, 'compacted'));
  const meta = await compactBlocks(path.join(work, 'compacted'), dirs);
  expect(meta?.compaction.sources?.slice().sort()).toEqual([...sources].sort());
  await uploadBlock(bucket, path.join(work, 'compacted', meta!.ulid), labels);
  await bucket.close();
  for (const [k, v] of promtoolDump(path.join(work, 'a'), labels)) want.set(k, v.ts.length);
  await writeFile(path.join(work, 'bucket.yml'), `type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`);
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('thanos-ts store over a compacted block and its undeleted sources', () => {
  it('serves each sample once, from the compacted block only', async () => {
    const httpPort = await freePort();
    const grpcPort = await freePort();
    const proc = spawnPeer('store-dedup', process.execPath, ['--import', 'tsx', MAIN, 'store',
      `--http-address=127.0.0.1:${httpPort}`, `--grpc-address=127.0.0.1:${grpcPort}`,
      `--objstore.config-file=${path.join(work, 'bucket.yml')}`, `--data-dir=${path.join(work, 'data')}`], { logDir: work, cwd: REPO_ROOT });
    const http = `http://127.0.0.1:${httpPort}`;
    const metric = async (name: string, having = ''): Promise<number> => (await (await fetch(`${http}/metrics`)).text()).split('\n')
      .filter((l) => (l.startsWith(name + ' ') || l.startsWith(name + '{')) && l.includes(having))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    const client = new GrpcStoreClient(`127.0.0.1:${grpcPort}`);
    try {
      try {
        await waitForHttp(`${http}/-/ready`, proc, 60_000, (s) => s === 200);
      } catch (err) {
        throw new Error(`store did not become ready: ${readFileSync(proc.logFile, 'utf8').slice(-2000)}`, { cause: err });
      }
      const { series } = await collectSeries(client, seriesRequest({ matchers: [new Matcher('=~', '__name__', '.+')] }));
      // Every sample of every chunk, duplicates included: a source block served beside its compacted block would
      // show up here as twice the samples.
      const got = new Map<string, number>();
      const it = new XorIterator();
      for (const s of series) {
        let n = 0;
        for (const c of s.chunks) {
          it.reset(c.raw!.data);
          while (it.next() !== ValNone) n++;
        }
        const key = formatLabels(s.labels);
        got.set(key, (got.get(key) ?? 0) + n);
      }
      expect(want.size).toBeGreaterThan(0);
      expect(got).toEqual(want);
      expect(await metric('thanos_bucket_store_blocks_loaded')).toBe(1);
      expect(await metric('thanos_blocks_meta_synced', 'state="duplicate"')).toBe(sources.length);
    } finally {
      client.close();
      await proc.stop(10_000);
    }
  }, 120_000);
});
