// Writes the standalone --demo data set into a bucket: two HA replicas of a small cluster, scraped every 30 s over
// the last 2 days, as 2h blocks with a `thanos` meta section (as a sidecar would have shipped them). Idempotent:
// windows already in the bucket are not written again, so restarts only add the newest windows.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bucket } from '../objstore/bucket.js';
import { readAll } from '../objstore/streams.js';
import { META_FILENAME, parseThanosMeta, withThanosSection } from '../block/meta.js';
import { blockFiles, uploadBlock } from '../shipper/upload.js';
import { BlockWriter } from '../tsdb/block/writer.js';
import { compareLabels } from '../tsdb/labels/labels.js';
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

/** The (replica, minTime) windows of demo blocks already in the bucket. */
async function existingWindows(bucket: Bucket): Promise<Set<string>> {
  const seen = new Set<string>();
  for await (const dir of bucket.iter('')) {
    const name = `${dir.replace(/\/$/, '')}/${META_FILENAME}`;
    if (!(await bucket.exists(name))) continue;
    try {
      const meta = parseThanosMeta(JSON.parse((await readAll(await bucket.get(name))).toString('utf8')) as unknown, name);
      if (meta.thanos.labels['cluster'] === DEMO_CLUSTER) seen.add(`${meta.thanos.labels['replica']}/${meta.minTime}`);
    } catch {
      // Someone else's block that does not parse is not ours to judge here; the store gateway reports it.
    }
  }
  return seen;
}

/** Writes every missing demo block; returns how many were written. */
export async function writeDemoData(bucket: Bucket, options: DemoDataOptions): Promise<number> {
  const end = Math.floor(options.now / BLOCK_RANGE) * BLOCK_RANGE;
  const start = end - SPAN;
  const points = Math.floor(SPAN / INTERVAL);
  const series = demoSeries(INTERVAL).sort((a, b) => compareLabels(a.labels, b.labels));
  // Values for the whole span, computed once so that counters run on across block boundaries.
  const values = series.map((s) => {
    const vs = new Float64Array(points);
    for (let i = 0; i < points; i++) vs[i] = s.sample(i, start + i * INTERVAL);
    return vs;
  });
  const existing = await existingWindows(bucket);
  const tmp = await mkdtemp(path.join(tmpdir(), 'thanos-ts-demo-'));
  let written = 0;
  try {
    for (const [replica, offset] of REPLICA_OFFSET.entries()) {
      for (let from = start; from < end; from += BLOCK_RANGE) {
        if (existing.has(`${replica}/${from}`)) continue;
        const first = (from - start) / INTERVAL;
        const count = BLOCK_RANGE / INTERVAL;
        const ts = new Float64Array(count);
        for (let i = 0; i < count; i++) ts[i] = from + i * INTERVAL + offset;
        const writer = await BlockWriter.create(tmp, { minTime: from, maxTime: from + BLOCK_RANGE });
        try {
          for (let s = 0; s < series.length; s++) {
            await writer.addSeries(series[s]!.labels, ts, values[s]!.subarray(first, first + count));
          }
          const meta = await writer.finish();
          const dir = path.join(tmp, meta.ulid);
          const thanosMeta = withThanosSection(meta, {
            labels: { cluster: DEMO_CLUSTER, replica: String(replica) }, source: 'sidecar', files: await blockFiles(dir),
          });
          await uploadBlock(bucket, dir, thanosMeta);
          await rm(dir, { recursive: true, force: true });
          written++;
        } catch (err) {
          await writer.abort();
          throw err;
        }
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  options.logger.info('demo data written', { blocks: written, series: series.length * REPLICA_OFFSET.length });
  return written;
}
