// The engine's safety limits: the in-memory sample cap, the query timeout and cancellation, each failing with the
// error text Prometheus uses, and range-query argument checks.

import { describe, expect, it } from 'vitest';
import { Engine, promqlErrorType } from '../../src/promql/engine.js';
import type { Queryable, StorageSeries } from '../../src/promql/queryable.js';
import { MemoryStorage } from '../../src/promql/promqltest/memory-storage.js';
import { labelsFromRecord } from '../../src/tsdb/labels/labels.js';

function storage(series: number, samples: number): MemoryStorage {
  const s = new MemoryStorage();
  for (let i = 0; i < series; i++) {
    const labels = labelsFromRecord({ __name__: 'metric', i: String(i) });
    for (let j = 0; j < samples; j++) s.append(labels, j * 15_000, j);
  }
  return s;
}

/** A store that takes `delayMs` before yielding anything (and honours the abort signal). */
function slowQueryable(delayMs: number): Queryable {
  return {
    async *select(_m, _h, signal): AsyncIterable<StorageSeries> {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, delayMs);
        signal.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason as Error); }, { once: true });
      });
      yield* [];
    },
  };
}

describe('Engine limits', () => {
  it('fails an instant query that would hold more samples than max-samples', async () => {
    const engine = new Engine({ maxSamples: 100 });
    await expect(engine.instantQuery(storage(150, 2), 'metric', 15_000))
      .rejects.toThrow('query processing would load too many samples into memory in query execution');
  });

  it('counts the samples of range-vector windows against max-samples', async () => {
    const engine = new Engine({ maxSamples: 100 });
    await expect(engine.instantQuery(storage(1, 200), 'sum_over_time(metric[1h])', 200 * 15_000))
      .rejects.toThrow('query processing would load too many samples into memory in query execution');
  });

  it('fails a range query whose result exceeds max-samples', async () => {
    const engine = new Engine({ maxSamples: 100 });
    await expect(engine.rangeQuery(storage(2, 100), 'metric', 0, 99 * 15_000, 15_000))
      .rejects.toThrow('query processing would load too many samples into memory in query execution');
  });

  it('stays within the limit when the query fits', async () => {
    const engine = new Engine({ maxSamples: 1000 });
    const res = await engine.instantQuery(storage(150, 2), 'sum(metric)', 15_000);
    expect(res.value).toMatchObject({ type: 'vector', samples: [{ v: 150 }] });
  });

  it('times out with Prometheus\'s message', async () => {
    const engine = new Engine({ timeoutMs: 20 });
    await expect(engine.instantQuery(slowQueryable(2_000), 'metric', 0)).rejects.toThrow('query timed out in expression evaluation');
  });

  it('is cancelled through the caller\'s AbortSignal', async () => {
    const engine = new Engine();
    const ac = new AbortController();
    const p = engine.instantQuery(slowQueryable(2_000), 'metric', 0, ac.signal);
    ac.abort();
    await expect(p).rejects.toThrow('query was canceled in expression evaluation');
  });

  it('rejects a range query over a range vector as Prometheus does', async () => {
    const err: unknown = await new Engine().rangeQuery(storage(1, 1), 'metric[5m]', 0, 60_000, 15_000).catch((e: unknown) => e);
    expect((err as Error).message).toBe('invalid expression type "range vector" for range query, must be Scalar or instant Vector');
    expect(promqlErrorType(err)).toBe('bad_data');
  });

  it('classifies errors as Prometheus\'s API errorType', async () => {
    const engine = new Engine({ timeoutMs: 20, maxSamples: 10 });
    const typeOf = async (p: Promise<unknown>): Promise<string> => p.then(() => 'none', (e: unknown) => promqlErrorType(e));
    expect(await typeOf(engine.instantQuery(storage(1, 1), 'sum(', 0))).toBe('bad_data');
    expect(await typeOf(engine.instantQuery(storage(20, 1), 'metric', 0))).toBe('execution');
    expect(await typeOf(engine.instantQuery(slowQueryable(2_000), 'metric', 0))).toBe('timeout');
  });
});
