// `tools bucket verify` checks (upstream pkg/verifier): overlapping blocks within a compaction group, duplicated
// compaction (a block whose sources another block of its group already holds), and index known issues (series out
// of order, chunks out of order or overlapping, chunks outside the block's time range), found by reading each block.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BucketReader } from '../objstore/bucket.js';
import type { ThanosMeta } from '../block/meta.js';
import { errorMessage } from '../runtime/errors.js';
import { BlockReader } from '../tsdb/block/reader.js';
import { compareLabels, formatLabels } from '../tsdb/labels/labels.js';
import { downloadBlock } from './download.js';
import { groupBlocks } from './group.js';

export const VERIFY_ISSUES = ['overlapped_blocks', 'index_known_issues', 'duplicated_compaction'] as const;
export type VerifyIssue = (typeof VERIFY_ISSUES)[number];

export interface Finding {
  readonly issue: VerifyIssue;
  readonly group?: string;
  readonly blocks: readonly string[];
  readonly message: string;
}

/** Every pair of overlapping blocks per group (not only the first run, as the planner looks at). */
export function findOverlaps(metas: readonly ThanosMeta[]): Finding[] {
  const out: Finding[] = [];
  for (const g of groupBlocks(metas)) {
    const ms = g.metas;
    for (let i = 0; i < ms.length; i++) {
      for (let j = i + 1; j < ms.length && ms[j]!.minTime < ms[i]!.maxTime; j++) {
        const a = ms[i]!, b = ms[j]!;
        out.push({ issue: 'overlapped_blocks', group: g.description, blocks: [a.ulid, b.ulid],
          message: `blocks ${a.ulid} [${a.minTime}, ${a.maxTime}) and ${b.ulid} [${b.minTime}, ${b.maxTime}) overlap` });
      }
    }
  }
  return out;
}

/** Blocks whose compaction sources are all in another block of the same group. */
export function findDuplicatedCompactions(metas: readonly ThanosMeta[]): Finding[] {
  const out: Finding[] = [];
  for (const g of groupBlocks(metas)) {
    for (const m of g.metas) {
      const src = m.compaction.sources ?? [];
      const cover = g.metas.find((o) => o !== m && (o.compaction.sources?.length ?? 0) >= src.length && src.every((s) => o.compaction.sources?.includes(s))
        && ((o.compaction.sources?.length ?? 0) > src.length || o.ulid < m.ulid));
      if (cover) out.push({ issue: 'duplicated_compaction', group: g.description, blocks: [m.ulid, cover.ulid], message: `block ${m.ulid}: all its sources are in ${cover.ulid}` });
    }
  }
  return out;
}

/** Reads a downloaded block and reports index issues. */
export async function checkBlockIndex(dir: string, meta: ThanosMeta): Promise<Finding[]> {
  const out: Finding[] = [];
  const bad = (message: string): void => { out.push({ issue: 'index_known_issues', blocks: [meta.ulid], message: `block ${meta.ulid}: ${message}` }); };
  let r: BlockReader;
  try {
    r = await BlockReader.open(dir);
  } catch (err) {
    bad(`cannot open: ${errorMessage(err)}`);
    return out;
  }
  try {
    let prev: Parameters<typeof compareLabels>[0] | undefined;
    let n = 0;
    for await (const s of r.select([])) {
      if (prev && compareLabels(prev, s.labels) >= 0) bad(`series ${formatLabels(s.labels)} out of order after ${formatLabels(prev)}`);
      prev = s.labels;
      for (let i = 0; i < s.chunks.length; i++) {
        const c = s.chunks[i]!;
        if (c.minTime < meta.minTime || c.maxTime > meta.maxTime) bad(`series ${formatLabels(s.labels)}: chunk [${c.minTime}, ${c.maxTime}] outside the block range [${meta.minTime}, ${meta.maxTime})`);
        if (i > 0 && c.minTime <= s.chunks[i - 1]!.maxTime) bad(`series ${formatLabels(s.labels)}: chunk [${c.minTime}, ${c.maxTime}] overlaps or precedes the one before`);
      }
      if (out.length > 100) { bad('more than 100 issues, stopping'); break; }
      n++;
    }
    if (meta.stats.numSeries !== undefined && out.length === 0 && n !== meta.stats.numSeries) bad(`index holds ${n} series, meta.json says ${meta.stats.numSeries}`);
  } catch (err) {
    bad(`reading failed: ${errorMessage(err)}`);
  } finally {
    await r.close();
  }
  return out;
}

export interface VerifyOptions {
  readonly issues: readonly VerifyIssue[];
  /** Only these blocks (all when empty). */
  readonly ids?: readonly string[];
  readonly signal?: AbortSignal;
}

/** Runs the chosen checks over the given (unmarked) blocks. */
export async function verifyBucket(bucket: BucketReader, metas: readonly ThanosMeta[], o: VerifyOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  const chosen = o.ids && o.ids.length > 0 ? metas.filter((m) => o.ids!.includes(m.ulid)) : metas;
  if (o.issues.includes('overlapped_blocks')) findings.push(...findOverlaps(metas).filter((f) => f.blocks.some((b) => chosen.some((m) => m.ulid === b))));
  if (o.issues.includes('duplicated_compaction')) findings.push(...findDuplicatedCompactions(metas).filter((f) => chosen.some((m) => m.ulid === f.blocks[0])));
  if (o.issues.includes('index_known_issues')) {
    const dir = await mkdtemp(path.join(tmpdir(), 'thanos-verify-'));
    try {
      for (const m of chosen) {
        const blockDir = await downloadBlock(bucket, m, dir, o.signal ? { signal: o.signal } : {});
        findings.push(...(await checkBlockIndex(blockDir, m)));
        await rm(blockDir, { recursive: true, force: true });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return findings;
}
