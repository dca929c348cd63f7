// An in-memory Queryable for the test scripts' `load` command: series keyed by label set, samples appended in time
// order (out-of-order appends are rejected, as the scripts' TSDB has no out-of-order window).

import type { Labels } from '../../tsdb/labels/labels.js';
import type { Matcher } from '../../tsdb/labels/matcher.js';
import { matchesAll } from '../../tsdb/labels/matcher.js';
import type { Queryable, SampleIterator, SelectHints, StorageSeries } from '../queryable.js';
import type { ValueType } from '../../tsdb/chunkenc/chunk.js';
import { ValFloat, ValNone } from '../../tsdb/chunkenc/chunk.js';

class TypedArrayIterator implements SampleIterator {
  private i = -1;
  constructor(private readonly ts: Float64Array, private readonly vs: Float64Array) {}
  next(): ValueType {
    this.i++;
    return this.i < this.ts.length ? ValFloat : ValNone;
  }
  seek(t: number): ValueType {
    if (this.i < 0) this.i = 0;
    while (this.i < this.ts.length && this.ts[this.i]! < t) this.i++;
    return this.i < this.ts.length ? ValFloat : ValNone;
  }
  atT(): number {
    return this.ts[this.i]!;
  }
  atF(): number {
    return this.vs[this.i]!;
  }
  err(): Error | undefined {
    return undefined;
  }
}

/** Samples live in typed arrays: V8 canonicalises NaN payloads in plain arrays, which would erase stale markers. */
interface MemSeries {
  readonly labels: Labels;
  ts: Float64Array;
  vs: Float64Array;
  n: number;
}

export class MemoryStorage implements Queryable {
  private readonly series = new Map<string, MemSeries>();

  /** Appends one sample; throws on an out-of-order timestamp. */
  append(labels: Labels, t: number, v: number): void {
    const key = labels.map((l) => `${l.name}\xff${l.value}`).join('\xfe');
    let s = this.series.get(key);
    if (!s) {
      s = { labels, ts: new Float64Array(16), vs: new Float64Array(16), n: 0 };
      this.series.set(key, s);
    }
    if (s.n > 0 && t <= s.ts[s.n - 1]!) {
      if (t === s.ts[s.n - 1]) {
        s.vs[s.n - 1] = v;
        return;
      }
      throw new Error(`out of order sample for ${key} at ${t}`);
    }
    if (s.n === s.ts.length) {
      const ts = new Float64Array(s.n * 2);
      ts.set(s.ts);
      s.ts = ts;
      const vs = new Float64Array(s.n * 2);
      vs.set(s.vs);
      s.vs = vs;
    }
    s.ts[s.n] = t;
    s.vs[s.n] = v;
    s.n++;
  }

  clear(): void {
    this.series.clear();
  }

  select(matchers: readonly Matcher[], hints: SelectHints): Iterable<StorageSeries> {
    const out: StorageSeries[] = [];
    for (const s of this.series.values()) {
      if (!matchesAll(matchers, s.labels)) continue;
      if (s.n === 0 || s.ts[s.n - 1]! < hints.start || s.ts[0]! > hints.end) continue;
      const ts = s.ts.subarray(0, s.n);
      const vs = s.vs.subarray(0, s.n);
      out.push({ labels: s.labels, iterator: () => new TypedArrayIterator(ts, vs) });
    }
    return out;
  }
}
