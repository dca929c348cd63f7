// Replica deduplication over sample iterators (upstream pkg/dedup): the penalty algorithm that sticks to one replica
// and switches only after a gap, the chain merge (union, equal timestamps once), and the overlap split that turns a
// series with overlapping chunks into pseudo-replicas.

import type { SampleIterator } from '../promql/queryable.js';
import { ValFloat, ValNone, type ValueType } from '../tsdb/chunkenc/chunk.js';

/**
 * Penalty used for the replica not chosen when no previous sample exists yet: timestamps are ms and scrape
 * intervals are typically several seconds (upstream's initialPenalty).
 */
export const INITIAL_PENALTY_MS = 5000;

export type DedupAlgorithm = 'penalty' | 'chain';

/** Functions whose counter semantics let a replica switch raise values so no false counter reset appears. */
export function isCounterFunc(func: string): boolean {
  return func === 'increase' || func === 'rate' || func === 'irate' || func === 'resets';
}

/** A sample iterator whose current value may be raised when the dedup switches to it. */
interface AdjustableIterator extends SampleIterator {
  /** Told the last value emitted before a replica switch; counters compensate a lower value. */
  adjustAtValue(lastValue: number): void;
}

class PlainIterator implements AdjustableIterator {
  constructor(private readonly it: SampleIterator) {}
  next(): ValueType { return this.it.next(); }
  seek(t: number): ValueType { return this.it.seek(t); }
  atT(): number { return this.it.atT(); }
  atF(): number { return this.it.atF(); }
  err(): Error | undefined { return this.it.err(); }
  adjustAtValue(): void {}
}

/**
 * Counter replicas that restarted (or missed the counter's latest increments) hold lower values than the replica
 * we switch away from; adding the difference keeps the merged counter monotonic (upstream issue 2401).
 */
class CounterAdjustIterator implements AdjustableIterator {
  private errAdjust = 0;
  constructor(private readonly it: SampleIterator) {}
  next(): ValueType { return this.it.next(); }
  seek(t: number): ValueType { return this.it.seek(t); }
  atT(): number { return this.it.atT(); }
  atF(): number { return this.it.atF() + this.errAdjust; }
  err(): Error | undefined { return this.it.err(); }
  adjustAtValue(lastValue: number): void {
    const v = this.atF();
    if (lastValue > v) this.errAdjust += lastValue - v;
  }
}

/**
 * Merges two replicas of one series (upstream dedupSeriesIterator). Each step seeks both replicas to
 * `lastT + 1 + penalty` and emits the earlier sample (ties go to A). The replica not chosen is penalised with twice
 * the distance just covered, so a replica is left only when it has a gap of about two intervals: a restart leaves no
 * hole, and interleaved scrapes of two replicas do not double the sample rate.
 */
class PenaltyDedupIterator implements AdjustableIterator {
  private aOk: boolean;
  private bOk: boolean;
  private lastT = -Infinity;
  private penA = 0;
  private penB = 0;
  private useA = true;
  /** Whether `next` has been called since construction (seek relies on it). */
  private started = false;
  /** Whether the current position holds a sample. */
  private has = false;

  constructor(private readonly a: AdjustableIterator, private readonly b: AdjustableIterator) {
    this.aOk = a.next() !== ValNone;
    this.bOk = b.next() !== ValNone;
  }

  next(): ValueType {
    this.started = true;
    const hadLast = this.has;
    const lastV = hadLast ? this.atF() : NaN;
    const lastUseA = this.useA;
    this.has = this.step();
    if (hadLast && this.useA !== lastUseA) {
      // Switched replicas: let counter replicas compensate for values below what was already emitted.
      if (this.aOk) this.a.adjustAtValue(lastV);
      if (this.bOk) this.b.adjustAtValue(lastV);
    }
    return this.has ? ValFloat : ValNone;
  }

  private step(): boolean {
    if (this.aOk) this.aOk = this.a.seek(this.lastT + 1 + this.penA) !== ValNone;
    if (this.bOk) this.bOk = this.b.seek(this.lastT + 1 + this.penB) !== ValNone;
    if (!this.aOk) {
      this.useA = false;
      if (this.bOk) {
        this.lastT = this.b.atT();
        this.penB = 0;
      }
      return this.bOk;
    }
    if (!this.bOk) {
      this.useA = true;
      this.lastT = this.a.atT();
      this.penA = 0;
      return true;
    }
    const ta = this.a.atT();
    const tb = this.b.atT();
    this.useA = ta <= tb;
    const chosen = this.useA ? ta : tb;
    const penalty = this.lastT === -Infinity ? INITIAL_PENALTY_MS : 2 * (chosen - this.lastT);
    if (this.useA) {
      this.penB = penalty;
      this.penA = 0;
    } else {
      this.penA = penalty;
      this.penB = 0;
    }
    this.lastT = chosen;
    return true;
  }

  /** Walks with next rather than seeking the replicas, so a gap in one replica is still filled from the other. */
  seek(t: number): ValueType {
    if (!this.started && this.next() === ValNone) return ValNone;
    if (!this.has) return ValNone;
    while (this.atT() < t) if (this.next() === ValNone) return ValNone;
    return ValFloat;
  }

  atT(): number { return this.useA ? this.a.atT() : this.b.atT(); }
  atF(): number { return this.useA ? this.a.atF() : this.b.atF(); }
  err(): Error | undefined { return this.a.err() ?? this.b.err(); }

  adjustAtValue(lastValue: number): void {
    if (this.aOk) this.a.adjustAtValue(lastValue);
    if (this.bOk) this.b.adjustAtValue(lastValue);
  }
}

/**
 * Union of several iterators in time order; a timestamp present in several emits the first iterator's sample
 * (Prometheus's chained series merge, for identical copies such as receive replication).
 */
export class ChainMergeIterator implements SampleIterator {
  private readonly ok: boolean[];
  private cur = -1;
  private started = false;

  constructor(private readonly its: readonly SampleIterator[]) {
    this.ok = its.map(() => false);
  }

  next(): ValueType {
    if (!this.started) {
      this.started = true;
      for (let i = 0; i < this.its.length; i++) this.ok[i] = this.its[i]!.next() !== ValNone;
    } else if (this.cur >= 0) {
      const t = this.its[this.cur]!.atT();
      // Advance every iterator sitting on the emitted timestamp, so duplicates appear once.
      for (let i = 0; i < this.its.length; i++) {
        if (this.ok[i] && this.its[i]!.atT() === t) this.ok[i] = this.its[i]!.next() !== ValNone;
      }
    }
    this.cur = this.pick();
    return this.cur >= 0 ? ValFloat : ValNone;
  }

  seek(t: number): ValueType {
    if (!this.started) {
      this.started = true;
      for (let i = 0; i < this.its.length; i++) this.ok[i] = this.its[i]!.seek(t) !== ValNone;
    } else {
      if (this.cur < 0) return ValNone;
      for (let i = 0; i < this.its.length; i++) if (this.ok[i]) this.ok[i] = this.its[i]!.seek(t) !== ValNone;
    }
    this.cur = this.pick();
    return this.cur >= 0 ? ValFloat : ValNone;
  }

  err(): Error | undefined {
    for (const it of this.its) {
      const e = it.err();
      if (e) return e;
    }
    return undefined;
  }

  private pick(): number {
    let best = -1;
    let bestT = Infinity;
    for (let i = 0; i < this.its.length; i++) {
      if (!this.ok[i]) continue;
      const t = this.its[i]!.atT();
      if (t < bestT) {
        bestT = t;
        best = i;
      }
    }
    return best;
  }

  atT(): number { return this.its[this.cur]!.atT(); }
  atF(): number { return this.its[this.cur]!.atF(); }
}

/**
 * One iterator over the replicas of a series. `penalty` chains pairwise penalty merges (((r0, r1), r2), …) as
 * upstream does; for counter functions (`func`) switching replicas never lets the value drop.
 */
export function dedupIterator(replicas: readonly SampleIterator[], algorithm: DedupAlgorithm, func: string): SampleIterator {
  if (replicas.length === 1) return replicas[0]!;
  if (algorithm === 'chain') return new ChainMergeIterator(replicas);
  const wrap = (it: SampleIterator): AdjustableIterator => (isCounterFunc(func) ? new CounterAdjustIterator(it) : new PlainIterator(it));
  let it: AdjustableIterator = wrap(replicas[0]!);
  for (const r of replicas.slice(1)) it = new PenaltyDedupIterator(it, wrap(r));
  return it;
}

/**
 * Splits time-sorted, possibly overlapping chunks into groups of non-overlapping chunks (upstream NewOverlapSplit):
 * each chunk joins the first group whose last chunk ends before it starts, or opens a new group. Each group can then
 * be read as one pseudo-replica.
 */
export function splitOverlapping<C extends { readonly minTime: number; readonly maxTime: number }>(chunks: readonly C[]): C[][] {
  const groups: C[][] = [];
  outer: for (const c of chunks) {
    for (const g of groups) {
      if (g[g.length - 1]!.maxTime < c.minTime) {
        g.push(c);
        continue outer;
      }
    }
    groups.push([c]);
  }
  return groups;
}
