// Restores StoreAPI order (strictly sorted by the served label set) where merging external labels into a TSDB's
// order breaks it (the sidecar over Prometheus, the TSDB store over blocks). A TSDB sorts by its stored labels S;
// the served set is S ∪ E. For stored A < B, S∪E puts B
// first only when A is a strict prefix of B and B's first extra label sorts below an external label name:
// {job} < {job,path}, but {job,region} > {job,path,region}. So only a series followed by its own extensions can
// be overtaken; such a run (the root and every later series extending it, all contiguous) is sorted as a whole,
// and everything outside runs streams through as it came.

import type { Label, Labels } from '../tsdb/labels/labels.js';
import { compareLabels } from '../tsdb/labels/labels.js';
import type { Series } from './store-api.js';

/** How a run sorter sees a series part (a series split over frames arrives as parts with equal labels). */
export interface RunOrder<T> {
  /** Served-label order of two parts (0 for parts of one series). */
  compare(a: T, b: T): number;
  /** True when `x`'s labels, external labels left out, start with all of `root`'s. */
  extendsRoot(root: T, x: T): boolean;
}

/**
 * One run being sorted: it starts at a series that a later one sorts before (its parts), and takes every following
 * part that extends it; the first part that does not ends the run, which then comes out sorted (stably, so the
 * parts of one series stay in order).
 */
export class SortedRun<T> {
  private readonly parts: T[];
  private readonly root: T;

  constructor(private readonly order: RunOrder<T>, rootParts: readonly T[], overtaker: T) {
    this.root = rootParts[0]!;
    this.parts = [...rootParts, overtaker];
  }

  /** Takes `x` into the run, or returns false when `x` ends it (then call sorted()). */
  add(x: T): boolean {
    if (!this.order.extendsRoot(this.root, x)) return false;
    this.parts.push(x);
    return true;
  }

  /** The run's parts in served-label order. */
  sorted(): T[] {
    return this.parts.sort((a, b) => this.order.compare(a, b));
  }
}

/**
 * Reorders a stream of series parts that arrive in Prometheus's order: the parts of the latest series are held
 * until the next series shows whether it sorts before them (one series of delay, no copies); only then is a run
 * collected and sorted.
 */
export class SortedSeriesStream<T> {
  private held: T[] = [];
  private run: SortedRun<T> | undefined;

  constructor(private readonly order: RunOrder<T>) {}

  /** Takes the next part; appends to `out` the parts whose place is now final. */
  push(x: T, out: T[]): void {
    if (this.run !== undefined) {
      if (this.run.add(x)) return;
      this.endRun();
    }
    const last = this.held.at(-1);
    if (last === undefined) {
      this.held.push(x);
      return;
    }
    const c = this.order.compare(x, last);
    if (c === 0) this.held.push(x);
    else if (c > 0) {
      for (const h of this.held) out.push(h);
      this.held = [x];
    } else {
      this.run = new SortedRun(this.order, this.held, x);
      this.held = [];
    }
  }

  /** After the last part: appends everything still held, in order. */
  end(out: T[]): void {
    if (this.run !== undefined) this.endRun();
    for (const h of this.held) out.push(h);
    this.held = [];
  }

  /** Moves a finished run to `held` (its last series may still be overtaken in theory, so the usual check applies). */
  private endRun(): void {
    this.held = this.run!.sorted();
    this.run = undefined;
  }
}

/** The order of Series objects whose labels carry the external labels `ext` (names count, values may differ). */
export function seriesOrder(ext: Labels): RunOrder<Series> {
  const names = new Set(ext.map((l) => l.name));
  const stored = (labels: Labels): Label[] => labels.filter((l) => !names.has(l.name));
  return {
    compare: (a, b) => compareLabels(a.labels, b.labels),
    extendsRoot: (root, x) => {
      const r = stored(root.labels);
      const q = stored(x.labels);
      if (r.length > q.length) return false;
      for (let i = 0; i < r.length; i++) if (r[i]!.name !== q[i]!.name || r[i]!.value !== q[i]!.value) return false;
      return true;
    },
  };
}
