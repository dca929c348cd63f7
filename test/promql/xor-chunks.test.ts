// The engine's xorChunks fast path (chunks decoded straight into its sample buffers) against the iterator path over
// the same chunks: same answers at range edges, with stale markers, empty and skipped chunks, and a corrupt chunk.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/promql/engine.js';
import type { Queryable, SampleIterator, StorageSeries, XorChunk } from '../../src/promql/queryable.js';
import { STALE_NAN, ValFloat, ValNone, type ValueType } from '../../src/tsdb/chunkenc/chunk.js';
import { encodeXor, XorIterator } from '../../src/tsdb/chunkenc/xor.js';
import { labelsFromRecord, type Labels } from '../../src/tsdb/labels/labels.js';
import type { Matcher } from '../../src/tsdb/labels/matcher.js';

/** Reads chunks one after another, as query/chunk-iterator does (enough for these tests: no seek shortcuts). */
class ChunkListIterator implements SampleIterator {
  private i = -1;
  private readonly dec = new XorIterator();
  private e: Error | undefined;
  constructor(private readonly chunks: readonly XorChunk[]) {}
  next(): ValueType {
    for (;;) {
      if (this.i >= 0 && this.dec.next() !== ValNone) return ValFloat;
      if (this.i >= 0 && this.dec.err()) {
        this.e = this.dec.err();
        return ValNone;
      }
      if (++this.i >= this.chunks.length) return ValNone;
      this.dec.reset(this.chunks[this.i]!.data);
    }
  }
  seek(t: number): ValueType {
    if (this.i >= 0 && this.i < this.chunks.length && this.atT() >= t) return ValFloat;
    while (this.next() !== ValNone) if (this.atT() >= t) return ValFloat;
    return ValNone;
  }
  atT(): number { return this.dec.atT(); }
  atF(): number { return this.dec.atF(); }
  err(): Error | undefined { return this.e; }
}

class ChunkSeries implements StorageSeries {
  constructor(readonly labels: Labels, private readonly chunks: readonly XorChunk[], private readonly fast: boolean) {}
  iterator(): SampleIterator { return new ChunkListIterator(this.chunks); }
  xorChunks(): readonly XorChunk[] | undefined { return this.fast ? this.chunks : undefined; }
}

class ChunkStore implements Queryable {
  constructor(private readonly series: readonly { labels: Labels; chunks: XorChunk[] }[], private readonly fast: boolean) {}
  async *select(_m: readonly Matcher[]): AsyncGenerator<StorageSeries> {
    await Promise.resolve();
    for (const s of this.series) yield new ChunkSeries(s.labels, s.chunks, this.fast);
  }
}

/** Samples every 15s from `from` to `to` (ms) cut into chunks of `per` samples; `value(i)` per sample. */
function chunked(from: number, to: number, per: number, value: (i: number) => number): XorChunk[] {
  const n = Math.floor((to - from) / 15_000) + 1;
  const ts = new Float64Array(n);
  // A typed array keeps the stale marker's NaN bits (plain number arrays may canonicalise NaNs).
  const vs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ts[i] = from + i * 15_000;
    vs[i] = value(i);
  }
  const out: XorChunk[] = [];
  for (let i = 0; i < n; i += per) {
    const j = Math.min(i + per, n);
    out.push({ minTime: ts[i]!, maxTime: ts[j - 1]!, data: encodeXor(ts, vs, i, j) });
  }
  return out;
}

function data(): { labels: Labels; chunks: XorChunk[] }[] {
  return [
    { labels: labelsFromRecord({ __name__: 'c_total', i: '0' }), chunks: chunked(0, 3_600_000, 120, (i) => i * 3) },
    // A stale marker inside the range, then samples again.
    { labels: labelsFromRecord({ __name__: 'c_total', i: '1' }), chunks: chunked(0, 3_600_000, 50, (i) => (i === 130 ? STALE_NAN : i)) },
    // Ends early; an empty chunk in the middle of the list.
    { labels: labelsFromRecord({ __name__: 'c_total', i: '2' }), chunks: [...chunked(0, 900_000, 7, (i) => i * i), { minTime: 1_000_000, maxTime: 1_000_000, data: new Uint8Array([0, 0]) }] },
    // Entirely before the queried range.
    { labels: labelsFromRecord({ __name__: 'c_total', i: '3' }), chunks: chunked(0, 60_000, 120, (i) => i) },
  ];
}

describe('xorChunks fast path', () => {
  const queries = [
    'c_total', 'rate(c_total[5m])', 'count by (i) (c_total)', 'max_over_time(c_total[10m])', 'sum(c_total)',
    'last_over_time(c_total[1m])', 'timestamp(c_total)', 'count_over_time(c_total[2m])',
  ];
  for (const q of queries) {
    it(`answers ${q} as the iterator path does`, async () => {
      const engine = new Engine({});
      const want = await engine.rangeQuery(new ChunkStore(data(), false), q, 600_000, 3_000_000, 30_000);
      const got = await engine.rangeQuery(new ChunkStore(data(), true), q, 600_000, 3_000_000, 30_000);
      expect(got).toEqual(want);
      expect(got.value.type === 'matrix' && got.value.series.length).toBeGreaterThan(0);
    });
  }

  it('answers an instant range selector (raw samples, edges) as the iterator path does', async () => {
    const engine = new Engine({});
    const want = await engine.instantQuery(new ChunkStore(data(), false), 'c_total[20m]', 2_000_000);
    const got = await engine.instantQuery(new ChunkStore(data(), true), 'c_total[20m]', 2_000_000);
    expect(got).toEqual(want);
  });

  it('fails on a corrupt chunk inside the range like the iterator path', async () => {
    const series = data();
    const bad = series[0]!.chunks[1]!;
    series[0]!.chunks[1] = { ...bad, data: bad.data.subarray(0, 20) };
    const engine = new Engine({});
    await expect(engine.rangeQuery(new ChunkStore(series, false), 'c_total', 600_000, 3_000_000, 30_000)).rejects.toThrow();
    await expect(engine.rangeQuery(new ChunkStore(series, true), 'c_total', 600_000, 3_000_000, 30_000)).rejects.toThrow(/chunk 1/);
  });
});
