// One compactor iteration over a bucket (upstream compactMainFn + BucketCompactor.Compact): compaction passes until
// no group changes (each pass: sync metas through the filter chain, delete blocks whose deletion mark is due, mark
// duplicates, run one plan per group, --compact.concurrency groups at a time), then the extra passes (the seam
// downsampling plugs into), retention, and cleanup of partial uploads and marked blocks.
//
// Beyond upstream, a group that halts is remembered and skipped, and the other groups, retention and deletion go on.

import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Bucket } from '../objstore/bucket.js';
import { MetaFetcher, mapConcurrent, type FetchResult, type ThanosMeta } from '../block/fetcher.js';
import { ConsistencyDelayFilter, DeduplicateFilter, IgnoreDeletionMarkFilter, LabelShardedFilter, TimePartitionFilter } from '../block/filters.js';
import { DELETION_MARK_FILENAME } from '../block/markers.js';
import type { RelabelConfig } from '../block/relabel.js';
import { errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { SeriesMergeFunc } from '../tsdb/compact/chunk-merge.js';
import type { MetaFilter } from '../block/fetcher.js';
import { removeTmpBlockDirs } from '../tsdb/compact/compactor.js';
import { PARTIAL_UPLOAD_THRESHOLD_MS, cleanPartialUploads, deleteMarkedBlocks } from './clean.js';
import type { HaltError} from './errors.js';
import { isHalt, isRetry } from './errors.js';
import { NoCompactMarkFilter, ReplicaLabelRemover } from './filters.js';
import { groupBlocks, planGroup, runPlan, type CompactionGroup, type GroupRunOptions } from './group.js';
import { markBlock } from './marks.js';
import { createCompactMetrics, initGroupMetrics, initMarkedMetrics, type CompactMetrics } from './metrics.js';
import { penaltyChunkMerge } from './penalty-merge.js';
import { DEFAULT_COMPACTION_RANGES, planCompaction } from './planner.js';
import { applyRetention, blocksPastRetention, type RetentionByResolution } from './retention.js';

/** What an extra pass (downsampling) gets each iteration, after compaction and before retention. */
export interface PassContext {
  readonly bucket: Bucket;
  readonly dataDir: string;
  readonly logger: Logger;
  /** Syncs the bucket's metas through the compactor's filter chain. */
  readonly sync: () => Promise<FetchResult>;
  readonly signal?: AbortSignal;
}

/** A pass run after compaction in every iteration (src/compact/downsample-pass.ts plugs in here). */
export type IterationPass = (ctx: PassContext) => Promise<void>;

export interface BucketCompactorOptions {
  readonly bucket: Bucket;
  readonly dataDir: string;
  readonly logger: Logger;
  readonly registry?: Registry;
  /** Whether the meta fetcher's thanos_blocks_meta_* go to `registry` too (not when a store gateway in the same process has them). */
  readonly fetcherMetrics?: boolean;
  /** Unix ms; injected so tests can move time. */
  readonly now?: () => number;
  readonly consistencyDelayMs: number;
  readonly deleteDelayMs: number;
  readonly replicaLabels: readonly string[];
  /** --deduplication.func: '' (1:1 exact duplicates) or 'penalty'. */
  readonly dedupFunc: '' | 'penalty';
  readonly retention: RetentionByResolution;
  readonly minTime?: number;
  readonly maxTime?: number;
  readonly relabel?: readonly RelabelConfig[];
  readonly metaFetchConcurrency?: number;
  /** Groups compacted at once (--compact.concurrency). */
  readonly concurrency?: number;
  readonly blocksFetchConcurrency?: number;
  readonly blockFilesConcurrency?: number;
  readonly ranges?: readonly number[];
  readonly passes?: readonly IterationPass[];
  /** The objstore flag as the operator gave it, quoted in the commands halt messages print. */
  readonly objstoreFlag?: string;
  /** Partial uploads older than this are removed (default 48h). */
  readonly partialUploadThresholdMs?: number;
  /** Called when a group halts (the first time); the mode flips readiness here. */
  readonly onHalt?: (err: HaltError) => void;
}

/** What one iteration did. */
export interface IterationResult {
  readonly compactions: number;
  /** Compaction passes run (the last one changed nothing, or was cut short). */
  readonly passes: number;
  /** Group failures other than halts, and cleanup failures. */
  readonly errors: readonly Error[];
  /** Halts raised in this iteration. */
  readonly halts: readonly HaltError[];
}

export class BucketCompactor {
  readonly metrics: CompactMetrics;
  /** Halted groups by description (`<resolution>@{labels}`), with what halted them; skipped until restart. */
  readonly halted = new Map<string, HaltError>();
  /** The filtered metas of the last sync (what the planner saw). */
  lastSync: FetchResult | undefined;
  private readonly fetcher: MetaFetcher;
  private readonly deletionMarks: IgnoreDeletionMarkFilter;
  private readonly dedup = new DeduplicateFilter();
  private readonly noCompact: NoCompactMarkFilter;
  private readonly now: () => number;
  private readonly workDir: string;
  private readonly mergeFunc: SeriesMergeFunc | undefined;
  private lock: Promise<void> = Promise.resolve();

  constructor(private readonly o: BucketCompactorOptions) {
    this.metrics = createCompactMetrics(o.registry);
    this.metrics.deleteDelay.set(o.deleteDelayMs / 1000);
    this.metrics.consistencyDelay.set(o.consistencyDelayMs / 1000);
    initMarkedMetrics(this.metrics, o.replicaLabels.length > 0);
    this.now = o.now ?? Date.now;
    this.workDir = path.join(o.dataDir, 'compact');
    this.mergeFunc = o.dedupFunc === 'penalty' ? penaltyChunkMerge : undefined;
    const concurrency = o.metaFetchConcurrency ?? 32;
    // Marked blocks stay visible for half the delete delay, so a compaction cut short never leaves a gap (upstream).
    this.deletionMarks = new IgnoreDeletionMarkFilter(o.bucket, o.deleteDelayMs / 2, { logger: o.logger, concurrency, now: this.now });
    this.noCompact = new NoCompactMarkFilter(o.bucket, { logger: o.logger, concurrency });
    this.fetcher = new MetaFetcher(o.bucket, {
      logger: o.logger,
      cacheDir: path.join(o.dataDir, 'meta-syncer'),
      concurrency,
      ...(o.registry && o.fetcherMetrics !== false ? { registry: o.registry } : {}),
      filters: [
        new TimePartitionFilter(o.minTime ?? -Infinity, o.maxTime ?? Infinity),
        replicaFreeSharding(o.relabel ?? [], o.replicaLabels),
        new ConsistencyDelayFilter(o.consistencyDelayMs, this.now),
        this.deletionMarks,
        new ReplicaLabelRemover(o.replicaLabels, o.logger),
        this.dedup,
        this.noCompact,
      ],
    });
  }

  get vertical(): boolean { return this.o.replicaLabels.length > 0; }

  /** Fetches and filters the bucket's metas. */
  async sync(signal?: AbortSignal): Promise<FetchResult> {
    const r = await this.fetcher.fetch(signal);
    this.lastSync = r;
    return r;
  }

  /** Runs one full iteration. Halts and group failures are returned, not thrown; a failed sync throws. */
  async iterate(signal?: AbortSignal): Promise<IterationResult> {
    const errors: Error[] = [];
    const halts: HaltError[] = [];
    const log = this.o.logger;
    const op = signal ? { signal } : {};
    await mkdir(this.workDir, { recursive: true });
    let compactions = 0;
    let passes = 0;
    for (;;) {
      passes++;
      // The sync and what reads the filters' state run under the lock the background cleanup also takes.
      const { groups, noCompact } = await this.exclusive(async () => {
        const synced = await this.sync(signal);
        errors.push(...(await this.deleteDue(signal)));
        await this.markDuplicates(signal);
        const gs = groupBlocks(synced.metas.values());
        for (const g of gs) initGroupMetrics(this.metrics, g.resolution);
        await this.wipeWorkDir(gs);
        return { groups: gs, noCompact: new Set(this.noCompact.marks.keys()) };
      });
      const runnable = groups.filter((g) => g.metas.length >= 2 && !this.halted.has(g.description));
      let changed = false;
      const limit = Math.max(1, this.o.concurrency ?? 1);
      const gopts: GroupRunOptions = {
        bucket: this.o.bucket, workDir: this.workDir, logger: log, metrics: this.metrics, vertical: this.vertical,
        ...(this.mergeFunc ? { mergeFunc: this.mergeFunc } : {}), noCompact,
        ranges: this.o.ranges ?? DEFAULT_COMPACTION_RANGES, blocksFetchConcurrency: this.o.blocksFetchConcurrency ?? 1,
        blockFilesConcurrency: this.o.blockFilesConcurrency ?? 1, objstoreFlag: this.o.objstoreFlag ?? '--objstore.config-file=<bucket.yaml>',
        now: this.now, ...op,
      };
      const failed = (g: CompactionGroup, err: unknown): void => {
        this.metrics.groupFailures.inc({ resolution: String(g.resolution) });
        if (isHalt(err)) {
          this.halt(err);
          halts.push(err);
        } else {
          if (isRetry(err)) this.metrics.retries.inc();
          log.error(isRetry(err) ? 'retriable error' : 'group compaction failed', { group: g.description, err: errorMessage(err) });
          errors.push(err instanceof Error ? err : new Error(String(err)));
        }
      };
      // Beyond upstream (one plan per group per pass): with --compact.concurrency > 1 a group's plans that share no
      // block run at once too, as many as the concurrency allows, so one large stream also uses the workers.
      const tasks: { g: CompactionGroup; plan: ThanosMeta[] }[] = [];
      for (const g of runnable) {
        let plans: ThanosMeta[][];
        try {
          plans = planGroup(g, gopts, limit);
        } catch (err) {
          this.metrics.groupRunsStarted.inc({ resolution: String(g.resolution) });
          failed(g, err);
          continue;
        }
        if (plans.length === 0) {
          this.metrics.groupRunsStarted.inc({ resolution: String(g.resolution) });
          this.metrics.groupRunsCompleted.inc({ resolution: String(g.resolution) });
          continue;
        }
        if (plans.length > 1) log.info('compacting disjoint plans of one group at once', { group: g.description, plans: plans.length });
        for (const plan of plans) tasks.push({ g, plan });
      }
      await mapConcurrent(tasks, limit, async ({ g, plan }) => {
        if (signal?.aborted || this.halted.has(g.description)) return;
        const resolution = String(g.resolution);
        this.metrics.groupRunsStarted.inc({ resolution });
        try {
          const r = await runPlan(g, plan, gopts);
          this.metrics.groupRunsCompleted.inc({ resolution });
          if (r.changed) changed = true;
          if (r.newBlock) compactions++;
        } catch (err) {
          if (signal?.aborted) throw err;
          failed(g, err);
        }
      });
      if (signal?.aborted) throw signal.reason;
      if (!changed) break;
      log.debug('compaction pass changed the bucket, running another', { pass: passes });
    }

    for (const p of this.o.passes ?? []) {
      try {
        await p({ bucket: this.o.bucket, dataDir: this.o.dataDir, logger: log, sync: () => this.sync(signal), ...op });
      } catch (err) {
        if (signal?.aborted) throw err;
        if (isHalt(err)) { this.halt(err); halts.push(err); } else {
          log.error('iteration pass failed', { err: errorMessage(err) });
          errors.push(err instanceof Error ? err : new Error(String(err)));
        }
      }
    }

    const synced = await this.exclusive(() => this.sync(signal));
    try {
      await applyRetention(this.o.bucket, synced.metas.values(), this.o.retention, { now: this.now(), logger: log, metrics: this.metrics, ...op });
    } catch (err) {
      if (signal?.aborted) throw err;
      log.error('retention failed', { err: errorMessage(err) });
      errors.push(err instanceof Error ? err : new Error(String(err)));
    }
    errors.push(...(await this.cleanup(signal)));
    this.updateProgress(synced);
    return { compactions, passes, errors, halts };
  }

  /** Deletes marked blocks whose delay passed and aborted partial uploads (also run on --compact.cleanup-interval). */
  async cleanup(signal?: AbortSignal): Promise<Error[]> {
    return this.exclusive(async () => {
      this.metrics.cleanupLoops.inc();
      const synced = await this.sync(signal);
      const errors = await this.deleteDue(signal);
      await cleanPartialUploads(this.o.bucket, synced.partial.keys(),
        Math.max(this.o.partialUploadThresholdMs ?? PARTIAL_UPLOAD_THRESHOLD_MS, this.o.consistencyDelayMs), this.o.deleteDelayMs,
        { logger: this.o.logger, metrics: this.metrics, now: this.now(), ...(signal ? { signal } : {}) });
      return errors;
    });
  }

  /** Runs `fn` after every earlier holder of the lock finished (the filters keep per-fetch state). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.then(() => undefined, () => undefined);
    return run;
  }

  private halt(err: HaltError): void {
    const first = !this.halted.has(err.group);
    this.halted.set(err.group, err);
    this.metrics.halted.set(1);
    this.o.logger.error('critical error detected; halting compaction of this group (other groups, retention and deletion go on)', {
      group: err.group, blocks: err.blocks.join(','), err: err.message, resolve: err.remedy,
    });
    if (first) this.o.onHalt?.(err);
  }

  private async deleteDue(signal?: AbortSignal): Promise<Error[]> {
    const { errors } = await deleteMarkedBlocks(this.o.bucket, this.deletionMarks.marks, this.o.deleteDelayMs,
      { logger: this.o.logger, metrics: this.metrics, now: this.now(), ...(signal ? { signal } : {}) });
    return errors;
  }

  /** Marks the blocks the duplicate filter dropped (their sources are covered by another block) for deletion. */
  private async markDuplicates(signal?: AbortSignal): Promise<void> {
    this.metrics.gcRuns.inc();
    const stop = this.metrics.gcDuration.startTimer();
    try {
      for (const id of this.dedup.duplicateIds) {
        if (this.deletionMarks.marks.has(id)) continue;
        const outcome = await markBlock(this.o.bucket, id, DELETION_MARK_FILENAME, { details: 'outdated block', now: this.now(), ...(signal ? { signal } : {}) });
        if (outcome === 'written') {
          this.o.logger.info('marked outdated block (its sources are in another block) for deletion', { id });
          this.metrics.blocksMarked.inc({ marker: DELETION_MARK_FILENAME, reason: '' });
          this.metrics.gcBlocks.inc();
        }
      }
    } catch (err) {
      this.metrics.gcFailures.inc();
      throw err;
    } finally {
      stop();
    }
  }

  /** Removes local leftovers: directories under `<data-dir>/compact` of blocks no longer in any group, builds a crash cut short. */
  private async wipeWorkDir(groups: readonly CompactionGroup[]): Promise<void> {
    const keep = new Map<string, Set<string>>(groups.map((g) => [g.key, new Set(g.metas.map((m) => m.ulid))]));
    for (const e of await readdir(this.workDir, { withFileTypes: true })) {
      const dir = path.join(this.workDir, e.name);
      const ids = keep.get(e.name);
      if (!e.isDirectory() || !ids) { await rm(dir, { recursive: true, force: true }); continue; }
      await removeTmpBlockDirs(dir);
      for (const b of await readdir(dir)) if (!ids.has(b)) await rm(path.join(dir, b), { recursive: true, force: true });
    }
  }

  /** thanos_compact_todo_*: the planner replayed on each group until it plans nothing. */
  private updateProgress(synced: FetchResult): void {
    let plans = 0, blocks = 0;
    const noCompact = new Set(this.noCompact.marks.keys());
    for (const g of groupBlocks(synced.metas.values())) {
      const t = todo(g.metas, noCompact, this.o.ranges ?? DEFAULT_COMPACTION_RANGES);
      plans += t.plans; blocks += t.blocks;
    }
    this.metrics.todoCompactions.set(plans);
    this.metrics.todoCompactionBlocks.set(blocks);
    this.metrics.todoDeletionBlocks.set(blocksPastRetention(synced.metas.values(), this.o.retention, this.now()).length);
  }
}

/**
 * --selector.relabel-config evaluated on the block's labels without the replica labels (as upstream), so every
 * replica of a stream lands on the same compactor shard.
 */
function replicaFreeSharding(configs: readonly RelabelConfig[], replicaLabels: readonly string[]): MetaFilter {
  const sharder = new LabelShardedFilter(configs);
  return {
    async filter(r) {
      if (configs.length === 0) return;
      for (const [id, m] of [...r.metas]) {
        const labels = Object.fromEntries(Object.entries(m.thanos.labels).filter(([k]) => !replicaLabels.includes(k)));
        if (sharder.keeps(id, { ...m, thanos: { ...m.thanos, labels } })) continue;
        r.metas.delete(id);
        r.synced.set('label-excluded', (r.synced.get('label-excluded') ?? 0) + 1);
      }
    },
  };
}

/** Plans and blocks the planner would go through for these metas, merging each plan as compaction would. */
export function todo(metas: readonly ThanosMeta[], noCompact: ReadonlySet<string>, ranges: readonly number[]): { plans: number; blocks: number } {
  type Sim = Pick<ThanosMeta, 'ulid' | 'minTime' | 'maxTime' | 'stats'> & { compaction: { failed?: boolean } };
  let cur: Sim[] = metas.map((m) => ({ ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime, stats: {}, compaction: {} }));
  let plans = 0, blocks = 0;
  for (let i = 0; i < 10_000; i++) {
    const plan = planCompaction(cur, { noCompact, ranges });
    if (plan.length === 0) break;
    plans++; blocks += plan.length;
    const ids = new Set(plan.map((m) => m.ulid));
    const merged: Sim = { ulid: `sim-${i}`, minTime: Math.min(...plan.map((m) => m.minTime)), maxTime: Math.max(...plan.map((m) => m.maxTime)), stats: {}, compaction: {} };
    cur = [...cur.filter((m) => !ids.has(m.ulid)), merged];
  }
  return { plans, blocks };
}
