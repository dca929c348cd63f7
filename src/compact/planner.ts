// Upstream's compaction planner (pkg/compact tsdbBasedPlanner): which blocks of one group to merge next. Overlapping
// blocks first; otherwise the first aligned window of the next level (2h, 8h, 2d, 14d) that is complete, or older
// than the newest block, which is kept out so operators get one block length of maintenance window; otherwise a
// large block with more than 5% tombstones on its own. One plan per call, as upstream.

import type { BlockMeta } from '../tsdb/block/meta.js';

const HOUR = 3_600_000;
/** Upstream's compaction levels (`--debug.max-compaction-level` keeps a prefix of them). */
export const DEFAULT_COMPACTION_RANGES: readonly number[] = [1 * HOUR, 2 * HOUR, 8 * HOUR, 48 * HOUR, 14 * 24 * HOUR];

/** What the planner reads of a block. */
export type PlanMeta = Pick<BlockMeta, 'ulid' | 'minTime' | 'maxTime' | 'stats'> & { readonly compaction: Pick<BlockMeta['compaction'], 'failed'> };

export interface PlanOptions {
  /** Compaction ranges, ascending (default DEFAULT_COMPACTION_RANGES). */
  readonly ranges?: readonly number[];
  /** Blocks with a no-compact mark. */
  readonly noCompact?: ReadonlySet<string>;
}

/** The blocks to merge next (in minTime order), or an empty list when the group needs nothing. */
export function planCompaction<M extends PlanMeta>(metas: readonly M[], opts: PlanOptions = {}): M[] {
  const ranges = opts.ranges ?? DEFAULT_COMPACTION_RANGES;
  const excluded = opts.noCompact ?? new Set<string>();
  if (metas.length === 0) return [];
  const byMinTime = [...metas].sort((a, b) => a.minTime - b.minTime || (a.ulid < b.ulid ? -1 : a.ulid > b.ulid ? 1 : 0));
  let candidates = byMinTime.filter((m) => !excluded.has(m.ulid));

  const overlapping = selectOverlapping(candidates);
  if (overlapping.length > 0) return overlapping;

  // The newest block stays out (unless it is excluded anyway).
  const newest = byMinTime[byMinTime.length - 1]!;
  if (!excluded.has(newest.ulid)) candidates = candidates.slice(0, -1);
  const windowed = selectWindow(ranges, excluded, byMinTime.slice(0, -1));
  if (windowed.length > 0) return windowed;

  // A single large block with many tombstones is rewritten on its own.
  for (let i = candidates.length - 1; i >= 0; i--) {
    const m = candidates[i]!;
    if (m.maxTime - m.minTime < ranges[Math.floor(ranges.length / 2)]!) break;
    if ((m.stats.numTombstones ?? 0) / ((m.stats.numSeries ?? 0) + 1) > 0.05) return [m];
  }
  return [];
}

/** The first run of overlapping blocks (with the block just before the first overlap). */
export function selectOverlapping<M extends PlanMeta>(byMinTime: readonly M[]): M[] {
  if (byMinTime.length < 2) return [];
  const out: M[] = [];
  let maxT = byMinTime[0]!.maxTime;
  for (let i = 1; i < byMinTime.length; i++) {
    const m = byMinTime[i]!;
    if (m.minTime < maxT) {
      if (out.length === 0) out.push(byMinTime[i - 1]!);
      out.push(m);
    } else if (out.length > 0) {
      break;
    }
    if (m.maxTime > maxT) maxT = m.maxTime;
  }
  return out;
}

/**
 * Splits blocks into windows aligned to `range`: a window starts at the aligned time at or before a block's
 * minTime and takes the following blocks that end inside it; a block that reaches past its window is skipped.
 */
export function splitByRange<M extends PlanMeta>(byMinTime: readonly M[], range: number): M[][] {
  const out: M[][] = [];
  for (let i = 0; i < byMinTime.length;) {
    const m = byMinTime[i]!;
    // Go's truncating division, also for negative times.
    const t0 = m.minTime >= 0 ? range * Math.trunc(m.minTime / range) : range * Math.trunc((m.minTime - range + 1) / range);
    if (m.maxTime > t0 + range) { i++; continue; }
    const group: M[] = [];
    for (; i < byMinTime.length && byMinTime[i]!.maxTime <= t0 + range; i++) group.push(byMinTime[i]!);
    if (group.length > 0) out.push(group);
  }
  return out;
}

function selectWindow<M extends PlanMeta>(ranges: readonly number[], excluded: ReadonlySet<string>, byMinTime: readonly M[]): M[] {
  if (ranges.length < 2 || byMinTime.length < 1) return [];
  const highTime = byMinTime[byMinTime.length - 1]!.minTime;
  for (const range of ranges.slice(1)) {
    for (const p of splitByRange(byMinTime, range)) {
      if (p.some((m) => m.compaction.failed)) continue;
      if (p.length < 2) continue;
      const mint = p[0]!.minTime;
      const maxt = p[p.length - 1]!.maxTime;
      // A window is taken when complete, or when something newer exists already.
      if (maxt - mint !== range && maxt > highTime) continue;
      // Excluded blocks cut the window; the first run of two or more others is the plan.
      let from = 0;
      for (let i = 0; i < p.length; i++) {
        if (!excluded.has(p[i]!.ulid)) continue;
        if (i - from > 1) return p.slice(from, i);
        from = i + 1;
      }
      if (p.length - from > 1) return p.slice(from);
    }
  }
  return [];
}

/**
 * The plans that passes run one after another would make, for as long as none of them needs an earlier one's
 * result (beyond upstream, which runs one plan per group per pass): each plan is replaced by a stand-in of the block
 * it makes and the planner is asked again; this stops at a plan that takes a stand-in, when nothing is left, or at
 * `max` plans. The plans share no block, so they can be merged at once; they are the first `n` plans of the serial
 * order (unless a merge turns out empty, which the next pass plans around).
 */
export function planDisjoint<M extends PlanMeta>(metas: readonly M[], opts: PlanOptions, max: number): M[][] {
  const plans: M[][] = [];
  const standIns = new Set<PlanMeta>();
  let cur: PlanMeta[] = [...metas];
  while (plans.length < Math.max(1, max)) {
    const plan = planCompaction(cur, opts);
    if (plan.length === 0 || plan.some((m) => standIns.has(m))) break;
    plans.push(plan as M[]);
    const ids = new Set(plan.map((m) => m.ulid));
    const standIn: PlanMeta = {
      ulid: `stand-in-${plans.length}`, minTime: Math.min(...plan.map((m) => m.minTime)), maxTime: Math.max(...plan.map((m) => m.maxTime)),
      stats: {}, compaction: {},
    };
    standIns.add(standIn);
    cur = [...cur.filter((m) => !ids.has(m.ulid)), standIn];
  }
  return plans;
}
