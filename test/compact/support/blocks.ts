// Test blocks in a bucket: real TSDB blocks written with the project's block writer, given a Thanos meta section
// and uploaded as the shipper uploads them; and reading back every sample the bucket's visible blocks hold.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ulid } from 'ulid';
import { MetaFetcher } from '../../../src/block/fetcher.js';
import { IgnoreDeletionMarkFilter } from '../../../src/block/filters.js';
import { withThanosSection, type ThanosMeta } from '../../../src/block/meta.js';
import { downloadBlock } from '../../../src/compact/download.js';
import type { Bucket } from '../../../src/objstore/bucket.js';
import { uploadBlock } from '../../../src/shipper/upload.js';
import { ValNone } from '../../../src/tsdb/chunkenc/chunk.js';
import { BlockReader } from '../../../src/tsdb/block/reader.js';
import { ChunkSeriesIterator } from '../../../src/tsdb/block/series-iterator.js';
import { BlockWriter } from '../../../src/tsdb/block/writer.js';
import { formatLabels, labelsFromRecord } from '../../../src/tsdb/labels/labels.js';

export const H = 3_600_000;

export interface TestBlock {
  readonly minTime: number;
  readonly maxTime: number;
  readonly labels: Record<string, string>;
  readonly series?: number;
  /** Sample spacing (default 60 s). */
  readonly stepMs?: number;
  /** Shifts every sample timestamp (replicas scrape at different instants). */
  readonly offsetMs?: number;
  /** Value of series i at t (default t/1000 + i). */
  readonly value?: (i: number, t: number) => number;
  /** ULID time (default now, so consistency delay 0 is needed; set old to pass a delay). */
  readonly createdAt?: number;
  readonly source?: string;
}

/** Writes the block locally, uploads it with its Thanos section, returns its meta. */
export async function putBlock(bucket: Bucket, b: TestBlock): Promise<ThanosMeta> {
  const dir = await mkdtemp(path.join(tmpdir(), 'compact-blk-'));
  try {
    const id = ulid(b.createdAt ?? Date.now());
    const w = await BlockWriter.create(dir, { ulid: id, minTime: b.minTime, maxTime: b.maxTime });
    const step = b.stepMs ?? 60_000;
    const names = Array.from({ length: b.series ?? 5 }, (_, i) => ({ i, l: labelsFromRecord({ __name__: 'm', i: String(i).padStart(3, '0') }) }));
    for (const { i, l } of names) {
      const ts: number[] = [];
      for (let t = b.minTime + (b.offsetMs ?? 0); t < b.maxTime; t += step) ts.push(t);
      await w.addSeries(l, ts, Float64Array.from(ts, (t) => (b.value ? b.value(i, t) : t / 1000 + i)));
    }
    const meta = withThanosSection(await w.finish(), { labels: b.labels, source: b.source ?? 'sidecar' });
    await uploadBlock(bucket, w.dir, meta);
    return meta;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Blocks a store gateway would load: meta.json present, deletion mark not older than `ignoreMarksDelayMs`. */
export async function visibleBlocks(bucket: Bucket, ignoreMarksDelayMs = Infinity): Promise<ThanosMeta[]> {
  const r = await new MetaFetcher(bucket, { filters: ignoreMarksDelayMs === Infinity ? [] : [new IgnoreDeletionMarkFilter(bucket, ignoreMarksDelayMs)] }).fetch();
  return [...r.metas.values()].sort((a, b) => a.minTime - b.minTime || (a.ulid < b.ulid ? -1 : 1));
}

/**
 * Every sample of the given blocks: series (external labels, then series labels) → time → value; `dupes` counts
 * samples held by more than one block. External labels named in `ignoreExternal` are left out of the key.
 */
export async function readSamples(bucket: Bucket, metas: readonly ThanosMeta[], ignoreExternal: readonly string[] = []): Promise<{ samples: Map<string, Map<number, number>>; dupes: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'compact-read-'));
  const samples = new Map<string, Map<number, number>>();
  let dupes = 0;
  try {
    for (const m of metas) {
      const r = await BlockReader.open(await downloadBlock(bucket, m, dir));
      try {
        for await (const s of r.select([])) {
          const ext = Object.fromEntries(Object.entries(m.thanos.labels).filter(([k]) => !ignoreExternal.includes(k)));
          const key = `${formatLabels(labelsFromRecord(ext))}${formatLabels(s.labels)}`;
          let series = samples.get(key);
          if (!series) { series = new Map(); samples.set(key, series); }
          const it = new ChunkSeriesIterator().reset(s.chunks);
          while (it.next() !== ValNone) {
            if (series.has(it.atT())) dupes++;
            series.set(it.atT(), it.atF());
          }
        }
      } finally { await r.close(); }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { samples, dupes };
}

export function countSamples(s: Map<string, Map<number, number>>): number {
  let n = 0;
  for (const v of s.values()) n += v.size;
  return n;
}
