// One compaction group (upstream compact.Group): the blocks of one stream (resolution + external labels after
// replica-label removal) and running one plan on them — overlap check, plan, disk pre-flight, download, merge,
// upload of the result (meta.json last, `thanos.source: compactor`), then deletion marks on the inputs.

import { statfs, rm, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Bucket } from '../objstore/bucket.js';
import { mapConcurrent } from '../block/fetcher.js';
import { DELETION_MARK_FILENAME, NO_COMPACT_MARK_FILENAME } from '../block/markers.js';
import { withThanosSection, type ThanosMeta } from '../block/meta.js';
import { blockFiles, uploadBlock } from '../shipper/upload.js';
import { errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { compactBlocks } from '../tsdb/compact/compactor.js';
import type { SeriesMergeFunc } from '../tsdb/compact/chunk-merge.js';
import { downloadBlock } from './download.js';
import { HaltError, RetryError } from './errors.js';
import { groupDescription, groupKey } from '../block/group-key.js';
import { markBlock } from './marks.js';
import type { CompactMetrics } from './metrics.js';
import { planDisjoint, selectOverlapping } from './planner.js';

export interface CompactionGroup {
  /** `<resolution>@<labels hash>`. */
  readonly key: string;
  readonly resolution: number;
  readonly labels: Readonly<Record<string, string>>;
  /** `<resolution>@{labels}`, as upstream logs a group. */
  readonly description: string;
  readonly metas: readonly ThanosMeta[];
}

/** Groups blocks by group key; groups sorted by key as upstream processes them, blocks by minTime. */
export function groupBlocks(metas: Iterable<ThanosMeta>): CompactionGroup[] {
  const groups = new Map<string, { resolution: number; labels: Readonly<Record<string, string>>; metas: ThanosMeta[] }>();
  for (const m of metas) {
    const key = groupKey(m.thanos.downsample.resolution, m.thanos.labels);
    let g = groups.get(key);
    if (!g) { g = { resolution: m.thanos.downsample.resolution, labels: m.thanos.labels, metas: [] }; groups.set(key, g); }
    g.metas.push(m);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, g]) => ({
    key, resolution: g.resolution, labels: g.labels, description: groupDescription(g.resolution, g.labels),
    metas: g.metas.sort((a, b) => a.minTime - b.minTime || (a.ulid < b.ulid ? -1 : 1)),
  }));
}

export interface GroupRunOptions {
  readonly bucket: Bucket;
  /** `<data-dir>/compact`: inputs go to `<workDir>/<group key>/<ulid>`. */
  readonly workDir: string;
  readonly logger: Logger;
  readonly metrics: CompactMetrics;
  /** Vertical compaction (any --deduplication.replica-label): overlapping blocks are merged instead of halting. */
  readonly vertical: boolean;
  readonly mergeFunc?: SeriesMergeFunc;
  readonly noCompact: ReadonlySet<string>;
  readonly ranges?: readonly number[];
  readonly blocksFetchConcurrency: number;
  readonly blockFilesConcurrency: number;
  /** The objstore flag as the operator gave it, for the commands the halt messages print. */
  readonly objstoreFlag: string;
  /** Unix ms. */
  readonly now: () => number;
  readonly signal?: AbortSignal;
}

const fmtBlock = (m: ThanosMeta): string => `<ulid: ${m.ulid}, mint: ${m.minTime}, maxt: ${m.maxTime}, range: ${Math.round((m.maxTime - m.minTime) / 60_000)}m>`;

/** Bytes the block occupies, from meta.json's file list, else by asking the bucket. */
async function blockSize(bucket: Bucket, m: ThanosMeta, signal?: AbortSignal): Promise<number> {
  const files = m.thanos.files?.filter((f) => f.size_bytes !== undefined);
  if (files && files.length > 0) return files.reduce((s, f) => s + (f.size_bytes ?? 0), 0);
  let total = 0;
  for await (const name of bucket.iter(`${m.ulid}/`, { recursive: true, ...(signal ? { signal } : {}) })) {
    total += (await bucket.attributes(name, signal ? { signal } : {})).size;
  }
  return total;
}

/**
 * Checks that `dir`'s file system has room for the plan: its inputs plus an output as large as them (the merge never
 * grows data). The error names the sizes and the directory, instead of an ENOSPC half-way (upstream #7197).
 */
export async function checkDiskSpace(dir: string, needBytes: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const s = await statfs(dir);
  const free = s.bavail * s.bsize;
  if (free < needBytes) {
    const gib = (b: number): string => `${(b / 2 ** 30).toFixed(2)} GiB`;
    throw new Error(`not enough free space in ${dir} for the next compaction: it needs ${gib(needBytes)} (inputs and result), ${gib(free)} free; free space or point --data-dir at a larger disk`);
  }
}

/** What one run of a group did. */
export interface GroupRunResult {
  /** The block written, or undefined when the group had nothing to compact. */
  readonly newBlock?: ThanosMeta;
  /** Whether the run changed the bucket (a block written, or empty inputs marked), so another pass is worthwhile. */
  readonly changed: boolean;
}

function overlapHalt(g: CompactionGroup, overlapping: readonly ThanosMeta[], what: string, objstoreFlag: string): HaltError {
  const ids = overlapping.map((m) => m.ulid);
  const newer = [...overlapping].sort((a, b) => (a.ulid < b.ulid ? 1 : -1))[0]!;
  const remedy = `either keep the block out of compaction: thanos-ts tools bucket mark ${objstoreFlag} --marker=${NO_COMPACT_MARK_FILENAME} --id=${newer.ulid} --details="overlap"`
    + ` (or delete it: --marker=${DELETION_MARK_FILENAME}), or, if the blocks are replicas of one stream, merge them with --deduplication.replica-label=<label>`;
  return new HaltError(`${what}: overlaps found in group ${g.description}: ${overlapping.map(fmtBlock).join(', ')}`, g.description, ids, remedy);
}

/**
 * The plans to run on the group in this pass: overlap check first (HaltError without vertical compaction), then up to
 * `maxPlans` plans that share no block (planDisjoint; 1 is upstream's one plan per group per pass).
 */
export function planGroup(g: CompactionGroup, o: GroupRunOptions, maxPlans = 1): ThanosMeta[][] {
  const candidates = g.metas.filter((m) => !o.noCompact.has(m.ulid));
  const overlapping = selectOverlapping(candidates);
  if (overlapping.length > 0 && !o.vertical) throw overlapHalt(g, overlapping, 'pre compaction overlap check', o.objstoreFlag);
  return planDisjoint(g.metas, { noCompact: o.noCompact, ...(o.ranges ? { ranges: o.ranges } : {}) }, maxPlans);
}

/** Plans and runs one plan on the group (what a pass does to a group, as upstream). */
export async function runGroup(g: CompactionGroup, o: GroupRunOptions): Promise<GroupRunResult> {
  const [plan] = planGroup(g, o);
  return plan ? runPlan(g, plan, o) : { changed: false };
}

/**
 * Runs one plan of the group. Halts (HaltError) on shared sources and when the result would overlap another
 * block; bucket failures are RetryErrors; the local copies are kept on failure (so a retry does not download them
 * again) and removed on success. Plans of one group that share no block may run at once: each touches only its own
 * blocks' directories under the group's.
 */
export async function runPlan(g: CompactionGroup, plan: readonly ThanosMeta[], o: GroupRunOptions): Promise<GroupRunResult> {
  const log = o.logger.with({ group: g.description, groupKey: g.key });
  const vertical = selectOverlapping([...plan].sort((a, b) => a.minTime - b.minTime)).length > 0;

  const seen = new Map<string, string>();
  for (const m of plan) {
    for (const s of m.compaction.sources ?? []) {
      const other = seen.get(s);
      if (other !== undefined) {
        const msg = `blocks ${other} and ${m.ulid} of the plan share the source ${s}`;
        if (!o.vertical) {
          throw new HaltError(`pre compaction check: ${msg}`, g.description, [other, m.ulid],
            `one of them is a leftover of an earlier compaction: thanos-ts tools bucket mark ${o.objstoreFlag} --marker=${DELETION_MARK_FILENAME} --id=<the one with fewer sources> --details="duplicated compaction"`);
        }
        log.warn('plan blocks share a source; vertical compaction merges them', { blocks: `${other},${m.ulid}`, source: s });
      }
      seen.set(s, m.ulid);
    }
  }

  const groupDir = path.join(o.workDir, g.key);
  const op = o.signal ? { signal: o.signal } : {};
  let inputBytes = 0;
  for (const m of plan) inputBytes += await blockSize(o.bucket, m, o.signal);
  await checkDiskSpace(groupDir, 2 * inputBytes);

  const started = Date.now();
  log.info('compaction available and planned', { plan: plan.map(fmtBlock).join(', ') });
  const dirs = new Array<string>(plan.length);
  try {
    await mapConcurrent(plan.map((m, i) => ({ m, i })), o.blocksFetchConcurrency, async ({ m, i }) => {
      dirs[i] = await downloadBlock(o.bucket, m, groupDir, { concurrency: o.blockFilesConcurrency, ...op });
    });
  } catch (err) {
    throw new RetryError(`download of plan blocks for group ${g.description}: ${errorMessage(err)}`, { cause: err });
  }
  const downloaded = Date.now();

  let result;
  try {
    result = await compactBlocks(groupDir, dirs, { ...(o.mergeFunc ? { mergeFunc: o.mergeFunc } : {}), ...op });
  } catch (err) {
    if (o.signal?.aborted) throw err;
    throw new HaltError(`compaction of group ${g.description} failed: ${errorMessage(err)}`, g.description, plan.map((m) => m.ulid),
      `inspect the blocks (thanos-ts tools bucket verify ${o.objstoreFlag} --id=<id>) and keep the broken one out: thanos-ts tools bucket mark ${o.objstoreFlag} --marker=${NO_COMPACT_MARK_FILENAME} --id=<id>`, { cause: err });
  }

  if (!result) {
    log.info('compacted block would have no samples, marking the inputs for deletion', { blocks: plan.map((m) => m.ulid).join(',') });
    await markInputs(g, plan, o, 'source of an empty compaction result');
    await removePlanDirs(groupDir, plan);
    return { changed: true };
  }
  const resultDir = path.join(groupDir, result.ulid);
  const meta = withThanosSection(result, {
    labels: g.labels, source: 'compactor', downsample: { resolution: g.resolution }, files: await blockFiles(resultDir),
  });
  if (!o.vertical) {
    const others = g.metas.filter((m) => !plan.includes(m) && m.minTime < meta.maxTime && meta.minTime < m.maxTime);
    if (others.length > 0) throw overlapHalt(g, [meta, ...others], 'post compaction overlap check', o.objstoreFlag);
  }
  log.info('compacted blocks', { new: meta.ulid, blocks: plan.map((m) => m.ulid).join(','), duration_ms: Date.now() - downloaded, download_ms: downloaded - started });
  try {
    await uploadBlock(o.bucket, resultDir, meta, o.signal);
  } catch (err) {
    throw new RetryError(`upload of ${meta.ulid} for group ${g.description}: ${errorMessage(err)}`, { cause: err });
  }
  o.metrics.groupCompactions.inc({ resolution: String(g.resolution) });
  if (vertical) o.metrics.groupVertical.inc({ resolution: String(g.resolution) });
  log.info('uploaded block', { result_block: meta.ulid, duration_ms: Date.now() - started });
  await markInputs(g, plan, o, `source of ${meta.ulid}`);
  await removePlanDirs(groupDir, plan, meta.ulid);
  return { newBlock: meta, changed: true };
}

/** Removes a finished plan's input copies and result from the group's directory (other plans may be using it). */
async function removePlanDirs(groupDir: string, plan: readonly ThanosMeta[], result?: string): Promise<void> {
  for (const id of [...plan.map((m) => m.ulid), ...(result ? [result] : [])]) await rm(path.join(groupDir, id), { recursive: true, force: true });
}

async function markInputs(g: CompactionGroup, plan: readonly ThanosMeta[], o: GroupRunOptions, details: string): Promise<void> {
  for (const m of plan) {
    try {
      const outcome = await markBlock(o.bucket, m.ulid, DELETION_MARK_FILENAME, { details, now: o.now(), ...(o.signal ? { signal: o.signal } : {}) });
      if (outcome === 'written') {
        o.metrics.blocksMarked.inc({ marker: DELETION_MARK_FILENAME, reason: '' });
        o.metrics.gcBlocks.inc();
      }
    } catch (err) {
      throw new RetryError(`mark ${m.ulid} of group ${g.description} for deletion: ${errorMessage(err)}`, { cause: err });
    }
  }
}
