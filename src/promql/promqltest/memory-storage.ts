// An in-memory Queryable for the test scripts' `load` command: series keyed by label set, samples appended in time
// order (out-of-order appends are rejected, as the scripts' TSDB has no out-of-order window).

import type { Labels } from '../../tsdb/labels/labels.js';
import type { Matcher } from '../../tsdb/labels/matcher.js';
import { matchesAll } from '../../tsdb/labels/matcher.js';
import type { Queryable, SampleIterator, SelectHints, StorageSeries } from '../queryable.js';

class ArrayIterator implements SampleIterator {
  private i = -1;
  constructor(private readonly ts: readonly number[], private readonly vs: readonly number[]) {}
  next(): boolean {
    this.i++;
    return this.i < this.ts.length;
  }
  seek(t: number): boolean {
    if (this.i < 0) this.i = 0;
    while (this.i < this.ts.length && this.ts[this.i]! < t) this.i++;
    return this.i < this.ts.length;
  }
  atT(): number {
    return this.ts[this.i]!;
  }
  atV(): number {
    return this.vs[this.i]!;
  }
}

interface MemSeries {
  readonly labels: Labels;
  readonly ts: number[];
  readonly vs: number[];
}

export class MemoryStorage implements Queryable {
  private readonly series = new Map<string, MemSeries>();

  /** Appends one sample; throws on an out-of-order timestamp. */
  append(labels: Labels, t: number, v: number): void {
    const key = labels.map((l) => `${l.name}\xff${l.value}`).join('\xfe');
    let s = this.series.get(key);
    if (!s) {
      s = { labels, ts: [], vs: [] };
      this.series.set(key, s);
    }
    const last = s.ts[s.ts.length - 1];
    if (last !== undefined && t <= last) {
      if (t === last) {
        s.vs[s.vs.length - 1] = v;
        return;
      }
      throw new Error(`out of order sample for ${key} at ${t}`);
    }
    s.ts.push(t);
    s.vs.push(v);
  }

  clear(): void {
    this.series.clear();
  }

  select(matchers: readonly Matcher[], hints: SelectHints): Iterable<StorageSeries> {
    const out: StorageSeries[] = [];
    for (const s of this.series.values()) {
      if (!matchesAll(matchers, s.labels)) continue;
      const first = s.ts[0];
      const last = s.ts[s.ts.length - 1];
      if (first === undefined || last === undefined || last < hints.start || first > hints.end) continue;
      out.push({ labels: s.labels, iterator: () => new ArrayIterator(s.ts, s.vs) });
    }
    return out;
  }
}
