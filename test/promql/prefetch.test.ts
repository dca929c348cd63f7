// Prefetching the operands of a binary operator: both storage reads are in flight together, the answer is the same
// as without overlap, and reads that evaluation never used are closed (in the background) when the query ends.

import { describe, expect, it, vi } from 'vitest';
import { Engine } from '../../src/promql/engine.js';
import type { Queryable, SelectHints, StorageSeries } from '../../src/promql/queryable.js';
import { MemoryStorage } from '../../src/promql/promqltest/memory-storage.js';
import { labelsFromRecord } from '../../src/tsdb/labels/labels.js';
import type { Matcher } from '../../src/tsdb/labels/matcher.js';

function storage(): MemoryStorage {
  const s = new MemoryStorage();
  for (const name of ['a_total', 'b_total']) {
    for (let i = 0; i < 3; i++) {
      const labels = labelsFromRecord({ __name__: name, i: String(i) });
      for (let j = 0; j <= 40; j++) s.append(labels, j * 15_000, j * (i + 1) * (name === 'a_total' ? 2 : 1));
    }
  }
  return s;
}

/** An async store over `inner` that takes 20ms per read and records how many reads overlap and how many were closed. */
class SlowStore implements Queryable {
  inFlight = 0;
  maxInFlight = 0;
  finished = 0;
  constructor(private readonly inner: MemoryStorage) {}

  async *select(m: readonly Matcher[], h: SelectHints): AsyncGenerator<StorageSeries> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, 20));
      const all = [...(this.inner.select(m, h) as Iterable<StorageSeries>)];
      this.inFlight--;
      yield* all;
    } finally {
      this.finished++;
    }
  }
}

describe('prefetch', () => {
  const q = 'sum(rate(a_total[1m])) / sum(rate(b_total[1m]))';

  it('runs both operand reads of a binary operator at once, with the same answer as sequential reads', async () => {
    const engine = new Engine({});
    const slow = new SlowStore(storage());
    const got = await engine.rangeQuery(slow, q, 120_000, 600_000, 30_000);
    const want = await engine.rangeQuery(storage(), q, 120_000, 600_000, 30_000);
    expect(slow.maxInFlight).toBe(2);
    expect(got).toEqual(want);
    expect(got.value.type === 'matrix' && got.value.series[0]!.values[0]).toBeCloseTo(2);
  });

  it('closes a prefetched read that evaluation never reached', async () => {
    const engine = new Engine({ maxSamples: 5 });
    const slow = new SlowStore(storage());
    await expect(engine.rangeQuery(slow, 'a_total + b_total', 120_000, 600_000, 30_000)).rejects.toThrow(/too many samples/);
    // Closed in the background, once the read's first step is in.
    await vi.waitFor(() => expect(slow.finished).toBe(2));
  });
});
