// The compactor's downsampling pass (upstream cmd/thanos/downsample.go downsampleBucket): raw blocks spanning ≥ 40h
// become 5m blocks, 5m blocks spanning ≥ 10d become 1h blocks, each once (a block whose compaction sources are all
// sources of an existing coarser block is done), skipping no-downsample-marked blocks. Each block is downloaded,
// downsampled streaming (tsdb/downsample), uploaded with thanos.downsample.resolution set, and removed locally.
// Also `tools bucket downsample` and the retention-vs-downsampling warning the compactor prints once at start.
//
//   const r = await downsamplePass(bucket, metas, dataDir, { concurrency: 1, logger, metrics: downsampleMetrics(reg) });

import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { mapConcurrent, MetaFetcher } from '../block/fetcher.js';
import type { IterationPass } from './bucket-compactor.js';
import { NO_DOWNSAMPLE_MARK_FILENAME } from '../block/markers.js';
import { RESOLUTION_1H, RESOLUTION_5M, RESOLUTION_RAW, type ThanosMeta, withThanosSection } from '../block/meta.js';
import type { Bucket } from '../objstore/bucket.js';
import { joinObjectName } from '../objstore/bucket.js';
import { errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { blockFiles, uploadBlock } from '../shipper/upload.js';
import { downsampleBlock } from '../tsdb/downsample/block.js';
import { downloadBlock } from './download.js';

/** A raw block must span this much before it is downsampled to 5m (upstream DownsampleRange0). */
export const DOWNSAMPLE_RANGE_RAW = 40 * 3_600_000;
/** A 5m block must span this much before it is downsampled to 1h (upstream DownsampleRange1). */
export const DOWNSAMPLE_RANGE_5M = 10 * 24 * 3_600_000;

export interface DownsampleMetrics {
  readonly downsamples: Counter<'resolution'>;
  readonly failures: Counter<'resolution'>;
  readonly duration: Histogram<'resolution'>;
  /** thanos_compact_todo_downsample_blocks: blocks a next pass would still downsample. */
  readonly todo: Gauge;
}

/** Upstream's metric families (labelled with the source block's resolution). */
export function downsampleMetrics(registry: Registry): DownsampleMetrics {
  const registers = [registry];
  return {
    downsamples: new Counter({ name: 'thanos_compact_downsample_total', help: 'Total number of downsampling attempts.', labelNames: ['resolution'], registers }),
    failures: new Counter({ name: 'thanos_compact_downsample_failures_total', help: 'Total number of failed downsampling attempts.', labelNames: ['resolution'], registers }),
    duration: new Histogram({
      name: 'thanos_compact_downsample_duration_seconds', help: 'Duration of downsample runs', labelNames: ['resolution'],
      buckets: [60, 300, 900, 1800, 3600, 7200, 14400], registers,
    }),
    todo: new Gauge({ name: 'thanos_compact_todo_downsample_blocks', help: 'number of blocks to be downsampled', registers }),
  };
}

export interface DownsamplePassOptions {
  /** --downsample.concurrency: blocks downsampled at once. */
  readonly concurrency: number;
  readonly logger: Logger;
  readonly metrics?: DownsampleMetrics;
  readonly signal?: AbortSignal;
  /** Called with each new block's meta once it is uploaded (e.g. to add it to the caller's view). */
  readonly onUploaded?: (meta: ThanosMeta) => void;
}

export interface DownsamplePassResult {
  /** Metas of the blocks uploaded, in the order they were made. */
  readonly created: ThanosMeta[];
  /** Blocks skipped because of a no-downsample mark. */
  readonly noDownsampleMarked: string[];
  /** Blocks that failed, with the error; the pass goes on with the others and the caller decides (retry). */
  readonly failed: { readonly ulid: string; readonly error: Error }[];
}

/** Blocks the next pass would downsample (the todo gauge): same selection, no marks consulted. */
export function downsampleCandidates(metas: Iterable<ThanosMeta>): { toRes: number; meta: ThanosMeta }[] {
  const all = [...metas].sort((a, b) => (a.ulid < b.ulid ? -1 : 1));
  const sourcesAt = (res: number): Set<string> => {
    const s = new Set<string>();
    for (const m of all) if (m.thanos.downsample.resolution === res) for (const x of m.compaction.sources ?? [m.ulid]) s.add(x);
    return s;
  };
  const s5m = sourcesAt(RESOLUTION_5M);
  const s1h = sourcesAt(RESOLUTION_1H);
  const out: { toRes: number; meta: ThanosMeta }[] = [];
  for (const m of all) {
    const sources = m.compaction.sources ?? [m.ulid];
    const span = m.maxTime - m.minTime;
    if (m.thanos.downsample.resolution === RESOLUTION_RAW && span >= DOWNSAMPLE_RANGE_RAW && sources.some((x) => !s5m.has(x))) out.push({ toRes: RESOLUTION_5M, meta: m });
    if (m.thanos.downsample.resolution === RESOLUTION_5M && span >= DOWNSAMPLE_RANGE_5M && sources.some((x) => !s1h.has(x))) out.push({ toRes: RESOLUTION_1H, meta: m });
  }
  return out;
}

/** Downsamples one block to `toRes` and uploads the result; local copies are removed whatever happens. */
async function downsampleOne(bucket: Bucket, meta: ThanosMeta, toRes: number, dataDir: string, opts: DownsamplePassOptions): Promise<ThanosMeta> {
  const work = path.join(dataDir, `downsample-${meta.ulid}`);
  const fromRes = meta.thanos.downsample.resolution;
  const res = String(fromRes);
  opts.metrics?.downsamples.inc({ resolution: res });
  const end = opts.metrics?.duration.startTimer({ resolution: res });
  try {
    await mkdir(work, { recursive: true });
    const src = await downloadBlock(bucket, meta, work, opts.signal ? { signal: opts.signal } : {});
    const out = await downsampleBlock(src, work, {
      fromRes, toRes, ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (out.skippedHistogramSeries > 0) {
      opts.logger.warn('native-histogram series are not downsampled by this build and were left out', { block: meta.ulid, series: out.skippedHistogramSeries });
    }
    const files = await blockFiles(out.dir);
    // As upstream: the source's section with the new resolution, source and files; no stale index stats.
    const { segment_files: _s, index_stats: _i, upload_time: _u, ...section } = meta.thanos;
    const clean = withThanosSection(out.meta, { ...section, downsample: { resolution: toRes }, source: 'compactor', files });
    await uploadBlock(bucket, out.dir, clean, opts.signal);
    end?.();
    opts.logger.info('downsampled block uploaded', { from: meta.ulid, to: clean.ulid, resolution: toRes, series: clean.stats.numSeries });
    return clean;
  } catch (err) {
    opts.metrics?.failures.inc({ resolution: res });
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * One downsampling pass over `metas` (the compactor's filtered view): raw → 5m, then 5m → 1h including the 5m
 * blocks just made, as upstream runs the two steps with a re-sync between them. Work happens under `dataDir`.
 */
export async function downsamplePass(bucket: Bucket, metas: Iterable<ThanosMeta>, dataDir: string, opts: DownsamplePassOptions): Promise<DownsamplePassResult> {
  const view = new Map<string, ThanosMeta>();
  for (const m of metas) view.set(m.ulid, m);
  const created: ThanosMeta[] = [];
  const marked: string[] = [];
  const failed: { ulid: string; error: Error }[] = [];
  for (const [fromRes, toRes] of [[RESOLUTION_RAW, RESOLUTION_5M], [RESOLUTION_5M, RESOLUTION_1H]] as const) {
    const todo = downsampleCandidates(view.values()).filter((c) => c.meta.thanos.downsample.resolution === fromRes && c.toRes === toRes);
    const ready: ThanosMeta[] = [];
    for (const { meta } of todo) {
      if (await bucket.exists(joinObjectName(meta.ulid, NO_DOWNSAMPLE_MARK_FILENAME), opts.signal ? { signal: opts.signal } : {})) {
        marked.push(meta.ulid);
        continue;
      }
      ready.push(meta);
    }
    await mapConcurrent(ready, Math.max(1, opts.concurrency), async (meta) => {
      opts.signal?.throwIfAborted();
      try {
        const m = await downsampleOne(bucket, meta, toRes, dataDir, opts);
        view.set(m.ulid, m);
        created.push(m);
        opts.onUploaded?.(m);
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        const error = err instanceof Error ? err : new Error(String(err));
        opts.logger.error('downsampling a block failed', { block: meta.ulid, resolution: toRes, err: errorMessage(err) });
        failed.push({ ulid: meta.ulid, error });
      }
    });
  }
  return { created, noDownsampleMarked: marked, failed };
}

/**
 * The compactor's per-iteration downsampling (the IterationPass seam of bucket-compactor.ts): re-sync through the
 * compactor's filter chain, downsample under `<data-dir>/downsample`; a failed block fails the iteration (retried
 * next time, as upstream's compactor retries), the others are kept.
 */
export function downsampleIterationPass(opts: { readonly concurrency: number; readonly metrics?: DownsampleMetrics }): IterationPass {
  return async (ctx) => {
    const { metas } = await ctx.sync();
    if (opts.metrics) {
      // As upstream: the attempt and failure counters exist (at 0) for every resolution the bucket holds.
      for (const m of metas.values()) {
        const resolution = String(m.thanos.downsample.resolution);
        opts.metrics.downsamples.inc({ resolution }, 0);
        opts.metrics.failures.inc({ resolution }, 0);
      }
    }
    // Each block's work directory is removed when it is done; one left by a crash is removed here (as upstream).
    const dir = path.join(ctx.dataDir, 'downsample');
    await rm(dir, { recursive: true, force: true });
    const r = await downsamplePass(ctx.bucket, metas.values(), dir, {
      concurrency: opts.concurrency, logger: ctx.logger,
      ...(opts.metrics ? { metrics: opts.metrics } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (r.created.length > 0) ctx.logger.info('downsampled blocks', { created: r.created.length });
    opts.metrics?.todo.set(downsampleCandidates([...metas.values(), ...r.created]).length);
    if (r.failed.length > 0) throw new Error(`downsampling failed for ${r.failed.map((x) => x.ulid).join(', ')}`);
  };
}

/**
 * `tools bucket downsample` (one-shot): every block of the bucket is considered (marked-for-deletion and partial
 * blocks left out by the fetcher's default view), and the pass runs once.
 */
export async function downsampleBucketOnce(bucket: Bucket, dataDir: string, opts: DownsamplePassOptions): Promise<DownsamplePassResult> {
  const fetched = await new MetaFetcher(bucket, { logger: opts.logger }).fetch(opts.signal);
  return downsamplePass(bucket, fetched.metas.values(), dataDir, opts);
}

export interface RetentionFlags {
  /** --retention.resolution-raw / -5m / -1h in ms (0 = keep forever). */
  readonly rawMs: number;
  readonly fiveMinMs: number;
  readonly oneHourMs: number;
  /** --downsampling.disable. */
  readonly downsamplingDisabled: boolean;
}

/**
 * What upstream refuses at start (raw retention below 40h, 5m retention below 10d with downsampling on), as
 * warnings naming the flags and what will never be downsampled; thanos-ts runs anyway (the Swift guide's test
 * settings raw 10m, 5m 1h, 1h 2h must run). Empty when nothing is lost.
 */
export function retentionDownsamplingWarnings(f: RetentionFlags): string[] {
  if (f.downsamplingDisabled) return [];
  const out: string[] = [];
  if (f.rawMs > 0 && f.rawMs < DOWNSAMPLE_RANGE_RAW) {
    out.push(`--retention.resolution-raw=${f.rawMs / 1000}s is below 40h: raw blocks are deleted before they span the 40h a 5m downsampling needs, so raw data will never be downsampled (upstream refuses to start)`);
  }
  if (f.fiveMinMs > 0 && f.fiveMinMs < DOWNSAMPLE_RANGE_5M) {
    out.push(`--retention.resolution-5m=${f.fiveMinMs / 1000}s is below 10d: 5m blocks are deleted before they span the 10d a 1h downsampling needs, so 5m data will never be downsampled to 1h (upstream refuses to start)`);
  }
  return out;
}

/** Logs the retention warnings once (call at compactor start). */
export function warnRetentionVsDownsampling(logger: Logger, f: RetentionFlags): void {
  for (const w of retentionDownsamplingWarnings(f)) logger.warn(w);
}
