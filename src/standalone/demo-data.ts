// Writes the standalone --demo data set into a bucket: two HA replicas of a small cluster, scraped every 30 s over
// the last 2 days up to now, as 2h blocks with a `thanos` meta section (as a sidecar would have shipped them).
// Idempotent: a restart writes only what came since the newest demo block, with counters running on.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bucket } from '../objstore/bucket.js';
import { readAll } from '../objstore/streams.js';
import { META_FILENAME, parseThanosMeta, withThanosSection } from '../block/meta.js';
import { blockFiles, uploadBlock } from '../shipper/upload.js';
import { BlockWriter } from '../tsdb/block/writer.js';
import { compareLabels } from '../tsdb/labels/labels.js';
import type { Labels } from '../tsdb/labels/labels.js';
import type { Logger } from '../runtime/logger.js';
import { demoSeries } from './demo-series.js';

export const DEMO_CLUSTER = 'demo';
const BLOCK_RANGE = 2 * 3600_000;
const INTERVAL = 30_000;
const SPAN = 2 * 24 * 3600_000;
/** Replica 1 scrapes a few seconds after replica 0, as real HA pairs do. */
const REPLICA_OFFSET = [0, 7_000] as const;

export interface DemoDataOptions {
  readonly logger: Logger;
  readonly now: number;
}

interface DemoBlock { readonly replica: number; readonly minTime: number; readonly maxTime: number }

/** The demo blocks already in the bucket. */
async function existingDemoBlocks(bucket: Bucket): Promise<DemoBlock[]> {
  const found: DemoBlock[] = [];
  for await (const dir of bucket.iter('')) {
    const name = `${dir.replace(/\/$/, '')}/${META_FILENAME}`;
    if (!(await bucket.exists(name))) continue;
    try {
      const meta = parseThanosMeta(JSON.parse((await readAll(await bucket.get(name))).toString('utf8')) as unknown, name);
      if (meta.thanos.labels['cluster'] === DEMO_CLUSTER) {
        found.push({ replica: Number(meta.thanos.labels['replica']), minTime: meta.minTime, maxTime: meta.maxTime });
      }
    } catch {
      // Someone else's block that does not parse is not ours to judge here; the store gateway reports it.
    }
  }
  return found;
}

/**
 * Writes the demo blocks missing up to `now`: on an empty bucket the last 2 days (2h blocks, the newest one
 * partial), later only what came since the newest demo block, with counters continuing. Returns the block count.
 */
export async function writeDemoData(bucket: Bucket, options: DemoDataOptions): Promise<number> {
  const existing = await existingDemoBlocks(bucket);
  const series = demoSeries(INTERVAL).sort((a, b) => compareLabels(a.labels, b.labels));
  const tmp = await mkdtemp(path.join(tmpdir(), 'thanos-ts-demo-'));
  let written = 0;
  try {
    for (const [replica, offset] of REPLICA_OFFSET.entries()) {
      // Base times (before the replica's scrape offset) of the first sample ever and of the next one to write.
      const mine = existing.filter((b) => b.replica === replica);
      const origin = mine.length > 0
        ? Math.min(...mine.map((b) => b.minTime)) - offset
        : Math.floor((options.now - SPAN) / BLOCK_RANGE) * BLOCK_RANGE;
      let from = mine.length > 0 ? Math.max(...mine.map((b) => b.maxTime)) - offset : origin;
      const points = Math.floor((options.now - origin) / INTERVAL) + 1;
      if (origin + Math.ceil((from - origin) / INTERVAL) * INTERVAL > options.now) continue;
      // Values from the origin on, computed once so that counters run on across block boundaries.
      const values = series.map((s) => {
        const vs = new Float64Array(points);
        for (let i = 0; i < points; i++) vs[i] = s.sample(i, origin + i * INTERVAL);
        return vs;
      });
      while (from <= options.now) {
        const to = Math.min((Math.floor(from / BLOCK_RANGE) + 1) * BLOCK_RANGE, options.now + 1);
        const first = Math.ceil((from - origin) / INTERVAL);
        const last = Math.ceil((to - origin) / INTERVAL); // exclusive
        if (last > first) {
          const ts = new Float64Array(last - first);
          for (let i = 0; i < ts.length; i++) ts[i] = origin + (first + i) * INTERVAL + offset;
          await writeBlock(bucket, tmp, {
            minTime: from + offset, maxTime: to + offset, replica, ts,
            series: series.map((s, j) => ({ labels: s.labels, vs: values[j]!.subarray(first, last) })),
          });
          written++;
        }
        from = to;
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  options.logger.info('demo data written', { blocks: written, series: series.length * REPLICA_OFFSET.length });
  return written;
}

interface BlockData {
  readonly minTime: number;
  readonly maxTime: number;
  readonly replica: number;
  readonly ts: Float64Array;
  readonly series: readonly { readonly labels: Labels; readonly vs: Float64Array }[];
}

/** Writes one block locally, uploads it with its thanos section (meta.json last), and removes the local copy. */
async function writeBlock(bucket: Bucket, tmp: string, b: BlockData): Promise<void> {
  const writer = await BlockWriter.create(tmp, { minTime: b.minTime, maxTime: b.maxTime });
  try {
    for (const s of b.series) await writer.addSeries(s.labels, b.ts, s.vs);
    const meta = await writer.finish();
    const dir = path.join(tmp, meta.ulid);
    const thanosMeta = withThanosSection(meta, {
      labels: { cluster: DEMO_CLUSTER, replica: String(b.replica) }, source: 'sidecar', files: await blockFiles(dir),
    });
    await uploadBlock(bucket, dir, thanosMeta);
    await rm(dir, { recursive: true, force: true });
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
